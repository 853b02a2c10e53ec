"""An editor creates a campaign: validation, audience size, WeChat's quotas, preview, test send, states."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.push import campaigns
from bot.push.campaigns import CampaignError


def _at(runtime, **delta):
    return runtime.clock() + timedelta(**delta)


def test_editor_sees_how_many_a_campaign_will_reach(push_runtime, add_followers):
    add_followers(30)
    add_followers(7, prefix="hz", scene="hangzhou_expo")
    add_followers(5, prefix="gone", subscribed=False)
    everyone = campaigns.create(push_runtime, title="工会活动", text="周六见", channel="template", audience="all",
                                at=_at(push_runtime, days=1))
    scene = campaigns.create(push_runtime, title="展会", text="欢迎", channel="template",
                             audience="scene:hangzhou_expo", at=_at(push_runtime, days=1))
    assert everyone.audience_size == 37
    assert scene.audience_size == 7
    assert everyone.state == "scheduled"


@pytest.mark.parametrize("kwargs, words", [
    ({"title": ""}, "标题不能为空"),
    ({"text": " "}, "正文不能为空"),
    ({"channel": "sms"}, "渠道"),
    ({"audience": "planet:mars"}, "无法识别的受众"),
    ({"audience": "tag:女职工", "channel": "template"}, "只能用群发"),
    ({"audience": "activity:abc"}, "活动 ID 应为数字"),
    ({"cron": "every monday"}, "无法识别的周期"),
])
def test_a_bad_campaign_is_refused_saying_why(checking_runtime, kwargs, words):
    fields = {"title": "通知", "text": "内容", "channel": "template", "audience": "all",
              "at": _at(checking_runtime, hours=1), **kwargs}
    with pytest.raises(CampaignError, match=words):
        campaigns.create(checking_runtime, **fields)


def test_a_time_in_the_past_is_refused(checking_runtime):
    with pytest.raises(CampaignError, match="已经过去"):
        campaigns.create(checking_runtime, title="t", text="x", channel="template", audience="all",
                         at=_at(checking_runtime, hours=-2))


def test_times_are_entered_in_shanghai_time_and_stored_in_utc(checking_runtime):
    at = campaigns.parse_at("2030-01-02 09:00", checking_runtime.clock())
    assert (at.hour, at.day) == (1, 2)
    assert campaigns.local_text(at) == "2030-01-02 09:00"
    with pytest.raises(CampaignError, match="YYYY-MM-DD HH:MM"):
        campaigns.parse_at("tomorrow 9am", checking_runtime.clock())


def test_the_fifth_mass_send_in_a_month_is_refused(push_runtime, add_followers):
    add_followers(3)
    first = campaigns.parse_at("2031-03-03 09:00", push_runtime.clock())
    for day in range(4):
        campaigns.create(push_runtime, title=f"第{day}次", text="x", channel="mass", audience="all",
                         at=first + timedelta(days=day))
    with pytest.raises(CampaignError) as refused:
        campaigns.create(push_runtime, title="第五次", text="x", channel="mass", audience="all",
                         at=first + timedelta(days=10))
    assert "每位关注者每月最多收到 4 次群发" in str(refused.value)
    assert "2031年3月已安排 4 次" in str(refused.value)
    # Next month is fine, and a cancelled one gives its place back.
    campaigns.create(push_runtime, title="四月", text="x", channel="mass", audience="all",
                     at=first + timedelta(days=31))
    march = campaigns.list_campaigns(push_runtime)[-1]
    campaigns.cancel(push_runtime, march["id"])
    campaigns.create(push_runtime, title="补上", text="x", channel="mass", audience="all",
                     at=first + timedelta(days=12))


def test_a_daily_mass_send_counts_every_run_against_the_month(push_runtime):
    with pytest.raises(CampaignError, match="群发次数超出限额"):
        campaigns.create(push_runtime, title="每天", text="x", channel="mass", audience="all", cron="0 9 * * *")


def test_subscription_accounts_may_mass_send_once_a_day(push_runtime):
    runtime = push_runtime
    runtime.config = runtime.config.with_overrides(push_mass_sends_per_day=1, push_mass_sends_per_month=0)
    at = campaigns.parse_at("2031-05-05 09:00", runtime.clock())
    campaigns.create(runtime, title="早", text="x", channel="mass", audience="all", at=at)
    with pytest.raises(CampaignError, match="每天最多群发 1 次"):
        campaigns.create(runtime, title="晚", text="x", channel="mass", audience="all", at=at + timedelta(hours=9))
    campaigns.create(runtime, title="次日", text="x", channel="mass", audience="all", at=at + timedelta(days=1))


def test_template_messages_beyond_the_daily_quota_are_refused(push_runtime, add_followers):
    push_runtime.config = push_runtime.config.with_overrides(push_template_sends_per_day=50)
    add_followers(30)
    at = _at(push_runtime, days=2)
    campaigns.create(push_runtime, title="一", text="x", channel="template", audience="all", at=at)
    with pytest.raises(CampaignError, match="模板消息超出每日限额：每天最多 50 条"):
        campaigns.create(push_runtime, title="二", text="x", channel="template", audience="all", at=at)


def test_template_campaigns_need_a_configured_template(push_runtime):
    push_runtime.config = push_runtime.config.with_overrides(push_template_id_activity_notice="")
    with pytest.raises(CampaignError, match="未配置模板消息 ID"):
        campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all")
    campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all",
                     payload={"template_id": "TPL_OWN"})


def test_preview_shows_the_message_audience_and_time(push_runtime, add_followers):
    add_followers(4)
    campaign = campaigns.create(push_runtime, title="劳模表彰", text="明天上午九点", channel="template",
                                audience="all", at=campaigns.parse_at("2031-01-01 09:00", push_runtime.clock()))
    preview = campaigns.preview(push_runtime, campaign.id)
    assert preview["audience_size"] == 4
    assert preview["audience_text"] == "全部关注者"
    assert preview["send_at"] == "2031-01-01 09:00"
    assert preview["message"]["template_id"] == "TPL_ACTIVITY_NOTICE"
    assert preview["message"]["data"]["keyword1"] == "劳模表彰"


def test_preview_says_how_many_a_subscribe_or_customer_message_can_reach(push_runtime, add_followers):
    from bot.push.reports import record_consent

    add_followers(3)
    wrote = add_followers(1, prefix="wrote", wrote_hours_ago=2)
    record_consent(push_runtime.database, "fan00000", push_runtime.config.push_subscribe_template_id, True, "popup")
    at = _at(push_runtime, days=1)
    subscribe = campaigns.create(push_runtime, title="t", text="x", channel="subscribe", audience="all", at=at)
    customer = campaigns.create(push_runtime, title="t", text="x", channel="customer", audience="all", at=at)
    template = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all", at=at)
    assert campaigns.preview(push_runtime, subscribe.id)["reachable"] == 1  # only who consented
    assert campaigns.preview(push_runtime, customer.id)["reachable"] == len(wrote)  # only who wrote within 48 h
    assert campaigns.preview(push_runtime, template.id)["reachable"] == 4


def test_test_send_reaches_only_the_editor_and_is_not_counted(push_runtime, add_followers, fake_wechat):
    add_followers(4)
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all",
                                at=_at(push_runtime, days=1))
    result = campaigns.test_send(push_runtime, campaign.id, "editor_openid")
    assert result["ok"]
    sent = [c["json"]["touser"] for c in fake_wechat.calls("/cgi-bin/message/template/send")]
    assert sent == ["editor_openid"]
    assert campaigns.report(push_runtime, campaign.id)["counts"] == {"pending": 4, "sent": 0, "failed": 0,
                                                                     "skipped": 0, "unknown": 0}


def test_pause_resume_and_cancel(push_runtime, add_followers):
    add_followers(2)
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all",
                                at=_at(push_runtime, days=1))
    assert campaigns.pause(push_runtime, campaign.id).state == "paused"
    with pytest.raises(CampaignError, match="不能暂停"):
        campaigns.pause(push_runtime, campaign.id)
    assert campaigns.resume(push_runtime, campaign.id).state == "scheduled"
    assert campaigns.cancel(push_runtime, campaign.id).state == "cancelled"
    with pytest.raises(CampaignError, match="不能取消"):
        campaigns.cancel(push_runtime, campaign.id)
    with pytest.raises(CampaignError, match="没有编号为 999"):
        campaigns.get(push_runtime, 999)


def test_the_demo_has_followers_for_a_first_campaign(push_runtime):
    from bot.push.demo import DEMO_FOLLOWERS, load_demo_followers

    assert load_demo_followers(push_runtime) == f"{len(DEMO_FOLLOWERS)} demo followers added"
    assert load_demo_followers(push_runtime) == "demo followers already there"
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all")
    assert campaign.audience_size == len(DEMO_FOLLOWERS)
