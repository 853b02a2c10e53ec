"""The activity conversations, through the dialogue as a worker writes them."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from bot import dialogue
from bot.turn import Turn
from bot.messages import Inbound
from bot.services.activities import from_local
from bot.storage.models import Follower
from handlers import activities as handler

NOW = datetime(2026, 11, 27, 2, 0)  # naive UTC: Friday 27 November, 10:00 in Zhejiang


@pytest.fixture
def runtime(runtime):
    runtime.clock = lambda: NOW
    return runtime


@pytest.fixture
def say(runtime):
    """Send text as a follower (default o_activity_worker) and return the reply text."""
    def send(text: str, openid: str = "o_activity_worker") -> str:
        return dialogue.respond(runtime, Inbound(openid, "text", text=text)).reply.as_text()
    return send


@pytest.fixture
def activity(runtime):
    """Create an activity; days from now, China-time hour, 10 places unless told."""
    def make(title: str = "职工羽毛球赛", days: int = 3, hour: int = 14, capacity: int = 10, city: str = "杭州", **fields):
        day = (NOW + timedelta(hours=8)).date() + timedelta(days=days)
        starts_at = from_local(datetime(day.year, day.month, day.day, hour, 0))
        return runtime.activities.create(title=title, city=city, place="职工文化中心", starts_at=starts_at,
                                         ends_at=starts_at + timedelta(hours=2), capacity=capacity, **fields)
    return make


def _option(reply: str, label: str) -> str:
    """The number in front of an option containing label."""
    found = re.search(rf"^(\d) [^\n]*{re.escape(label)}", reply, re.M)
    assert found, f"no option {label!r} in:\n{reply}"
    return found.group(1)


def test_list_details_sign_up_my_activities_cancel(say, activity, runtime):
    activity("青年职工联谊会", days=5, city="温州")
    badminton = activity("职工羽毛球赛", days=2)
    reply = say("最近有什么活动")
    assert "1 职工羽毛球赛" in reply and "11月29日（周日）14:00 · 杭州 · 剩10个名额" in reply
    assert "2 青年职工联谊会" in reply and "回复数字" in reply and "我的活动" in reply
    reply = say("1")
    assert "【职工羽毛球赛】" in reply and "11月29日（周日）14:00-16:00" in reply and "还剩10个" in reply
    assert "1 报名" in reply and "2 返回列表" in reply
    reply = say("1")
    assert "报名成功" in reply and "职工羽毛球赛" in reply
    person = runtime.people.person_id("official", "o_activity_worker")
    assert runtime.activities.sign_up_of(person, badminton.id).status == "confirmed"
    reply = say("我的活动")
    assert "职工羽毛球赛" in reply and "已确认" in reply
    reply = say(_option(reply, "取消报名"))
    assert "确定要取消报名" in reply
    reply = say(_option(reply, "确定取消"))
    assert "已取消「职工羽毛球赛」的报名" in reply
    assert runtime.activities.sign_up_of(person, badminton.id) is None
    assert "没有报名的活动" in say("我的活动")


def test_a_menu_number_lists_activities(say, activity):
    activity("法律讲座")
    say("你好")
    reply = say("5")  # 工会活动 in the services menu
    assert "1 法律讲座" in reply


def test_city_filter_and_an_empty_city(say, activity):
    activity("宁波羽毛球赛", city="宁波")
    activity("杭州健步走", city="杭州")
    reply = say("宁波有什么活动")
    assert "宁波的活动" in reply and "宁波羽毛球赛" in reply and "杭州健步走" not in reply
    reply = say("慈溪的活动")  # a county-level city of Ningbo (content/membership.yaml)
    assert "宁波羽毛球赛" in reply
    reply = say("丽水的活动")
    assert "暂时没有丽水的活动" in reply and "看看全部活动" in reply
    reply = say("1")
    assert "宁波羽毛球赛" in reply and "杭州健步走" in reply


def test_a_named_activity_goes_straight_to_its_details_and_bare_sign_up_works(say, activity):
    activity("职工乒乓球赛")
    activity("健步走")
    reply = say("我想报名乒乓球")
    assert "【职工乒乓球赛】" in reply
    assert "报名成功" in say("我要报名")
    assert "已经报上" in say("报名")


def test_pages_of_five(say, activity):
    for i in range(7):
        activity(f"活动{i}", days=i + 1)
    reply = say("活动")
    assert "（共7个）" in reply and "5 活动4" in reply and "6 下一页" in reply
    reply = say("6")
    assert "1 活动5" in reply and "2 活动6" in reply and "回到第一页" in reply
    reply = say("1")
    assert "【活动5】" in reply
    reply = say("2")  # 返回列表: the page it came from
    assert "1 活动5" in reply


def test_full_activity_waiting_list_and_promotion(say, activity, runtime, fake_wechat):
    from tests.conftest import wait_until

    with runtime.database.session() as session:  # wrote a minute ago: within the 48-hour window
        session.add(Follower(openid="o_activity_worker", subscribed=True, last_message_at=NOW - timedelta(minutes=1)))
    full = activity("亲子手工课", capacity=1)
    say("活动", openid="o_first")
    assert "报名成功" in say(_option(say("1", openid="o_first"), "报名"), openid="o_first")
    reply = say("活动")
    assert "已满，可候补" in reply
    reply = say("1")
    assert "名额已经报满了" in reply and "1 加入候补" in reply and "2 看看其他活动" in reply
    reply = say("1")
    assert "候补" in reply and "第 1 位" in reply
    assert "候补第1位" in say("我的活动")
    reply = say("取消报名", openid="o_first")
    assert "确定要取消报名「亲子手工课」" in reply
    assert "已取消" in say("1", openid="o_first")
    mine = say("我的活动")
    assert "已确认（候补转正）" in mine
    sent = wait_until(lambda: fake_wechat.calls("/cgi-bin/message/custom/send"))
    assert sent[0]["json"]["touser"] == "o_activity_worker" and "有名额了" in sent[0]["json"]["text"]["content"]
    assert runtime.activities.get(full.id).confirmed_count == 1


def test_someone_takes_the_last_place_between_details_and_sign_up(say, activity):
    activity("技能大赛", capacity=1, waiting_list_size=0)
    say("活动")
    say("1")  # details: 1 报名
    say("活动", openid="o_faster")
    say("1", openid="o_faster")
    assert "报名成功" in say("1", openid="o_faster")
    reply = say("1")
    assert "名额和候补名单都满了" in reply


def test_members_only_offers_to_join(say, activity, runtime):
    from types import SimpleNamespace

    runtime.__dict__["membership"] = SimpleNamespace(is_member=lambda person_id: False)
    activity("会员体检", members_only=True)
    say("活动")
    reply = say("1")
    assert "仅限工会会员" in reply
    reply = say("1")
    assert "仅限工会会员参加" in reply and "在线入会" in reply


def test_closed_and_no_activities(say, activity, runtime):
    assert "暂时没有可以报名的工会活动" in say("有什么活动")
    closed = activity("截止了的讲座")
    runtime.activities.close(closed.id)
    reply = say("活动")
    assert "报名已截止" in reply
    reply = say("1")
    assert "报名已经截止" in reply and "1 报名" not in reply


def test_cancel_by_text_with_several_sign_ups_asks_which(say, activity):
    activity("讲座A", days=1)
    activity("讲座B", days=2)
    for number in ("1", "2"):
        say("活动")
        say(number)
        assert "报名成功" in say("1")
    say("活动")
    reply = say("我想取消报名")
    assert "讲座A" in reply and "讲座B" in reply and "取消报名：讲座B" in reply
    reply = say(_option(reply, "讲座B"))
    assert "确定要取消报名「讲座B」" in reply
    reply = say(_option(reply, "先不取消"))
    assert "【讲座B】" in reply and "您已报名：已确认" in reply


def test_weekend_filter(say, activity):
    activity("周六的活动", days=1)  # Saturday 28 November
    activity("下周的活动", days=4)
    reply = say("这周末有什么活动")
    assert "本周末的活动" in reply and "周六的活动" in reply and "下周的活动" not in reply


def test_actions_as_plain_functions(runtime, activity):
    view = activity("直接调用")
    turn = Turn.begin(runtime, "o_plain_function", argument=str(view.id))
    reply = handler.sign_up(turn).as_text()
    assert "报名成功" in reply and turn.state.choices == ["@action:my_activities:", "@action:activity:list:0"]
    assert "已经报上" in handler.sign_up(turn).as_text()
    assert "找不到" in handler.show_activity(Turn.begin(runtime, "o_plain_function", argument="9999")).as_text()
    nobody = Turn.begin(runtime, "o_nobody", argument=str(view.id))
    assert "没有报名这个活动" in handler.cancel_sign_up(nobody).as_text()
    turn.argument = f"{view.id}:yes"
    assert "已取消" in handler.cancel_sign_up(turn).as_text()


def test_a_kind_of_activity_with_none_coming_says_so_and_lists_the_rest(say, activity):
    activity("职工健步走")
    reply = say("有篮球赛吗")
    assert "暂时没有篮球赛相关的活动" in reply and "1 职工健步走" in reply
    reply = say("活动报名怎么弄")  # no activity named: the plain list, no guessing from 怎么
    assert reply.startswith("近期的工会活动") and "1 职工健步走" in reply


def test_wanting_words_are_not_searched_for(say, activity):
    activity("职工插花体验课")
    activity("女职工茶艺插花兴趣课", days=5)
    activity("职工心理体验营", days=6)
    reply = say("我要报名插花体验课")  # the one activity with both words, straight to its details
    assert "我要" not in reply and "【职工插花体验课】" in reply, reply
    reply = say("我想参加插花课")
    assert "我想" not in reply and "1 职工插花体验课" in reply and "2 女职工茶艺插花兴趣课" in reply, reply


def test_not_going_to_a_named_activity_cancels_it(say, activity):
    activity("职工插花体验课")
    say("活动")
    say("1")
    assert "报名成功" in say("1")
    say("你好")
    assert "确定要取消报名「职工插花体验课」" in say("不去插花体验课了")
