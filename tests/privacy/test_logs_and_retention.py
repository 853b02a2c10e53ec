"""Logs never carry an openid or a personal number; the message log masks numbers; stories keep them encrypted;
retention removes what is past its time; the worker sees what is held about them."""
from __future__ import annotations

import io
import json
import logging
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import select, update

from bot.storage.models import MessageLog, Ticket
from tests.privacy.conftest import (EMPLOYER, ID_NUMBER, OPENID, PHONE, STORY_PHONE, chat, fill_every_table, say,
                                    text_values)


def test_a_full_conversation_logs_no_openid_and_no_personal_number(app, runtime, client, captured_logs):
    worker = fill_every_table(app, runtime, client)
    logging.getLogger("bot.test").error("a failure quoting %s and 138 5761 2340", OPENID)
    try:
        raise ValueError(f"bad row for {OPENID}: {ID_NUMBER}")
    except ValueError:
        logging.getLogger("bot.test").exception("trace")
    logs = captured_logs.getvalue()
    assert "ticket" in logs and "trace" in logs  # the run did log
    for raw in (OPENID, worker["mp_openid"], PHONE, STORY_PHONE, ID_NUMBER, "5761 2340"):
        assert raw not in logs, raw


def test_the_message_log_masks_numbers_in_any_writing(app, runtime, client):
    fill_every_table(app, runtime, client)
    with runtime.database.session() as session:
        texts = [t for t in session.scalars(select(MessageLog.text)) if t]
    joined = "\n".join(texts)
    assert "138****2340" in joined
    for raw in (PHONE, STORY_PHONE, ID_NUMBER, "138-5761-2340", "139 5712 3456"):
        assert raw not in joined, raw


def test_ticket_stories_keep_numbers_encrypted_and_staff_reveal_them_audited(app, runtime, client):
    worker = fill_every_table(app, runtime, client)
    for _table, _column, value in text_values(runtime.database):
        assert STORY_PHONE not in str(value) and "139 5712 3456" not in str(value) and ID_NUMBER not in str(value)
    with runtime.database.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.channel == "chat")).one()
        assert ticket.text_numbers_encrypted and ticket.consent_at and ticket.consent_version == "2026-12"
        number = ticket.number
    assert "139****3456" in runtime.tickets.staff_view(number).text
    assert STORY_PHONE in runtime.tickets.revealed_story(number)
    from bot.console import accounts
    from tests.console.conftest import PASSWORD, csrf_token

    accounts.create_account(runtime.database, "zhao", PASSWORD, "counsellor")
    browser = app.test_client()
    browser.post("/console/sign-in", data={"username": "zhao", "password": PASSWORD, "csrf_token": csrf_token(browser)})
    page = browser.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "139****3456" in page and STORY_PHONE not in page
    revealed = browser.post(f"/console/tickets/{number}/reveal",
                            data={"csrf_token": csrf_token(browser, f"/console/tickets/{number}")})
    assert STORY_PHONE in revealed.get_data(as_text=True)
    from bot.console import audit
    [entry], _ = audit.search(runtime.database, action="ticket.reveal_phone")
    assert entry.actor == "zhao" and entry.detail.get("story_numbers") is True


def test_my_data_in_the_chat_and_the_api_is_masked_with_consents(app, runtime, client):
    worker = fill_every_table(app, runtime, client)
    shown = say(chat(client), "我的信息", "138****2340", "同意了第 2026-11 版", "同意了第 2026-12 版", EMPLOYER)
    assert PHONE not in shown and ID_NUMBER not in shown and "钱多多" not in shown
    held = client.get("/api/v1/me/data", headers=worker["headers"])
    assert held.status_code == 200, held.get_json()
    body = held.get_json()
    assert body["application"]["consent_version"] == "2026-11" and body["application"]["phone"] == "138****2340"
    assert {t["consent_version"] for t in body["tickets"]} == {"2026-12"}
    assert PHONE not in str(body) and ID_NUMBER not in str(body)
    assert client.get("/api/v1/me/data").status_code == 401


def test_retention_removes_old_message_text_closed_tickets_and_abandoned_forms(app, runtime, client):
    fill_every_table(app, runtime, client)
    half = chat(client, "oPrivacyHalfFilledFormAbCd12")
    say(half, "我要入会", "同意")
    say(half, "同意", "姓名")
    config = runtime.config
    assert (config.retention_message_text_days, config.retention_closed_ticket_days,
            config.retention_abandoned_form_hours) == (90, 730, 24)
    service = runtime.personal_data
    assert service.enforce_retention() == {"message_texts": 0, "tickets": 0, "forms": 0, "rating_comments": 0}
    now = runtime.clock()
    with runtime.database.session() as session:
        session.execute(update(MessageLog).values(created_at=now - timedelta(days=91)))
        session.execute(update(Ticket).where(Ticket.channel == "chat").values(
            status="closed", closed_at=now - timedelta(days=731)))
    state = runtime.conversations.load("oPrivacyHalfFilledFormAbCd12")
    assert state.form == "join_union"
    state_key = "conversation:oPrivacyHalfFilledFormAbCd12"
    conversations = runtime.conversations
    state.updated_at = (now - timedelta(hours=25)).timestamp()  # silent for a day: the form was abandoned
    conversations.store.set(state_key, conversations.cipher.encrypt(json.dumps(asdict(state), ensure_ascii=False)))
    counts = service.enforce_retention()
    assert counts["message_texts"] > 10 and counts["tickets"] == 1 and counts["forms"] >= 1
    with runtime.database.session() as session:
        assert not [t for t in session.scalars(select(MessageLog.text)) if t]
        chat_ticket = session.scalars(select(Ticket).where(Ticket.channel == "chat")).one()
        assert chat_ticket.text == "" and chat_ticket.person_id is None and chat_ticket.erased_at is not None
        assert session.scalars(select(Ticket).where(Ticket.channel == "miniprogram")).one().text  # still open
    assert runtime.conversations.load("oPrivacyHalfFilledFormAbCd12").form is None


def test_the_scheduler_runs_retention():
    from bot.push.scheduler import PERIODIC_JOBS, enforce_retention_job

    assert any(job.func is enforce_retention_job and job.id == "privacy.retention" for job in PERIODIC_JOBS)


def test_the_gunicorn_access_log_has_no_query_string():
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from bot import gunicorn_conf

    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", gunicorn_conf.access_log_format)
    logger = Logger(config)
    stream = io.StringIO()
    logger.access_log.handlers[0].stream = stream
    gunicorn_conf.on_starting(None)

    class Response:
        status, status_code, sent, headers = "200 OK", 200, 7, []

    class Request:
        headers, method, path, query = [], "POST", "/wechat", f"signature=1&openid={OPENID}"
        uri, version = f"/wechat?signature=1&openid={OPENID}", (1, 1)

    environ = {"REQUEST_METHOD": "POST", "RAW_URI": Request.uri, "PATH_INFO": "/wechat",
               "QUERY_STRING": Request.query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    logger.access(Response(), Request(), environ, timedelta(milliseconds=3))
    line = stream.getvalue()
    assert "POST /wechat HTTP/1.1" in line and OPENID not in line and "openid" not in line
