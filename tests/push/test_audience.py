"""Audiences from the other domains: members of a city, the people signed up for an activity."""
from __future__ import annotations

import zlib
from datetime import timedelta

import pytest

from bot.push import audience, campaigns
from bot.push.audience import Audience
from tests.push.conftest import Inline, sent_to



def _member(runtime, openid: str, city: str) -> int:
    """Make openid an approved member in city, as staff would (submit, then approve)."""
    from bot.services.identity_checks import id_check_digit
    from bot.services.people import OFFICIAL

    person_id = runtime.people.person_id(OFFICIAL, openid)
    seed = zlib.crc32(openid.encode()) % 100000
    first17 = f"33020319900{seed % 9 + 1}{seed % 28 + 1:02d}{seed % 1000:03d}"
    districts = {"杭州": "西湖区", "宁波": "海曙区"}
    fields = {"name": "王芳", "phone": f"139{seed:08d}", "id_number": first17 + id_check_digit(first17),
              "employer": "杭州公交集团", "no_fixed_employer": False, "city": city, "district": districts[city],
              "industry": "交通运输业", "occupation": "驾驶员"}
    application = runtime.membership.submit(person_id, fields, consent=True, channel="chat")
    runtime.membership.review(application.application_no, "approve")
    return person_id


def test_members_in_hangzhou_get_the_notice_for_tomorrow(push_runtime, add_followers, fake_wechat):
    """The issue's story: members in Hangzhou, tomorrow 9:00, size first, a test, then who received it."""
    hangzhou = add_followers(3, prefix="hz")
    ningbo = add_followers(2, prefix="nb")
    for openid in hangzhou:
        _member(push_runtime, openid, "杭州")
    for openid in ningbo:
        _member(push_runtime, openid, "宁波")
    assert sorted(audience.openids(push_runtime, Audience("city", "杭州"))) == hangzhou
    tomorrow_nine = campaigns.to_local(push_runtime.clock() + timedelta(days=1)).strftime("%Y-%m-%d") + " 09:00"
    campaign = campaigns.create(push_runtime, title="职工运动会", text="明天九点开幕", channel="template",
                                audience="city:杭州", at=campaigns.parse_at(tomorrow_nine, push_runtime.clock()))
    assert campaign.audience_size == 3
    assert campaigns.test_send(push_runtime, campaign.id, "editor")["ok"]
    fake_wechat.state.clear_calls()
    campaigns.start(push_runtime, campaign.id, Inline(push_runtime))
    assert sorted(sent_to(fake_wechat)) == hangzhou
    assert campaigns.report(push_runtime, campaign.id)["counts"]["sent"] == 3


def test_people_signed_up_for_an_activity(push_runtime, add_followers, fake_wechat):
    fans = add_followers(4)
    activity = push_runtime.activities.create(
        title="读书会", city="杭州", place="杭州图书馆", starts_at=push_runtime.clock() + timedelta(days=3),
        capacity=10, members_only=False)
    from bot.services.people import OFFICIAL

    for openid in fans[:3]:
        push_runtime.activities.sign_up(push_runtime.people.person_id(OFFICIAL, openid), activity.id)
    campaign = campaigns.create(push_runtime, title="读书会改地点", text="改在二楼", channel="template",
                                audience=f"activity:{activity.id}")
    assert campaign.audience_size == 3
    campaigns.start(push_runtime, campaign.id, Inline(push_runtime))
    assert sorted(sent_to(fake_wechat)) == fans[:3]


def test_reminders_use_the_real_activities(push_runtime, add_followers, fake_wechat):
    from bot.push import reminders
    from bot.services.people import OFFICIAL

    fans = add_followers(2)
    start, _ = reminders.tomorrow(push_runtime.clock())
    activity = push_runtime.activities.create(title="健步走", city="杭州", place="西湖断桥",
                                              starts_at=start + timedelta(hours=1), capacity=5, members_only=False)
    for openid in fans:
        push_runtime.activities.sign_up(push_runtime.people.person_id(OFFICIAL, openid), activity.id)
    assert len(reminders.send_reminders(push_runtime, Inline(push_runtime))) == 1
    assert reminders.send_reminders(push_runtime, Inline(push_runtime)) == []
    assert sorted(sent_to(fake_wechat)) == fans


@pytest.mark.parametrize("spec", ["city:杭州", "city:杭州市", "city:宁波"])
def test_a_zhejiang_city_is_an_audience(spec, push_runtime):
    assert audience.parse(spec, push_runtime.places).kind == "city"


def test_a_city_outside_zhejiang_is_refused_with_the_choices(push_runtime):
    with pytest.raises(audience.AudienceError, match="不是浙江省的地级市.*杭州"):
        audience.parse("city:火星", push_runtime.places)
