"""A late reply is never lost: a failed customer-service send is retried, or brought by the next message."""
from __future__ import annotations

import re
import time
from datetime import timedelta

from sqlalchemy import select

from bot import late_replies
from bot.config import DEMO_TOKEN
from bot.storage.models import PendingLateReply
from bot.webhook import deliver_by_customer_service
from tests.conftest import wait_until
from tests.webhook.signing import post, text_xml

CUSTOM = "/cgi-bin/message/custom/send"
OPENID = "o_late_complaint"


def _say(client, text, msg_id):
    return post(client, DEMO_TOKEN, text_xml(OPENID, text, msg_id=str(msg_id))).get_data(as_text=True)


def _file_a_slow_complaint(client, runtime, monkeypatch):
    """Fill in a complaint; its submission takes longer than WeChat's deadline; return the ticket number."""
    for n, text in enumerate(["我要维权，公司已经拖欠我三个月工资了", "同意", "杭州某某电子有限公司", "跳过", "13812345678"]):
        _say(client, text, 7700 + n)
    runtime.config = runtime.config.with_overrides(wechat_reply_deadline_seconds=0.3)
    tickets = runtime.tickets
    real_open = tickets.open

    def slow_open(*args, **kwargs):
        time.sleep(0.8)  # the database is slow today
        return real_open(*args, **kwargs)

    monkeypatch.setattr(tickets, "open", slow_open)
    assert _say(client, "1", 7799) == "success"  # past the deadline: WeChat gets "success"


def _owed(database):
    with database.session() as session:
        return list(session.scalars(select(PendingLateReply)))


def test_a_failed_late_reply_comes_with_the_workers_next_message(client, runtime, fake_wechat, monkeypatch, database):
    fake_wechat.inject(CUSTOM, errcode=-1, times=None)  # customer-service messages fail for now
    _file_a_slow_complaint(client, runtime, monkeypatch)
    [owed] = wait_until(lambda: _owed(database), timeout=10)
    ticket = re.search(r"WQ\d{8}-\d{3,}", owed.reply_payload).group(0)
    runtime.config = runtime.config.with_overrides(wechat_reply_deadline_seconds=30.0)

    answer = _say(client, "你好", 7800)
    assert ticket in answer and "您之前的留言" in answer
    answer = _say(client, "你好", 7801)
    assert ticket not in answer  # brought once


def test_a_failed_late_reply_is_sent_again_with_backoff(client, runtime, fake_wechat, monkeypatch, database):
    fake_wechat.inject(CUSTOM, errcode=-1, times=None)
    _file_a_slow_complaint(client, runtime, monkeypatch)
    [owed] = wait_until(lambda: _owed(database), timeout=10)
    assert late_replies.retry_due(runtime, deliver_by_customer_service)["sent"] == 0  # not due yet
    runtime.clock = lambda: owed.next_attempt_at + timedelta(seconds=1)
    assert late_replies.retry_due(runtime, deliver_by_customer_service) == {"sent": 0, "failed": 1, "expired": 0}
    fake_wechat.state.clear_faults()  # WeChat is back
    runtime.clock = lambda: owed.next_attempt_at + timedelta(hours=1)
    assert late_replies.retry_due(runtime, deliver_by_customer_service)["sent"] == 1
    ticket = re.search(r"WQ\d{8}-\d{3,}", owed.reply_payload).group(0)
    assert ticket in [c for c in fake_wechat.calls(CUSTOM) if c["errcode"] == 0][-1]["json"]["text"]["content"]
    assert late_replies.take(database, OPENID, runtime.clock()) == []  # not brought again by the next message


def test_a_late_reply_whose_send_timed_out_is_not_resent_but_comes_with_the_next_message(
        client, runtime, fake_wechat, monkeypatch, database):
    runtime.config = runtime.config.with_overrides(wechat_api_timeout_seconds=0.3)
    runtime.__dict__.pop("wechat", None)
    fake_wechat.inject(CUSTOM, times=1, latency_ms=700)
    _file_a_slow_complaint(client, runtime, monkeypatch)
    [owed] = wait_until(lambda: _owed(database), timeout=10)
    runtime.clock = lambda: owed.created_at + timedelta(hours=20)
    assert late_replies.retry_due(runtime, deliver_by_customer_service)["sent"] == 0
    wait_until(lambda: len(fake_wechat.calls(CUSTOM)) == 1)
    runtime.config = runtime.config.with_overrides(wechat_reply_deadline_seconds=30.0)
    ticket = re.search(r"WQ\d{8}-\d{3,}", owed.reply_payload).group(0)
    assert ticket in _say(client, "你好", 7900)
    assert len(fake_wechat.calls(CUSTOM)) == 1
