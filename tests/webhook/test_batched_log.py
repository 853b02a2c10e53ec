"""The batched message log (webhook.message_log: batched, the default with Redis): retries recognised and
answered from the store, the log and follower touches written behind the reply, and what a crash can lose."""
from __future__ import annotations

import atexit
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import create_app
from bot.config import DEMO_TOKEN
from bot.conversation_state import ConversationStore
from bot.kv_store import RedisStore
from bot.runtime import Runtime
from bot.storage.models import Follower, MessageLog
from tests.conftest import wait_until
from tests.webhook.signing import post, text_xml

MOMENT = datetime(2026, 12, 3, 10, 0)


def _batched(runtime):
    # The writer's own timer is set far off: what is written, the test writes with flush().
    runtime.config = runtime.config.with_overrides(webhook_message_log="batched", webhook_log_flush_seconds=3600,
                                                   webhook_follower_touch_minutes=10)
    return runtime


@pytest.fixture
def batched(runtime):
    """The runtime in batched mode; its writer is closed (everything written) at the end."""
    yield _batched(runtime)
    if "message_log_writer" in runtime.__dict__:
        runtime.message_log_writer.close()


def _rows(database, *where):
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(MessageLog).where(*where))


def _say(client, openid, text, msg_id=None):
    """The text the worker reads ('success' when WeChat gets no passive reply)."""
    body = post(client, DEMO_TOKEN, text_xml(openid, text, msg_id=msg_id)).get_data(as_text=True)
    # The passive reply's XML carries the second it was rendered in: compare what the worker reads.
    return body.split("<Content><![CDATA[", 1)[1].split("]]></Content>", 1)[0] if "<Content>" in body else body


def test_retries_are_processed_once_and_answered_from_the_store_before_the_log_is_written(
        client, batched, database, monkeypatch):
    from bot import dialogue

    calls = []
    real_respond = dialogue.respond
    monkeypatch.setattr(dialogue, "respond", lambda rt, msg: calls.append(msg) or real_respond(rt, msg))
    replies = [_say(client, "o_batch_retry", "公司拖欠工资怎么办", msg_id="880000001") for _ in range(3)]
    assert len(calls) == 1
    assert len(set(replies)) == 1 and "12351" in replies[0]
    assert _rows(database, MessageLog.openid == "o_batch_retry") == 0  # nothing written on the reply's path
    assert batched.message_log_writer.pending() == 2  # the message and the reply, once

    assert batched.message_log_writer.flush() == 2
    with database.session() as session:
        row = session.scalars(select(MessageLog).where(MessageLog.openid == "o_batch_retry",
                                                       MessageLog.direction == "in")).one()
        assert row.outcome == "replied" and row.intent and row.latency_ms > 0
        assert "12351" in row.reply_payload
    assert _rows(database, MessageLog.openid == "o_batch_retry", MessageLog.direction == "out") == 1


def test_a_retry_after_the_log_is_written_is_still_answered_once_with_the_first_reply(client, batched, database):
    first = _say(client, "o_batch_late_retry", "有什么活动", msg_id="880000002")
    batched.message_log_writer.flush()
    assert _say(client, "o_batch_late_retry", "有什么活动", msg_id="880000002") == first
    batched.message_log_writer.flush()
    assert _rows(database, MessageLog.openid == "o_batch_late_retry", MessageLog.direction == "in") == 1


def test_a_crash_before_the_log_is_written_loses_at_most_the_queued_rows_and_nothing_typed_into_a_form(
        client, batched, database, store, config):
    openid = "o_batch_crash"
    _say(client, openid, "我要入会")
    batched.message_log_writer.flush()  # written by the writer's timer before the crash
    _say(client, openid, "同意")
    answer = _say(client, openid, "我叫王芳")
    assert "王芳" in answer or "手机" in answer
    queued = batched.message_log_writer.pending()
    assert queued == 4

    # The process dies: its writer never writes again (no timer, no exit handler).
    atexit.unregister(batched.message_log_writer.close)
    restarted = _batched(Runtime(config, database, store))
    try:
        state = restarted.conversations.load(openid)
        assert state.form == "join_union" and "王芳" in str(state.data)  # the form survived in the store
        client2 = create_app(restarted.config, runtime=restarted).test_client()
        _say(client2, openid, "13812345678")
        restarted.message_log_writer.flush()
        assert "13812345678" in str(restarted.conversations.load(openid).data)
    finally:
        restarted.message_log_writer.close()
        restarted.background.shutdown(wait=True)
    # Lost: exactly the rows that were queued at the crash, nothing written before or after it.
    assert _rows(database, MessageLog.openid == openid, MessageLog.direction == "in") == 2
    assert _rows(database, MessageLog.openid == openid) == 6 - queued + 2


def test_with_redis_down_messages_are_claimed_in_the_database_and_retries_still_answered_once(
        client, batched, database, monkeypatch):
    from bot import dialogue

    dead = RedisStore("redis://127.0.0.1:1/0", timeout=0.2)
    batched.store = dead
    batched.conversations = ConversationStore(dead, cipher=batched.cipher)
    batched.__dict__.pop("recent_replies", None)
    calls = []
    real_respond = dialogue.respond
    monkeypatch.setattr(dialogue, "respond", lambda rt, msg: calls.append(msg) or real_respond(rt, msg))
    replies = [_say(client, "o_batch_down", "公司拖欠工资怎么办", msg_id="880000003") for _ in range(3)]
    assert len(calls) == 1 and len(set(replies)) == 1 and "12351" in replies[0]
    assert _rows(database, MessageLog.openid == "o_batch_down", MessageLog.direction == "in") == 1


def test_a_message_claimed_in_the_database_during_an_outage_and_also_queued_costs_no_other_row(
        client, batched, database, runtime, store):
    # Redis down: the message is claimed and finished in the database.
    runtime.store = RedisStore("redis://127.0.0.1:1/0", timeout=0.2)
    runtime.__dict__.pop("recent_replies", None)
    _say(client, "o_batch_both", "你好", msg_id="880000004")
    # Redis back (restarted empty): WeChat's retry is claimed in the store and queued again, beside another message.
    runtime.store = store
    runtime.__dict__.pop("recent_replies", None)
    _say(client, "o_batch_both", "你好", msg_id="880000004")
    _say(client, "o_batch_both", "有什么活动", msg_id="880000005")
    batched.message_log_writer.flush()
    assert _rows(database, MessageLog.openid == "o_batch_both", MessageLog.direction == "in") == 2


def test_the_follower_touch_is_batched_and_written_at_most_once_per_interval(client, batched, database):
    openid = "o_batch_touch"
    batched.clock = lambda: MOMENT
    for text in ("你好", "有什么活动", "福利有哪些"):
        _say(client, openid, text)
    batched.message_log_writer.flush()
    with database.session() as session:
        assert session.get(Follower, openid).last_message_at == MOMENT  # created by the batch

    batched.clock = lambda: MOMENT + timedelta(minutes=3)
    _say(client, openid, "你好")
    batched.message_log_writer.flush()
    with database.session() as session:
        assert session.get(Follower, openid).last_message_at == MOMENT  # within 10 minutes: not written

    batched.clock = lambda: MOMENT + timedelta(minutes=11)
    _say(client, openid, "你好")
    batched.message_log_writer.flush()
    with database.session() as session:
        assert session.get(Follower, openid).last_message_at == MOMENT + timedelta(minutes=11)


def test_erasing_in_the_chat_leaves_no_row_of_the_worker_written_behind(client, batched, database, fake_wechat):
    openid = "o_batch_erase"
    _say(client, openid, "公司拖欠工资怎么办")
    assert "删除后无法恢复" in _say(client, openid, "删除我的信息")
    _say(client, openid, "1")
    wait_until(lambda: fake_wechat.calls("/cgi-bin/message/custom/send"))
    wait_until(lambda: batched.background._work_queue.empty())
    batched.message_log_writer.flush()
    assert _rows(database, MessageLog.openid == openid) == 0
    with database.session() as session:
        assert session.get(Follower, openid) is None


def test_a_late_reply_that_failed_comes_with_the_next_message_even_after_redis_restarts_empty(
        client, batched, fake_wechat, monkeypatch, database, store):
    from bot import late_replies
    from bot.webhook import deliver_by_customer_service
    from tests.reliability.test_late_replies import CUSTOM, OPENID, _file_a_slow_complaint, _owed
    from tests.reliability.test_late_replies import _say as say_as_complainant

    fake_wechat.inject(CUSTOM, errcode=-1, times=None)  # customer-service messages fail for now
    _file_a_slow_complaint(client, batched, monkeypatch)
    [owed] = wait_until(lambda: _owed(database), timeout=10)
    ticket = owed.reply_payload.split("WQ", 1)[1][:12]
    batched.config = batched.config.with_overrides(wechat_reply_deadline_seconds=30.0)
    wait_until(lambda: batched.message_log_writer.pending() >= 1)  # the late message's row, with how it ended
    batched.message_log_writer.flush()
    with database.session() as session:
        assert session.scalar(select(MessageLog.outcome).where(MessageLog.dedup_key == "msg:7799")) == \
            "late_send_failed"

    store.flush()  # Redis restarts empty: the mark that something is owed is gone
    late_replies.retry_due(batched, deliver_by_customer_service)  # not due yet, but marks it again
    answer = say_as_complainant(client, "你好", 7800)
    assert ticket in answer and "您之前的留言" in answer
    assert ticket not in say_as_complainant(client, "你好", 7801)  # brought once


def test_a_handler_run_inline_that_passes_the_deadline_still_reaches_the_worker(
        client, batched, fake_wechat, monkeypatch, database):
    from bot import dialogue

    batched.config = batched.config.with_overrides(wechat_reply_deadline_seconds=0.3)
    real_respond = dialogue.respond
    calls = []

    def slow(rt, msg):
        calls.append(msg)
        time.sleep(0.5)  # the database is slow today
        return real_respond(rt, msg)

    assert not batched.handler_pace.slow(0.3 * 0.25)  # quick so far: this one runs inline
    monkeypatch.setattr(dialogue, "respond", slow)
    assert _say(client, "o_batch_slow", "公司拖欠工资怎么办", msg_id="880000006") == "success"
    sent = wait_until(lambda: fake_wechat.calls("/cgi-bin/message/custom/send"))
    assert "12351" in sent[0]["json"]["text"]["content"]
    # WeChat's retry is answered 'success' (the reply went by customer-service message), not processed again.
    assert _say(client, "o_batch_slow", "公司拖欠工资怎么办", msg_id="880000006") == "success"
    assert len(calls) == 1
    batched.message_log_writer.flush()
    with database.session() as session:
        assert session.scalar(select(MessageLog.outcome).where(MessageLog.dedup_key == "msg:880000006")) == "sent_late"

    # Now that handlers are slow in this process, the next one goes to the pool and WeChat gets 'success' on time.
    assert batched.handler_pace.slow(0.3 * 0.25)
    started = time.monotonic()
    assert _say(client, "o_batch_slow", "有什么活动", msg_id="880000007") == "success"
    assert time.monotonic() - started < 0.5
    wait_until(lambda: len(fake_wechat.calls("/cgi-bin/message/custom/send")) == 2)
