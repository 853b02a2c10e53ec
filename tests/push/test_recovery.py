"""Delivery that recovers: a WeChat outage delays a campaign instead of failing it, and timeouts are never resent."""
from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from bot.push import campaigns, delivery
from tests.conftest import wait_until
from tests.push.conftest import sent_to

TEMPLATE = "/cgi-bin/message/template/send"
CUSTOM = "/cgi-bin/message/custom/send"


def _start(runtime, inline, **fields):
    fields = {"title": "工会通知", "text": "请查收", "channel": "template", "audience": "all", **fields}
    campaign = campaigns.create(runtime, **fields)
    return campaigns.start(runtime, campaign.id, inline)


def _later(runtime, campaign_id):
    """Move the clock past every delivery waiting for a later try."""
    from sqlalchemy import func, select

    from bot.storage.models import Delivery

    with runtime.database.session() as session:
        due = session.scalar(select(func.max(Delivery.retry_at)).where(Delivery.campaign_id == campaign_id))
    assert due is not None and due - runtime.clock() >= delivery.RETRY_AFTER[0]
    runtime.clock = lambda: due + timedelta(seconds=1)


def test_a_wechat_outage_longer_than_the_quick_retries_delays_the_campaign_and_loses_no_one(
        push_runtime, inline, add_followers, fake_wechat):
    fans = add_followers(97)
    fake_wechat.inject(TEMPLATE, errcode=-1, times=None)  # WeChat "system busy" for as long as it lasts
    campaign_id = _start(push_runtime, inline)
    report = campaigns.report(push_runtime, campaign_id)
    assert report["state"] == "sending"
    assert report["counts"]["pending"] == 97 and report["counts"]["failed"] == 0
    assert report["failures"][0]["reason"] == "retrying"

    fake_wechat.state.clear_faults()  # the outage ends
    _later(push_runtime, campaign_id)
    assert delivery.drain(push_runtime, campaign_id) == "done"
    report = campaigns.report(push_runtime, campaign_id)
    assert report["counts"]["sent"] == 97 and report["state"] == "done"
    assert sorted(sent_to(fake_wechat)) == fans  # each once


def test_the_scheduler_picks_up_deliveries_when_their_retry_is_due(push_runtime, inline, add_followers, fake_wechat):
    from bot.push.scheduler import _resume_if_stalled

    add_followers(3)
    fake_wechat.inject(TEMPLATE, errcode=45009, times=None)
    campaign_id = _start(push_runtime, inline)
    fake_wechat.state.clear_faults()
    _resume_if_stalled(push_runtime, inline, campaign_id)  # not due yet: nothing sent
    assert campaigns.report(push_runtime, campaign_id)["counts"]["pending"] == 3
    _later(push_runtime, campaign_id)
    _resume_if_stalled(push_runtime, inline, campaign_id)
    assert campaigns.report(push_runtime, campaign_id)["counts"]["sent"] == 3


def test_resume_sends_again_what_gave_up_instead_of_refusing_a_finished_campaign(
        push_runtime, inline, add_followers, fake_wechat, database):
    from sqlalchemy import update

    from bot.storage.models import Delivery

    fans = add_followers(5)
    campaign_id = _start(push_runtime, inline)
    with database.session() as session:  # as a campaign that gave up on two after hours of outage
        session.execute(update(Delivery).where(Delivery.openid.in_(fans[:2]))
                        .values(status="failed", errcode=-1, reason="gave_up", sent_at=None))
    fake_wechat.reset()
    assert campaigns.report(push_runtime, campaign_id)["state"] == "done"
    campaigns.resume(push_runtime, campaign_id, inline)
    report = campaigns.report(push_runtime, campaign_id)
    assert report["state"] == "done" and report["counts"]["sent"] == 5
    assert sorted(sent_to(fake_wechat)) == fans[:2]


def test_a_customer_service_send_that_timed_out_is_unknown_shown_and_never_resent(
        push_runtime, inline, add_followers, fake_wechat):
    push_runtime.config = push_runtime.config.with_overrides(wechat_api_timeout_seconds=0.3)
    push_runtime.__dict__.pop("wechat", None)
    fans = add_followers(6, wrote_hours_ago=1)
    # Three calls answer too late, but WeChat delivered them: a resend would be a duplicate.
    fake_wechat.inject(CUSTOM, errcode=None, times=3, latency_ms=800)
    campaign_id = _start(push_runtime, inline, channel="customer")
    report = campaigns.report(push_runtime, campaign_id)
    assert report["counts"] == {"pending": 0, "sent": 3, "failed": 0, "skipped": 0, "unknown": 3}
    assert {"status": "unknown", "errcode": -2, "reason": "timeout_unknown", "count": 3,
            "description": delivery.REASONS["timeout_unknown"]} in report["failures"]
    received = wait_until(lambda: [c["json"]["touser"] for c in fake_wechat.calls(CUSTOM)
                                   if len(fake_wechat.calls(CUSTOM)) == 6])
    assert sorted(received) == fans  # each once: the three that timed out were not sent again
    # resume leaves them alone; only an editor's explicit choice (retry --reason timeout_unknown) sends them again
    assert campaigns.retryable(push_runtime, campaign_id, delivery.RETRYABLE_REASONS) == 0


def test_campaigns_retry_by_reason_on_the_command_line(push_runtime, inline, add_followers, fake_wechat, database):
    from sqlalchemy import update

    from bot.cli import Services, cli
    from bot.storage.models import Delivery

    fans = add_followers(4)
    campaign_id = _start(push_runtime, inline)
    with database.session() as session:
        session.execute(update(Delivery).where(Delivery.openid == fans[0])
                        .values(status="failed", errcode=45009, reason="gave_up"))
    fake_wechat.reset()
    services = Services()
    services._config, services._runtime = push_runtime.config, push_runtime

    result = CliRunner().invoke(cli, ["campaigns", "retry", str(campaign_id), "--reason", "gave_up"], obj=services)
    assert result.exit_code == 0, result.output
    delivery.drain(push_runtime, campaign_id)  # what a worker does with the drain the command enqueued
    assert sent_to(fake_wechat) == fans[:1]
    result = CliRunner().invoke(cli, ["campaigns", "retry", str(campaign_id), "--reason", "no_such"], obj=services)
    assert result.exit_code != 0 and "没有这种失败原因" in result.output
