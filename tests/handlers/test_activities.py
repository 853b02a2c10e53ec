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


# ---- in workers' words ---------------------------------------------------------------------------------
# NOW is Friday 27 November 2026 in Zhejiang: 这周六 is the 28th, 下周日 6 December.

from datetime import date  # noqa: E402



def _fill(runtime, view, openid: str = "o_someone_first") -> None:
    """Another worker takes the activity's (only) place."""
    runtime.activities.sign_up(runtime.people.person_id("official", openid), view.id)


def _person(runtime, openid: str = "o_activity_worker") -> int:
    return runtime.people.person_id("official", openid)


@pytest.fixture
def book_club(activity, runtime):
    """职工读书会 on three Sundays: 29 November (open), 6 December (full, waiting list), 13 December (open)."""
    sessions = {day: activity("职工读书会", days=day, capacity=1 if day == 9 else 20) for day in (2, 9, 16)}
    _fill(runtime, sessions[9])
    return sessions


@pytest.mark.parametrize("text, first, last", [
    ("下周日的读书会", date(2026, 12, 6), date(2026, 12, 6)),
    ("下个礼拜天", date(2026, 12, 6), date(2026, 12, 6)),
    ("下星期日", date(2026, 12, 6), date(2026, 12, 6)),
    ("这周六", date(2026, 11, 28), date(2026, 11, 28)),
    ("礼拜六", date(2026, 11, 28), date(2026, 11, 28)),
    ("星期六上午", date(2026, 11, 28), date(2026, 11, 28)),
    ("周日", date(2026, 11, 29), date(2026, 11, 29)),
    ("周五", date(2026, 11, 27), date(2026, 11, 27)),  # today is Friday: today, not next week
    ("周四", date(2026, 12, 3), date(2026, 12, 3)),  # already past this week: the coming one
    ("本周末", date(2026, 11, 28), date(2026, 11, 29)),
    ("下周末", date(2026, 12, 5), date(2026, 12, 6)),
    ("下周", date(2026, 11, 30), date(2026, 12, 6)),
    ("下下周一", date(2026, 12, 7), date(2026, 12, 7)),
    ("问一下下个礼拜天", date(2026, 12, 6), date(2026, 12, 6)),  # 一下 is not 下下
    ("下个月", date(2026, 12, 1), date(2026, 12, 31)),
    ("12月20号", date(2026, 12, 20), date(2026, 12, 20)),
    ("十二月二十日", date(2026, 12, 20), date(2026, 12, 20)),
    ("1月5号", date(2027, 1, 5), date(2027, 1, 5)),  # January is next year
    ("20号", date(2026, 12, 20), date(2026, 12, 20)),  # the 20th has passed this month
    ("明天下午", date(2026, 11, 28), date(2026, 11, 28)),
    ("后天", date(2026, 11, 29), date(2026, 11, 29)),
    ("大后天", date(2026, 11, 30), date(2026, 11, 30)),
    ("今晚", date(2026, 11, 27), date(2026, 11, 27)),
    ("12月份", date(2026, 12, 1), date(2026, 12, 31)),
])
def test_dates_in_words(text, first, last):
    found = handler._dates_in(text, date(2026, 11, 27))
    assert found is not None and found[:2] == (first, last), found


@pytest.mark.parametrize("text, today, expected", [
    ("明天", date(2026, 1, 31), date(2026, 2, 1)),  # across a month end
    ("后天", date(2026, 12, 31), date(2027, 1, 2)),  # and a year end
    ("下个月", date(2026, 12, 15), date(2027, 1, 1)),
    ("下周日", date(2026, 11, 29), date(2026, 12, 6)),  # on a Sunday, 下周日 is a week later (the week starts Monday)
    ("周日", date(2026, 11, 29), date(2026, 11, 29)),
])
def test_dates_across_month_and_week_ends(text, today, expected):
    assert handler._dates_in(text, today)[0] == expected


@pytest.mark.parametrize("text", ["三个月没发工资", "我想去一日游", "有什么活动", "第二个"])
def test_no_date_where_none_is_named(text):
    assert handler._dates_in(text, date(2026, 11, 27)) is None


def test_part_of_the_day():
    assert handler._part_of_day("明天下午")[1] == (12, 18)
    assert handler._part_of_day("礼拜六上午那个")[1] == (0, 12)
    assert handler._part_of_day("今晚")[1] == (17, 24)
    assert handler._part_of_day("周六那个") is None


@pytest.mark.parametrize("text", ["下周日的读书会还有位置吗", "下礼拜天读书会还能报吗", "下星期日那场读书会满了吗",
                                  "我想问一下下个礼拜天那个读书会还有没有位置啊我想去"])
def test_a_full_session_on_the_named_day_is_said_to_be_full(say, book_club, text):
    reply = say(text)
    assert "12月6日（周日）的「职工读书会」名额已满，可以排队候补" in reply, reply
    assert "1 加入候补" in reply
    # the other sessions are offered in addition, not instead
    assert "另一场：11月29日（周日）14:00 · 剩20个名额" in reply and "另一场：12月13日（周日）14:00" in reply


@pytest.mark.parametrize("text", ["这周日的读书会还有名额吗", "后天读书会还有位置吗", "11月29号的读书会能报吗"])
def test_an_open_session_says_how_many_places_are_left(say, book_club, text):
    reply = say(text)
    assert "还有位置：11月29日（周日）的「职工读书会」还剩20个名额" in reply, reply
    assert "1 报名" in reply and "名额已满" not in reply


def test_no_session_on_the_named_day_says_so_and_shows_the_nearest(say, book_club):
    reply = say("这周六的读书会还有位置吗")
    assert "这周六（11月28日）没有读书会" in reply and "最近的场次" in reply, reply
    assert "职工读书会\n   11月29日（周日）" in reply and "已满，可候补" in reply


@pytest.mark.parametrize("words", ["那排个队吧", "排队", "候补一个", "那就候补吧", "帮我排上", "排一个"])
def test_waiting_list_by_words_right_after_a_full_activity(say, book_club, runtime, words):
    say("下周日的读书会还有位置吗")
    reply = say(words)
    assert "已加入「职工读书会」的候补，您排第 1 位" in reply and "这还不是确定的名额" in reply, reply
    assert runtime.activities.sign_up_of(_person(runtime), book_club[9].id).status == "waiting"


def test_waiting_words_on_an_open_activity_offer_the_place_instead(say, book_club, runtime):
    say("这周日的读书会还有名额吗")
    reply = say("那排个队吧")
    assert "还有20个名额，不用排队，可以直接报名" in reply and "1 报名" in reply
    assert runtime.activities.sign_up_of(_person(runtime), book_club[2].id) is None
    assert "报名成功" in say("1")


def test_waiting_words_with_nothing_shown_join_nothing(say, book_club, runtime):
    reply = say("那排个队吧")
    assert "已加入" not in reply
    assert runtime.activities.sign_up_of(_person(runtime), book_club[9].id) is None


def test_full_activity_in_the_list_then_details_say_it_plainly(say, book_club):
    say("读书会")
    reply = say("2")  # 6 December
    assert "名额已经报满了，可以排队候补" in reply and "候补还不是确定的名额" in reply
    assert "另一场：11月29日（周日）" in reply


@pytest.mark.parametrize("words", ["下次什么时候还有", "还有下一场吗", "下一期是什么时候", "以后还有吗", "还会再办吗"])
def test_next_session_of_the_activity_just_shown(say, book_club, words):
    say("下周日的读书会还有位置吗")
    reply = say(words)
    assert "下一场「职工读书会」在12月13日（周日）14:00，剩20个名额" in reply, reply
    assert "【职工读书会】" in reply and "1 报名" in reply


def test_next_session_when_none_is_scheduled_says_so(say, activity):
    activity("职工插花体验课")
    say("插花体验课")
    reply = say("下次什么时候还有")
    assert "暂时没有下一场「职工插花体验课」的安排" in reply and "推送通知您" in reply, reply


def test_next_session_of_the_same_series_and_of_the_same_kind(say, activity):
    activity("职工读书会（第一期）", days=2)
    activity("职工读书会（第二期）", days=9)
    say("读书会第一期")
    reply = say("还有下一场吗")
    assert "下一场「职工读书会（第二期）」在12月6日" in reply, reply
    say("读书会第二期")
    activity("青年读书会", days=12)
    reply = say("下回什么时候")
    assert "暂时没有下一场「职工读书会」，类似的活动有" in reply and "青年读书会" in reply, reply


@pytest.fixture
def weekend(activity):
    """This weekend: Saturday 09:00 in 杭州, Saturday 14:00 in 宁波, Sunday 09:00 in 杭州, listed in that order."""
    return [activity("职工羽毛球友谊赛", days=1, hour=9), activity("职工插花体验课", days=1, hour=14, city="宁波"),
            activity("职工环湖健步走", days=2, hour=9)]


@pytest.mark.parametrize("words, title", [
    ("礼拜六上午那个", "职工羽毛球友谊赛"), ("禮拜六上午那個", "职工羽毛球友谊赛"), ("星期六下午的", "职工插花体验课"),
    ("周日那个", "职工环湖健步走"), ("礼拜天那场", "职工环湖健步走"), ("第二个", "职工插花体验课"),
    ("第３个", "职工环湖健步走"), ("最后一个", "职工环湖健步走"), ("宁波那个", "职工插花体验课"),
    ("插花那个", "职工插花体验课"), ("明天下午那个", "职工插花体验课"), ("后天的那个", "职工环湖健步走"),
    ("就第一个吧", "职工羽毛球友谊赛"),
])
def test_picking_from_the_list_in_words(say, weekend, words, title):
    say("这周末有什么活动")
    reply = say(words)
    assert f"【{title}】" in reply, reply
    assert reply.count("【") == 1


def test_an_ambiguous_reference_asks_with_numbers_and_narrows(say, weekend):
    say("这周末有什么活动")
    reply = say("杭州那个")
    assert "符合的有2个，您说的是哪一个？" in reply and "1 职工羽毛球友谊赛" in reply and "2 职工环湖健步走" in reply
    assert "插花" not in reply
    reply = say("周日的")
    assert "【职工环湖健步走】" in reply, reply


def test_a_reference_to_nothing_in_the_list_shows_the_list_again(say, weekend):
    say("这周末有什么活动")
    reply = say("星期五那个")
    assert "刚才的列表里没有星期五的活动" in reply and "1 职工羽毛球友谊赛" in reply


def test_signing_up_by_reference(say, weekend, runtime):
    say("这周末有什么活动")
    reply = say("报第二个")
    assert "报名成功！您已报上「职工插花体验课」" in reply, reply
    assert runtime.activities.sign_up_of(_person(runtime), weekend[1].id).status == "confirmed"


def test_a_new_request_after_a_list_is_not_a_reference(say, weekend):
    say("这周末有什么活动")
    reply = say("杭州的活动")
    assert reply.startswith("杭州的活动") and "宁波" not in reply, reply
    reply = say("宁波有什么活动")
    assert "宁波的活动" in reply and "1 职工插花体验课" in reply


def test_overtime_on_saturday_is_a_legal_question_even_after_a_list(runtime, say, weekend):
    say("这周末有什么活动")
    outcome = dialogue.respond(runtime, Inbound("o_activity_worker", "text", text="周六加班工资怎么算"))
    assert outcome.intent == "legal_consult", outcome
    assert "职工羽毛球友谊赛" not in outcome.reply.as_text()


def test_references_go_stale(say, weekend, runtime):
    say("这周末有什么活动")
    runtime.clock = lambda: NOW + timedelta(minutes=31)
    assert "【职工插花体验课】" not in say("第二个")
    runtime.clock = lambda: NOW
    say("这周末有什么活动")
    say("你好")  # something else was asked in between
    assert "【职工插花体验课】" not in say("第二个")


def test_a_reference_with_no_list_is_not_an_activity(say, weekend):
    assert "【" not in say("第二个")
    assert "【" not in say("周日那个")


@pytest.mark.parametrize("words, who", [
    ("我和我老婆两个人一起报", "您爱人"), ("我跟我老公一起去，报两个", "您爱人"), ("我们三个人报名", "同行的人"),
    ("帮我和我同事都报上", "您的同事"), ("我俩一起报", "同行的人"),
])
def test_companions_the_worker_is_signed_up_and_told_how_the_others_sign_up(say, activity, runtime, words, who):
    view = activity("职工读书会", capacity=10)
    say("读书会")
    reply = say(words)
    assert "报名成功！您已报上「职工读书会」" in reply, reply
    assert f"一个名额只对应一位报名人，{who}需要用自己的微信关注“浙工之家”" in reply
    assert "目前还剩9个名额" in reply
    after = runtime.activities.get(view.id)
    assert after.confirmed_count == 1  # one place: the worker's own


def test_a_colleague_too_after_signing_up(say, activity, runtime):
    activity("职工读书会", capacity=10)
    say("读书会")
    assert "报名成功" in say("1")
    reply = say("帮我同事也报一个")
    assert "您已经报上「职工读书会」了" in reply and "您的同事需要用自己的微信" in reply, reply
    assert "目前还剩9个名额" in reply


def test_only_for_someone_else_is_not_a_sign_up_of_the_worker(say, activity, runtime):
    view = activity("职工读书会", capacity=10)
    say("读书会")
    reply = say("帮我同事报一个")
    assert "报名需要本人来报" in reply and "您的同事需要用自己的微信" in reply and "1 我自己报名" in reply, reply
    assert runtime.activities.sign_up_of(_person(runtime), view.id) is None


def test_asking_about_companions_only_answers(say, activity, runtime):
    view = activity("职工读书会", capacity=10)
    say("读书会")
    reply = say("两个人能报吗")
    assert "一个名额只对应一位报名人" in reply and "1 我自己报名" in reply, reply
    assert runtime.activities.sign_up_of(_person(runtime), view.id) is None
    reply = say("能带孩子吗")
    assert "能不能带孩子" in reply


def test_companions_named_with_the_activity_in_one_message(say, activity, runtime):
    view = activity("职工读书会", capacity=10)
    reply = say("我和我老婆两个人一起报读书会")
    assert "报名成功" in reply and "您爱人需要用自己的微信" in reply, reply
    assert runtime.activities.get(view.id).confirmed_count == 1


def test_companions_of_a_full_activity_can_wait(say, book_club):
    say("下周日的读书会还有位置吗")
    reply = say("我和我老婆两个人")
    assert "您爱人需要用自己的微信" in reply and "名额已经报满了，您爱人报名时可以加入候补" in reply, reply
    assert "名额已满，可以排队候补" in reply and "1 加入候补" in reply


def test_cancel_by_description(say, weekend, runtime):
    for index in (0, 2):
        say("这周末有什么活动")
        say(str(index + 1))
        assert "报名成功" in say("1")
    reply = say("取消礼拜六上午那个")
    assert "确定要取消报名「职工羽毛球友谊赛」" in reply, reply
    reply = say("我的活动")
    reply = say("周日那个")
    assert "确定要取消报名「职工环湖健步走」" in reply, reply
    say("我的活动")
    reply = say("杭州那个")
    assert "符合的有2个，要取消哪一个？" in reply, reply


def test_every_reply_name_the_handler_uses_is_in_content(runtime):
    from pathlib import Path

    source = "".join(p.read_text(encoding="utf-8") for p in sorted(Path(handler.__file__).parent.glob("*.py")))
    used = set(re.findall(r"""say\(\s*["'](\w+)["']""", source)) | set(re.findall(r'"(activity_\w+)"', source))
    used -= {handler.LIST_KEY, handler.SHOWN_KEY, handler.OPTIONS_KEY, handler.SEEN_AT_KEY, "activity_title"}
    known = set(runtime.replies.keys())
    assert used and used <= known, used - known
    # and no worker-facing sentence is left in the code: only the words it recognises
    code = re.sub(r'""".*?"""|#[^\n]*|\[[^\]\n]*\]', "", source, flags=re.S)  # docstrings, comments, regex classes
    sentences = re.findall(r"[\u4e00-\u9fff]{4,}[，。！？]", code)
    assert not sentences, sentences


def test_asking_for_the_next_session_again_moves_on(say, book_club):
    say("这周日的读书会还有名额吗")
    assert "下一场「职工读书会」在12月6日（周日）14:00，已满，可候补" in say("下一场呢")
    assert "下一场「职工读书会」在12月13日（周日）14:00" in say("再下一场呢")
    assert "暂时没有下一场「职工读书会」的安排" in say("还有下一场吗")
