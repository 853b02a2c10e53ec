"""The ticket conversations, through the dialogue as a worker writes them."""
from __future__ import annotations

import re

import pytest

from bot import dialogue
from bot.messages import Inbound

NUMBER = re.compile(r"((?:WQ|JB|XX|BF|ZX|YZ|HD)\d{8}-\d{3,})")


@pytest.fixture
def say(runtime):
    """Send text as a follower (default o_worker) and return the reply text."""
    def send(text: str, openid: str = "o_worker_0001") -> str:
        outcome = dialogue.respond(runtime, Inbound(openid, "text", text=text))
        return outcome.reply.as_text()
    return send


def _number(reply: str) -> str:
    found = NUMBER.search(reply)
    assert found, reply
    return found.group(1)


def test_complaint_that_tells_its_story_is_not_asked_again(say, runtime):
    reply = say("我要维权，公司已经拖欠我三个月工资了，一共一万二")
    assert "同意" in reply
    reply = say("同意")
    assert "哪家单位" in reply and "发生了什么" not in reply
    assert "手机号" in say("杭州某某电子有限公司")
    reply = say("138123")
    assert "11位手机号" in reply
    reply = say("13812345678")
    assert "请核对" in reply and "138****5678" in reply and "13812345678" not in reply
    reply = say("1")
    number = _number(reply)
    assert number.startswith("WQ") and "维权部" in reply and "回复工单号" in reply
    view = runtime.tickets.get(runtime.people.person_id("official", "o_worker_0001"), number)
    assert view.topic == "wage_arrears" and view.employer == "杭州某某电子有限公司"
    assert view.contact_phone == "138****5678"


def test_complaint_from_the_menu_asks_what_happened_and_takes_pictures(say, runtime):
    say("我要维权")
    reply = say("同意")
    assert "发生了什么" in reply
    outcome = dialogue.respond(runtime, Inbound("o_worker_0001", "image", media_id="m1", picture_url="http://img/1"))
    assert "图片已收到" in outcome.reply.as_text()
    say("工地包工头拖欠工资，我们十几个人都没拿到")
    assert "从什么时候开始" in say("宁波某建筑公司")  # 宁波 is taken from the name; when and how much are asked
    assert "手机号" in say("今年九月到现在，大概三万块")
    say("13912345678")
    number = _number(say("确认"))
    view = runtime.tickets.get(runtime.people.person_id("official", "o_worker_0001"), number)
    assert view.attachments == [{"media_id": "m1", "url": "http://img/1"}]


def test_ticket_number_shows_status_only_to_its_owner(say):
    say("我要维权，公司已经拖欠我三个月工资了，一共一万二")
    say("同意")
    say("杭州某某电子有限公司")
    say("13812345678")
    number = _number(say("1"))
    reply = say(number)
    assert "处理中" in reply and "维权部" in reply and "拖欠" in reply
    assert "处理中" in say(f"查询工单 {number.lower().replace('-', '')}")
    other = say(number, openid="o_someone_else_1")
    assert "没有找到" in other and "拖欠" not in other and "维权部" not in other


def test_anonymous_report_asks_no_phone(say, runtime):
    say("我要举报")
    say("同意")
    reply = say("2")
    assert "哪方面" in reply
    say("3")
    say("某区总工会")
    reply = say("工会经费被用来发购物卡，去年年底发的，每人两千")
    assert "请核对" in reply and "匿名" in reply and "手机" not in reply
    number = _number(say("1"))
    assert number.startswith("JB") and "经审会" in say(number)
    staff = runtime.tickets.staff_view(number)
    assert staff.anonymous and staff.person_id is None and staff.contact_phone == ""


def test_letter_to_the_chairman_without_contact(say):
    say("主席信箱")
    say("同意")
    say("1")
    say("建议在工业园区多建几个职工书屋，下班后可以看书")
    reply = say("跳过")
    assert "未填" in reply
    reply = say("1")
    assert _number(reply).startswith("XX") and "主席信箱" in reply


def test_hardship_application(say):
    say("申请困难帮扶")
    say("同意")
    say("2")
    say("爱人住院做手术，花了十几万，家里就我一个人有收入")
    reply = say("上海")
    assert "浙江省内" in reply
    say("温州市鹿城区")
    say("无")
    reply = say("13712345678")
    assert "大病救助" in reply and "温州" in reply
    reply = say("1")
    assert _number(reply).startswith("BF") and "帮扶中心" in reply


def test_my_tickets_lists_numbers_to_pick(say):
    assert "还没有提交过工单" in say("我的工单")
    say("主席信箱")
    say("同意")
    say("3")
    say("感谢工会帮我讨回了工资，谢谢你们")
    say("跳过")
    number = _number(say("1"))
    reply = say("我的工单")
    assert number in reply
    assert "已送达" not in say("1") and number in say("我的工单")


def test_risky_text_is_never_echoed(say, runtime):
    say("我要维权")
    say("同意")
    say("老板组织工人赌博还扣工资，不给就开除")
    say("某某公司")
    assert "已记下" in say("13812345678") and "哪个市" in say("在哪我也说不清")  # a phone where the city was asked
    say("台州")
    say("跳过")
    say("把扣的工资退给我们")
    reply = say("1")
    number = _number(reply)
    assert "赌博" not in reply
    shown = say(number)
    assert "赌博" not in shown and "人工审核" in shown
    staff = runtime.tickets.staff_view(number)
    assert staff.flagged and "赌博" in staff.text


def test_cancel_keeps_nothing(say, runtime):
    say("我要维权")
    say("同意")
    assert "已退出" in say("算了")
    assert runtime.tickets.staff_list() == []


def test_a_story_with_a_negation_stays_in_the_form(say):
    say("我要维权")
    say("同意")
    assert "哪家单位" in say("工地包工头不给结工资，我们十几个人都没拿到")


def _start_from_another_handler(runtime, openid: str, starter) -> str:
    """Run starter(turn) as another module's handler would, saving the follower's state like the dialogue."""
    from bot.turn import Turn

    turn = Turn.begin(runtime, openid, runtime.conversations.load(openid))
    reply = starter(turn)
    runtime.conversations.save(openid, turn.state)
    return reply.as_text()


def test_legal_aid_started_by_the_legal_handlers_with_the_story(say, runtime):
    from handlers.tickets import start_legal_aid

    story = "公司不签劳动合同，我干了一年了想要双倍工资，已经申请仲裁了"
    reply = _start_from_another_handler(
        runtime, "o_worker_0001", lambda turn: start_legal_aid(turn, problem=story))
    assert "法律援助" in reply and "同意" in reply
    assert "哪家单位" in say("同意")
    say("某某物流公司")
    assert "请核对" in say("13812345678")
    reply = say("1")
    assert _number(reply).startswith("YZ") and "法律服务中心" in reply
    view = runtime.tickets.get(runtime.people.person_id("official", "o_worker_0001"), _number(reply))
    assert view.topic == "labor_contract" and view.text == story


def test_a_form_started_by_another_handler_is_filed_for_the_worker(say, runtime):
    from bot import forms
    from handlers.tickets import build_legal_aid_form

    _start_from_another_handler(runtime, "o_worker_0001",
                                lambda turn: forms.start(build_legal_aid_form(turn.services), turn))
    say("同意")
    say("公司拖欠工资半年，申请了仲裁还没开庭")
    say("某某物流公司")
    say("13812345678")
    assert "YZ" in say("1")
    assert [t.kind for t in runtime.tickets.staff_list()] == ["legal_aid"]


def test_a_ticket_with_long_answers_fits_in_one_wechat_reply(say, runtime):
    say("主席信箱")
    say("同意")
    say("1")
    say("建议在工业园区多建几个职工书屋" * 20)
    say("跳过")
    number = _number(say("1"))
    for _ in range(4):
        runtime.tickets.answer(number, "感谢您的建议。" * 200, close=False)
    reply = say(number)
    assert len(reply.encode("utf-8")) < 2048 and "小程序" in reply
