"""The join form and the membership answers, called the way the dialogue calls them."""
from __future__ import annotations

import pytest

from bot.dialogue import respond
from bot.messages import Inbound
from bot.services.people import OFFICIAL
from bot.turn import Turn
from bot.wiring import form_named
from handlers import join_union, membership

ID_NUMBER = "330102199506151232"


@pytest.fixture
def chat(runtime):
    """Send texts as one follower through the dialogue; return the reply texts."""
    def send(*texts: str, openid: str = "o_joiner") -> str:
        reply = ""
        for text in texts:
            reply = respond(runtime, Inbound(openid, "text", text=text)).reply.as_text()
        return reply
    return send


def fill_up_to_summary(chat, openid: str = "o_joiner") -> str:
    return chat("我要入会", "同意", "张三", "13812345678", ID_NUMBER, "杭州娃哈哈集团有限公司", "杭州", "西湖区", "1",
                "车间操作工", openid=openid)


def applicant(runtime, openid: str = "o_joiner") -> int:
    return runtime.people.person_id(OFFICIAL, openid)


def turn(runtime, text: str = "", openid: str = "o_asker") -> Turn:
    return Turn.begin(runtime, openid, text=text)


def test_the_form_is_found_by_the_dialogue_and_follows_the_content(runtime):
    form = form_named("join_union", runtime)
    assert form.name == "join_union" and form.title == "入会申请"
    assert [f.name for f in form.fields] == ["name", "phone", "id_number", "employer", "platform", "city",
                                             "district", "industry", "occupation"]
    assert "个人信息收集说明" in form.consent_notice
    assert "12 其他行业" in form.field("industry").prompt


def test_the_main_menu_number_starts_the_intro_and_consent(chat):
    reply = chat("菜单", "1")
    assert "入会免费" in reply and "个人信息收集说明" in reply and "回复“同意”" in reply


def test_nothing_is_asked_before_consent_and_refusing_collects_nothing(chat, runtime):
    assert "同意" in chat("我要入会", "张三")
    assert "没有您的同意我们不会收集" in chat("不同意")
    assert runtime.membership.current_application(applicant(runtime)) is None


def test_another_request_at_the_consent_notice_is_answered_and_nothing_is_kept(chat, runtime):
    chat("菜单", "1")  # tapped 在线入会 by mistake; nothing is collected yet
    reply = chat("福利查询")
    assert "回复“同意”继续" not in reply and "福利" in reply, reply
    assert "还没填完" not in reply  # nothing was filled in: no form to come back to
    assert "同意" in chat("我要入会", "张三")  # an answer that is no request still asks for consent
    assert "同意" in chat("你好")  # nor is a greeting a reason to drop the form
    assert "真实姓名" in chat("好的，同意")  # a yes in other words is a yes


@pytest.mark.parametrize("answer, agrees", [("我同意", True), ("同意了", True), ("好的，同意", True),
                                            ("不同意", False), ("我不太同意", False), ("一定要同意吗？", False)])
def test_consent_in_the_workers_own_words(chat, answer, agrees):
    reply = chat("我要入会", answer)
    assert ("真实姓名" in reply) is agrees, reply


def test_the_summary_masks_numbers_and_submitting_gives_a_number(chat, runtime):
    summary = fill_up_to_summary(chat)
    assert "138****5678" in summary and "330102********1232" in summary
    assert "13812345678" not in summary and ID_NUMBER not in summary
    reply = chat("1")
    view = runtime.membership.current_application(applicant(runtime))
    assert view.application_no in reply and "入会进度" in reply and view.status == "submitted"


def test_three_wrong_answers_offer_a_human(chat):
    chat("我要入会", "同意", "张三")
    chat("123", "456")
    assert "转人工" in chat("789")


def test_changing_the_city_in_the_summary_asks_the_district_again(chat):
    fill_up_to_summary(chat)
    chat("2")
    assert "城市" in chat("5")  # the fifth line of the summary is the city
    assert "区" in chat("宁波")
    summary = chat("鄞州")
    assert "宁波市" in summary and "鄞州区" in summary and "西湖区" not in summary


def test_a_paused_join_form_is_resumed_when_the_worker_asks_to_join_again(chat):
    chat("我要入会", "同意", "张三")
    chat("会费怎么交")
    reply = chat("我要入会")
    assert "接着填写入会申请" in reply and "手机号" in reply


def test_an_application_already_open_is_shown_instead_of_a_new_form(chat, runtime):
    fill_up_to_summary(chat)
    chat("1")
    number = runtime.membership.current_application(applicant(runtime)).application_no
    reply = chat("我要入会")
    assert number in reply and "不用重复申请" in reply and "同意" not in reply


def test_an_application_made_meanwhile_elsewhere_is_reported_at_submission(chat, runtime):
    fill_up_to_summary(chat)
    fields = {"name": "张三", "phone": "13812345678", "id_number": ID_NUMBER, "employer": "某公司",
              "city": "杭州", "district": "西湖区", "industry": "制造业", "occupation": "工人"}
    other = runtime.membership.submit(applicant(runtime), fields, consent=True, channel="miniprogram")
    reply = chat("1")
    assert other.application_no in reply and "入会进度" in reply


def test_a_membership_question_heard_as_joining_is_answered(runtime):
    reply = join_union.handle(turn(runtime, "入会证明怎么开")).as_text()
    assert "证明" in reply and "同意" not in reply


def test_asking_whether_an_application_went_through_shows_its_progress(chat, runtime):
    fill_up_to_summary(chat)
    chat("1")
    number = runtime.membership.current_application(applicant(runtime)).application_no
    for text in ("入会申请通过了吗", "我提交的入会申请有结果了吗"):
        reply = join_union.handle(turn(runtime, text, "o_joiner")).as_text()
        assert number in reply and "审核中" in reply


@pytest.mark.parametrize("text, expected", [
    ("会员卡丢了怎么办", "补办"),
    ("换了新单位，会籍要转吗", "会籍转移"),
    ("会费交多少", "工会会费"),
    ("怎么退会", "退会"),
    ("我的会员卡", "还不是工会会员"),
    ("查询入会进度", "还没有提交过入会申请"),
    ("", "还没有提交过入会申请"),
])
def test_membership_questions_are_told_apart_by_their_words(runtime, text, expected):
    reply = membership.handle(turn(runtime, text)).as_text()
    assert expected in reply


def test_every_membership_answer_ends_with_numbered_choices(runtime):
    asked = turn(runtime, "会费怎么交")
    reply = membership.handle(asked).as_text()
    assert reply.splitlines()[-1].startswith("3 ") and len(asked.state.choices) == 3


def test_a_member_sees_the_card_from_progress_and_card_questions(chat, runtime):
    fill_up_to_summary(chat)
    chat("1")
    view = runtime.membership.current_application(applicant(runtime))
    approved = runtime.membership.review(view.application_no, "approve")
    for text in ("入会进度", "会员卡", "我的会员号是多少"):
        reply = chat(text)
        assert approved.member_no in reply and "电子会员卡" in reply and "张三" in reply


def test_a_rejected_worker_is_told_why_and_may_apply_again(chat, runtime):
    fill_up_to_summary(chat)
    chat("1")
    view = runtime.membership.current_application(applicant(runtime))
    runtime.membership.review(view.application_no, "reject", "身份信息无法核实")
    reply = chat("入会进度")
    assert "未通过" in reply and "身份信息无法核实" in reply
    assert "个人信息收集说明" in chat("1")  # 1 重新申请入会


def test_a_form_started_by_another_door_still_knows_its_worker(runtime):
    from bot import forms

    started = turn(runtime, openid="o_elsewhere")
    form = join_union.build_form(runtime)
    forms.start(form, started)  # e.g. the generic start_form action: the turn alone says who is writing
    for answer in ("同意", "张三", "13812345678", ID_NUMBER, "某某公司", "杭州", "西湖", "1", "工人"):
        forms.advance(form, answer, started)
    reply = forms.advance(form, "1", started).as_text()
    view = runtime.membership.current_application(applicant(runtime, "o_elsewhere"))
    assert view is not None and view.application_no in reply


def test_progress_mentions_a_half_filled_form_and_resumes_it(chat):
    chat("我要入会", "同意", "张三")
    chat("加班费怎么算？")  # another question puts the form aside
    reply = chat("入会进度")
    assert "还没有提交" in reply and "已为您保存" in reply and "1 继续填写入会申请" in reply
    assert "手机号" in chat("1")
