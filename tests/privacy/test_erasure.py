"""Erasure (PIPL): one service, every front door; nothing of the worker is left in the database, the store or the logs."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.storage.models import AuditEntry, MessageLog, Ticket
from tests.privacy.conftest import (API_STORY, EMPLOYER, ID_NUMBER, NAME, OPENID, PHONE, STORY, STORY_PHONE, chat,
                                    fill_every_table, say, store_values, text_values)


def _leaks(runtime, worker: dict, logs: str) -> list[str]:
    """Every place where one of the worker's values can still be read."""
    values = {"name": NAME, "phone": PHONE, "phone in the story": STORY_PHONE, "id": ID_NUMBER, "openid": OPENID,
              "mini-program openid": worker["mp_openid"], "unionid": worker["unionid"], "employer": EMPLOYER,
              "story": STORY[12:30], "api story": API_STORY[:20]}
    leaks = [f"db {table}.{column}: {label}" for table, column, value in text_values(runtime.database)
             for label, raw in values.items() if raw in str(value)]
    leaks += [f"store: {label}" for value in store_values(runtime.store) for label, raw in values.items() if raw in value]
    leaks += [f"logs: {label}" for label, raw in values.items() if raw in logs]
    return leaks


def _counts_by_intent(runtime) -> dict:
    with runtime.database.session() as session:
        return dict(session.execute(select(MessageLog.intent, func.count()).where(MessageLog.direction == "in")
                                    .group_by(MessageLog.intent)).all())


def _held_before(runtime, worker) -> None:
    leaks = [label for _t, _c, value in text_values(runtime.database)
             for label, raw in (("name", NAME), ("employer", EMPLOYER), ("openid", OPENID)) if raw in str(value)]
    assert {"name", "employer", "openid"} <= set(leaks)  # the scan sees the data before erasure


def test_erasure_from_the_chat_after_a_yes_leaves_nothing_but_anonymous_figures(app, runtime, client, captured_logs,
                                                                                 fake_wechat):
    worker = fill_every_table(app, runtime, client)
    _held_before(runtime, worker)
    figures = _counts_by_intent(runtime)
    follower = chat(client)
    say(follower, "删除我的信息", "删除后无法恢复", "1 确认删除")
    say(follower, "2", "没有删除")
    assert _leaks(runtime, worker, "") != []
    say(follower, "删除我的信息", "1 确认删除")
    follower.send_text("1")
    runtime.background.shutdown(wait=True)  # the erasure runs after the turn, like a deferred reply
    sent = [c["json"]["text"]["content"] for c in fake_wechat.calls("/cgi-bin/message/custom/send")
            if c["json"]["touser"] == OPENID]
    assert any("已全部删除" in s for s in sent)
    assert _leaks(runtime, worker, captured_logs.getvalue()) == []
    # Anonymous figures stay: messages per intent, tickets per kind.
    after = _counts_by_intent(runtime)
    assert figures and all(after.get(intent, 0) >= count for intent, count in figures.items())
    with runtime.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 2
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "person.erase")).all()
    assert entry.actor == "worker:chat" and entry.detail["tickets"] == 2 and entry.detail["uploads"] == 1
    # The mini-program sign-in ended with the person: its refresh token is refused.
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": worker["refresh_token"]})
    assert refreshed.status_code == 401


def test_erasure_from_the_api_is_for_the_member_themself(app, runtime, client, captured_logs):
    worker = fill_every_table(app, runtime, client)
    refused = client.post("/api/v1/me/data/erase", headers=worker["headers"], json={"confirm": False})
    assert refused.status_code == 422
    assert client.post("/api/v1/me/data/erase", json={"confirm": True}).status_code == 401
    erased = client.post("/api/v1/me/data/erase", headers=worker["headers"], json={"confirm": True})
    assert erased.status_code == 204
    assert client.get("/api/v1/me", headers=worker["headers"]).status_code == 401
    assert _leaks(runtime, worker, captured_logs.getvalue()) == []


def test_erasure_from_the_cli_erases_everything_not_only_membership(app, runtime, client, captured_logs):
    from bot.cli import cli
    from bot.cli.context import Services

    worker = fill_every_table(app, runtime, client)
    services = Services()
    services._config, services._runtime = runtime.config, runtime
    result = CliRunner().invoke(cli, ["members", "delete-data", "--openid", OPENID, "--yes"], obj=services)
    assert result.exit_code == 0, result.output
    assert OPENID not in result.output
    assert _leaks(runtime, worker, captured_logs.getvalue()) == []


def test_erasure_from_the_console_is_for_admins_and_audited(app, runtime, client, captured_logs):
    from tests.console.conftest import PASSWORD, csrf_token
    from bot.console import accounts

    worker = fill_every_table(app, runtime, client)
    for role in ("counsellor", "admin"):
        accounts.create_account(runtime.database, f"li-{role}", PASSWORD, role)
    staff = {}
    for role in ("counsellor", "admin"):
        browser = app.test_client()
        browser.post("/console/sign-in", data={"username": f"li-{role}", "password": PASSWORD,
                                               "csrf_token": csrf_token(browser)})
        staff[role] = browser
    form = {"openid": OPENID, "confirm": "1"}
    refused = staff["counsellor"].post("/console/people/erase",
                                       data={**form, "csrf_token": csrf_token(staff["counsellor"], "/console/")})
    assert refused.status_code == 403
    assert _leaks(runtime, worker, "") != []
    done = staff["admin"].post("/console/people/erase",
                               data={**form, "csrf_token": csrf_token(staff["admin"], "/console/accounts")})
    assert done.status_code == 302
    assert _leaks(runtime, worker, captured_logs.getvalue()) == []
    with runtime.database.session() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "person.erase")).all()
    assert entry.actor == "li-admin" and entry.role == "admin" and OPENID not in str(entry.detail)


def test_erasure_removes_late_replies_still_owed(runtime):
    """A late reply kept for the worker's next message (it may hold a ticket number) goes with the rest."""
    from sqlalchemy import func, select

    from bot import late_replies
    from bot.messages import TextReply
    from bot.services.people import OFFICIAL
    from bot.storage.models import PendingLateReply

    person_id = runtime.people.person_id(OFFICIAL, "o_owed_a_reply")
    late_replies.owe(runtime.database, "o_owed_a_reply", None, TextReply("工单号 WQ20261203-001"), runtime.clock(),
                     "customer-service send failed")
    runtime.personal_data.erase(person_id, actor="test")
    with runtime.database.session() as session:
        assert session.scalar(select(func.count()).select_from(PendingLateReply)) == 0
