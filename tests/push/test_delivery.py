"""Delivery: everyone in the audience exactly once, WeChat's errors retried or recorded and acted on."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.push import campaigns, delivery
from bot.push.reports import record_consent
from bot.storage.models import Campaign, Delivery, Follower, SubscribeConsent
from tests.push.conftest import sent_to

TEMPLATE = "/cgi-bin/message/template/send"
SUBSCRIBE = "/cgi-bin/message/subscribe/bizsend"
CUSTOM = "/cgi-bin/message/custom/send"


def _send(runtime, inline, **fields):
    fields = {"title": "工会通知", "text": "请查收", "channel": "template", "audience": "all", **fields}
    campaign = campaigns.create(runtime, **fields)
    sending_id = campaigns.start(runtime, campaign.id, inline)
    return campaigns.report(runtime, sending_id)


def _deliveries(database, campaign_id):
    with database.session() as session:
        return {d.openid: d for d in session.scalars(select(Delivery).where(Delivery.campaign_id == campaign_id))}


def test_template_campaign_reaches_exactly_its_audience_once(push_runtime, inline, add_followers, fake_wechat):
    fans = add_followers(120)
    add_followers(10, prefix="left", subscribed=False)
    report = _send(push_runtime, inline)
    assert report["state"] == "done"
    assert report["counts"] == {"pending": 0, "sent": 120, "failed": 0, "skipped": 0, "unknown": 0}
    assert sorted(sent_to(fake_wechat)) == fans
    calls = fake_wechat.calls(TEMPLATE)
    assert calls[0]["json"]["template_id"] == "TPL_ACTIVITY_NOTICE"
    assert calls[0]["json"]["data"]["keyword1"] == {"value": "工会通知"}
    # Each message carries WeChat's idempotency key, so a repeat after a crash is dropped by WeChat.
    assert len({c["json"]["client_msg_id"] for c in calls}) == 120
    rows = _deliveries(push_runtime.database, report["id"])
    assert all(row.wechat_msg_id and row.sent_at for row in rows.values())


def test_starting_twice_sends_once(push_runtime, inline, add_followers, fake_wechat):
    add_followers(20)
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all")
    assert campaigns.start(push_runtime, campaign.id, inline) == campaign.id
    assert campaigns.start(push_runtime, campaign.id, inline) is None
    delivery.materialize(push_runtime, campaign.id, "all")  # idempotent
    assert delivery.drain(push_runtime, campaign.id) == "done"
    assert len(sent_to(fake_wechat)) == 20


def test_rate_limited_and_busy_answers_are_retried_then_sent(push_runtime, inline, add_followers, fake_wechat):
    fans = add_followers(10)
    fake_wechat.inject(TEMPLATE, errcode=45009, times=3)
    fake_wechat.inject(TEMPLATE, errcode=-1, times=2)
    report = _send(push_runtime, inline)
    assert report["counts"]["sent"] == 10
    assert sorted(sent_to(fake_wechat)) == fans
    assert sorted(c["errcode"] for c in fake_wechat.calls(TEMPLATE) if c["errcode"]) == [-1, -1, 45009, 45009, 45009]


def test_a_transient_error_that_never_clears_is_recorded_with_its_code(push_runtime, inline, add_followers,
                                                                          fake_wechat):
    add_followers(1)
    fake_wechat.inject(TEMPLATE, errcode=45009, times=None)
    report = _send(push_runtime, inline)
    assert report["counts"]["pending"] == 1 and report["failures"][0]["reason"] == "retrying"
    # Tried again, backing off over hours, until the last try gives up.
    started = push_runtime.clock()
    for _ in delivery.RETRY_AFTER:
        due = delivery.next_retry(push_runtime.database, report["id"])
        push_runtime.clock = lambda due=due: due + timedelta(seconds=1)
        delivery.drain(push_runtime, report["id"])
    assert push_runtime.clock() - started > timedelta(hours=7)
    report = campaigns.report(push_runtime, report["id"])
    assert report["counts"] == {"pending": 0, "sent": 0, "failed": 1, "skipped": 0, "unknown": 0}
    assert report["failures"][0]["errcode"] == 45009
    assert report["failures"][0]["reason"] == "gave_up"
    assert len(fake_wechat.calls(TEMPLATE)) == push_runtime.config.push_max_attempts * (len(delivery.RETRY_AFTER) + 1)


def test_a_follower_who_left_is_marked_unsubscribed(push_runtime, inline, add_followers, fake_wechat):
    add_followers(3)
    gone = add_followers(2, prefix="unsub")  # the fake answers 43004 for these
    report = _send(push_runtime, inline)
    assert report["counts"] == {"pending": 0, "sent": 3, "failed": 2, "skipped": 0, "unknown": 0}
    assert report["failures"] == [{"status": "failed", "errcode": 43004, "reason": "unsubscribed", "count": 2,
                                   "description": "已取消关注"}]
    with push_runtime.database.session() as session:
        assert not any(session.get(Follower, openid).subscribed for openid in gone)
    # The next campaign does not even try them.
    fake_wechat.state.clear_calls()
    _send(push_runtime, inline, title="第二次")
    assert len(fake_wechat.calls(TEMPLATE)) == 3


def test_subscribe_notices_go_only_to_followers_who_consented(push_runtime, inline, add_followers, fake_wechat):
    add_followers(4, prefix="fan")
    refused = add_followers(1, prefix="noconsent")  # consent recorded, but WeChat answers 43101
    late = add_followers(1, prefix="noconsentwrote", wrote_hours_ago=2)
    template = push_runtime.config.push_subscribe_template_id
    for openid in ["fan00000", "fan00001", *refused, *late]:
        record_consent(push_runtime.database, openid, template, True, "popup")
    report = _send(push_runtime, inline, channel="subscribe")
    rows = _deliveries(push_runtime.database, report["id"])
    assert {o for o, r in rows.items() if r.status == "sent"} == {"fan00000", "fan00001", *late}
    assert rows["fan00002"].status == "skipped" and rows["fan00002"].reason == "no_consent"
    assert rows[refused[0]].status == "skipped" and rows[refused[0]].errcode == 43101
    # 43101 for someone who wrote within 48 hours: a customer-service message instead.
    assert rows[late[0]].reason == "fallback_customer"
    assert [c["json"]["touser"] for c in fake_wechat.calls(CUSTOM)] == late
    assert sorted(sent_to(fake_wechat, SUBSCRIBE)) == ["fan00000", "fan00001"]
    # Each consent allows one message.
    with push_runtime.database.session() as session:
        left = dict(session.execute(select(SubscribeConsent.openid, SubscribeConsent.remaining)).all())
    assert left["fan00000"] == 0 and left[refused[0]] == 1


def test_customer_messages_only_within_48_hours(push_runtime, inline, add_followers, fake_wechat):
    recent = add_followers(3, prefix="recent", wrote_hours_ago=5)
    add_followers(2, prefix="old", wrote_hours_ago=49)
    add_followers(2, prefix="never")
    report = _send(push_runtime, inline, channel="customer")
    assert report["counts"] == {"pending": 0, "sent": 3, "failed": 0, "skipped": 4, "unknown": 0}
    assert report["failures"][0]["reason"] == "outside_48h"
    assert sorted(c["json"]["touser"] for c in fake_wechat.calls(CUSTOM)) == recent


def test_the_48_hour_window_is_checked_for_every_batch(push_runtime, inline, add_followers, fake_wechat):
    push_runtime.config = push_runtime.config.with_overrides(push_batch_size=4, push_concurrency=2)
    recent = add_followers(21, prefix="recent", wrote_hours_ago=1)
    report = _send(push_runtime, inline, channel="customer")
    assert report["counts"] == {"pending": 0, "sent": 21, "failed": 0, "skipped": 0, "unknown": 0}
    assert sorted(c["json"]["touser"] for c in fake_wechat.calls(CUSTOM)) == recent


def test_mass_send_to_all_is_one_call_that_wechat_will_not_repeat(push_runtime, inline, add_followers,
                                                                   fake_wechat):
    add_followers(5)
    campaign = campaigns.create(push_runtime, title="春节慰问", text="祝大家新年快乐", channel="mass", audience="all")
    campaigns.start(push_runtime, campaign.id, inline)
    report = campaigns.report(push_runtime, campaign.id)
    assert report["state"] == "done" and report["counts"]["sent"] == 5
    (call,) = fake_wechat.calls("/cgi-bin/message/mass/sendall")
    assert call["json"]["filter"] == {"is_to_all": True}
    assert call["json"]["text"]["content"] == "【春节慰问】\n祝大家新年快乐"
    # A scheduler that crashed after the call and sends again: WeChat refuses the same clientmsgid.
    with push_runtime.database.session() as session:
        session.execute(update(Campaign).where(Campaign.id == campaign.id).values(state="sending"))
    campaigns.launch(push_runtime, campaign.id, inline)
    repeat = fake_wechat.calls("/cgi-bin/message/mass/sendall")[-1]
    assert repeat["errcode"] == 45065 and repeat["json"]["clientmsgid"] == call["json"]["clientmsgid"]
    assert campaigns.get(push_runtime, campaign.id).state == "done"


def test_mass_send_to_a_tag_uses_wechats_tag(push_runtime, inline, fake_wechat):
    tag = push_runtime.wechat.create_tag("女职工")["tag"]
    push_runtime.wechat.tag_users(tag["id"], ["w1", "w2", "w3"])
    campaign = campaigns.create(push_runtime, title="三八节", text="活动报名", channel="mass", audience="tag:女职工")
    assert campaign.audience_size == 3
    campaigns.start(push_runtime, campaign.id, inline)
    (call,) = fake_wechat.calls("/cgi-bin/message/mass/sendall")
    assert call["json"]["filter"] == {"is_to_all": False, "tag_id": tag["id"]}


def test_mass_send_to_a_scene_goes_by_openid_lists(push_runtime, inline, add_followers, fake_wechat):
    fans = add_followers(120, scene="expo")
    add_followers(3, prefix="other")
    report = _send(push_runtime, inline, channel="mass", audience="scene:expo")
    assert report["counts"]["sent"] == 120
    calls = fake_wechat.calls("/cgi-bin/message/mass/send")
    assert sorted(o for c in calls for o in c["json"]["touser"]) == fans
    assert len({c["json"]["clientmsgid"] for c in calls}) == len(calls)


def test_claims_never_overlap_and_an_expired_lease_is_claimed_again(push_runtime, add_followers):
    add_followers(10)
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all")
    campaigns.start(push_runtime, campaign.id, dispatcher=_Nothing())
    now = push_runtime.clock()
    first = delivery.claim(push_runtime.database, campaign.id, "a", 6, 30, now)
    second = delivery.claim(push_runtime.database, campaign.id, "b", 6, 30, now)
    assert len(first) == 6 and len(second) == 4
    assert not {c.id for c in first} & {c.id for c in second}
    assert delivery.claim(push_runtime.database, campaign.id, "c", 6, 30, now) == []
    later = now + timedelta(seconds=31)
    again = delivery.claim(push_runtime.database, campaign.id, "c", 20, 30, later)
    assert {c.id for c in again} == {c.id for c in first + second}
    assert all(c.attempts == 2 for c in again)


def test_pausing_stops_sending_and_resuming_finishes(push_runtime, add_followers, fake_wechat):
    fans = add_followers(40)
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all")
    campaigns.start(push_runtime, campaign.id, dispatcher=_Nothing())
    campaigns.pause(push_runtime, campaign.id)
    assert delivery.drain(push_runtime, campaign.id) == "paused"
    assert fake_wechat.calls(TEMPLATE) == []
    inline = _Recorder()
    campaigns.resume(push_runtime, campaign.id, inline)
    assert inline.enqueued == [campaign.id]
    assert delivery.drain(push_runtime, campaign.id) == "done"
    assert sorted(sent_to(fake_wechat)) == fans


def test_cancelling_skips_what_was_not_sent(push_runtime, add_followers, fake_wechat):
    add_followers(15)
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all")
    campaigns.start(push_runtime, campaign.id, dispatcher=_Nothing())
    campaigns.cancel(push_runtime, campaign.id)
    assert delivery.drain(push_runtime, campaign.id) == "cancelled"
    report = campaigns.report(push_runtime, campaign.id)
    assert report["counts"] == {"pending": 0, "sent": 0, "failed": 0, "skipped": 15, "unknown": 0}
    assert report["failures"][0]["description"] == "推送已取消"


class _Nothing:
    def enqueue_drain(self, campaign_id):
        pass


class _Recorder:
    def __init__(self):
        self.enqueued = []

    def enqueue_drain(self, campaign_id):
        self.enqueued.append(campaign_id)
