"""Telling a worker of a change: in the chat within 48 hours, by template outside, never raising."""
from __future__ import annotations

from datetime import timedelta

from bot.services.people import OFFICIAL
from bot.storage.models import Follower

CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"


def follower(runtime, openid: str, hours_since_last_message: float | None) -> int:
    person_id = runtime.people.person_id(OFFICIAL, openid)
    if hours_since_last_message is not None:
        with runtime.database.session() as session:
            session.add(Follower(openid=openid, subscribed=True,
                                 last_message_at=runtime.clock() - timedelta(hours=hours_since_last_message)))
    return person_id


def test_within_48_hours_a_customer_service_message(runtime, fake_wechat):
    person_id = follower(runtime, "o_recent", 47)
    assert runtime.notifier.send(person_id, "您的申请已通过", "TPL_X", {"first": "x"}) == "customer_service"
    [sent] = fake_wechat.calls(CUSTOM_SEND)
    assert sent["json"]["text"]["content"] == "您的申请已通过"
    assert fake_wechat.calls(TEMPLATE_SEND) == []


def test_outside_48_hours_a_template_message(runtime, fake_wechat):
    person_id = follower(runtime, "o_old", 49)
    assert runtime.notifier.send(person_id, "您的申请已通过", "TPL_X", {"first": "x"}) == "template"
    [sent] = fake_wechat.calls(TEMPLATE_SEND)
    assert sent["json"]["template_id"] == "TPL_X" and sent["json"]["data"]["first"]["value"] == "x"


def test_when_wechat_says_the_window_closed_the_template_still_goes(runtime, fake_wechat):
    person_id = follower(runtime, "o_edge", 1)
    fake_wechat.inject(CUSTOM_SEND, errcode=45015)
    assert runtime.notifier.send(person_id, "hi", "TPL_X", None) == "template"
    assert fake_wechat.calls(TEMPLATE_SEND)[0]["json"]["data"]["content"]["value"] == "hi"


def test_failures_are_reported_not_raised(runtime, fake_wechat):
    never_wrote = follower(runtime, "o_never", None)
    assert runtime.notifier.send(never_wrote, "hi", "", None) == "failed"  # no window, no template configured
    unfollowed = follower(runtime, "unsub_gone", 1)
    assert runtime.notifier.send(unfollowed, "hi", "TPL_X", None) == "failed"
    no_openid = runtime.people.person_id("miniprogram", "o_mini_only")
    assert runtime.notifier.send(no_openid, "hi", "TPL_X", None) == "failed"
    fake_wechat.inject(TEMPLATE_SEND, errcode=-1)
    assert runtime.notifier.send(never_wrote, "hi", "TPL_X", None) == "failed"
