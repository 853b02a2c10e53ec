"""Message-log rows are never left 'processing' for good when database connections are cut."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from bot.config import DEMO_TOKEN
from bot.storage import message_log as message_log
from bot.storage.models import MessageLog
from tests.webhook.signing import post, text_xml


def _outcomes(database):
    with database.session() as session:
        return list(session.scalars(select(MessageLog.outcome).where(MessageLog.direction == "in")))


def test_a_connection_cut_while_recording_the_reply_is_retried(client, runtime, database, monkeypatch):
    real = message_log.finish_inbound
    cuts = []

    def cut_once(*args, **kwargs):
        if not cuts:
            cuts.append(1)
            raise OperationalError("UPDATE message_log", {}, Exception("server closed the connection unexpectedly"))
        return real(*args, **kwargs)

    monkeypatch.setattr(message_log, "finish_inbound", cut_once)
    response = post(client, DEMO_TOKEN, text_xml("o_cut", "你好"))
    assert response.status_code == 200 and "Content" in response.get_data(as_text=True)
    assert cuts and _outcomes(database) == ["replied"]


def test_rows_left_processing_are_reclaimed_after_a_timeout(client, runtime, database, monkeypatch):
    from bot.push import scheduler

    monkeypatch.setattr(message_log, "finish_inbound", lambda *a, **k: (_ for _ in ()).throw(
        OperationalError("UPDATE message_log", {}, Exception("terminating connection due to administrator command"))))
    post(client, DEMO_TOKEN, text_xml("o_cut", "你好"))
    assert _outcomes(database) == ["processing"]

    class Active:
        pass

    service = Active()
    service.runtime = runtime
    monkeypatch.setattr(scheduler, "active", lambda: service)
    scheduler.reclaim_stale_messages_job()
    assert _outcomes(database) == ["processing"]  # too recent: it may still be answered
    later = runtime.clock() + scheduler.STALE_PROCESSING + timedelta(seconds=1)
    runtime.clock = lambda: later
    scheduler.reclaim_stale_messages_job()
    assert _outcomes(database) == ["abandoned"]


def test_connections_terminated_by_the_server_are_replaced(client, runtime, database):
    import pytest

    if database.is_sqlite:
        pytest.skip("pg_terminate_backend needs PostgreSQL")
    assert post(client, DEMO_TOKEN, text_xml("o_cut", "你好")).status_code == 200
    with database.engine.connect() as connection:  # cut every other connection to this database
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    for n in range(3):
        response = post(client, DEMO_TOKEN, text_xml("o_cut", "你好"))
        assert response.status_code == 200 and "系统刚才出了点小问题" not in response.get_data(as_text=True)
    assert "processing" not in _outcomes(database)
