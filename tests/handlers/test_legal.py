"""Legal consultation as a worker meets it: cited answers, related questions, a counsellor, legal aid."""
from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot import dialogue
from bot.conversation_state import ConversationState
from bot.messages import Inbound, TransferToAgentReply
from bot.content_entries import ContentError
from bot.turn import Turn
from handlers import legal

QUESTIONS = Path(__file__).parent / "legal_questions.yaml"
CONTENT = Path(__file__).resolve().parents[2] / "content"
NUMBER = re.compile(r"((?:ZX|HD|YZ)\d{8}-\d{3,})")
OPENID = "o_legal_worker"


@pytest.fixture
def say(runtime):
    """Send text as a follower and return the reply."""
    def send(text: str, openid: str = OPENID):
        return dialogue.respond(runtime, Inbound(openid, "text", text=text)).reply
    return send


@pytest.fixture
def open_hours(runtime):
    runtime.config = runtime.config.with_overrides(human_agent_hours="每天 00:00-24:00", human_agent_kf_account="kf2001@zgzj")


def _state(runtime, openid: str = OPENID) -> ConversationState:
    return runtime.conversations.load(openid)


def _person(runtime, openid: str = OPENID) -> int:
    return runtime.people.person_id("official", openid)


def test_a_contract_question_is_answered_with_its_legal_basis_and_what_to_do_next(say):
    text = say("入职三个月了公司一直不签劳动合同").as_text()
    assert "第八十二条" in text and "依据：" in text
    assert "一般性的法律信息" in text and "12351" in text
    # Two related questions, the counsellor and the union's help, each answerable with one digit.
    assert re.search(r"^1 .+？$", text, re.M) and re.search(r"^2 .+？$", text, re.M)
    assert "3 没解决我的问题，请工会法律顾问解答" in text and "4 需要工会出面帮我维权" in text
    assert "回复“没用”" in text


def test_a_related_question_picked_by_number_is_answered_and_keeps_the_workers_words(say, runtime):
    first = say("入职三个月了公司一直不签劳动合同").as_text()
    related = re.search(r"^1 (.+)$", first, re.M).group(1)
    entry = next(e for e in runtime.legal_faq.entries if e.question == related)
    second = say("1").as_text()
    assert entry.answer[:20] in second and "依据：" in second
    kept = _state(runtime).context[legal.QUESTION_KEY]
    assert kept["text"] == "入职三个月了公司一直不签劳动合同" and kept["faq_id"] == entry.id


def test_not_helpful_offers_a_counsellor_who_gets_the_question_and_topic(say, runtime):
    say("公司每天逼我们加班到晚上十点，不加就扣钱")
    offer = say("没用").as_text()
    assert "1 转给工会法律顾问（留言，3个工作日内答复）" in offer and "转人工客服" in offer
    ack = say("1").as_text()
    number = NUMBER.search(ack).group(1)
    assert number.startswith("ZX") and "法律服务中心" in ack and "前答复您" in ack
    view = runtime.tickets.get(_person(runtime), number)
    assert view.kind == "consultation" and view.topic == "overtime_hours"
    assert view.text.startswith("公司每天逼我们加班到晚上十点") and "已看过常见问题" in view.text
    # Asking again does not open a second ticket for the same question.
    say("没用")
    assert f"已经转给工会法律顾问了，编号：{number}" in say("1").as_text()
    assert runtime.tickets.list_for(_person(runtime), kind="consultation")[1] == 1


def test_the_answers_own_numbered_choice_reaches_the_counsellor_too(say):
    say("试用期工资打八折合法吗")
    assert "转给工会法律顾问" in say("3").as_text()


def test_not_helpful_with_turn_to_human_goes_straight_to_the_agent(say, open_hours):
    say("入职三个月了公司一直不签劳动合同")
    say("1")
    reply = say("没用,转人工")
    assert isinstance(reply, TransferToAgentReply) and reply.account == "kf2001@zgzj"


def test_mei_yong_without_a_legal_answer_before_is_understood_as_usual(say):
    text = say("没用").as_text()
    assert "工会法律顾问" not in text
    assert "您是想" in text or "回复数字" in text


def test_an_old_answer_is_not_what_a_later_mei_yong_refers_to(say, runtime):
    say("入职三个月了公司一直不签劳动合同")
    state = _state(runtime)
    state.context[legal.QUESTION_KEY]["at"] = "2000-01-01T00:00:00"
    runtime.conversations.save(OPENID, state)
    assert "转给工会法律顾问" not in say("没用").as_text()


def test_a_vague_request_asks_what_happened_and_lists_the_topics(say, runtime):
    text = say("我想咨询一个法律问题").as_text()
    assert "说说您遇到的事" in text
    for number, (_topic, title) in enumerate(runtime.legal_faq.topics(), 1):
        assert f"{number} {title}" in text
    topic_list = say("5").as_text()  # 工伤
    assert "算工伤吗" in topic_list and "都不是，请工会法律顾问解答" in topic_list
    answer = say("1").as_text()
    assert "依据：《工伤保险条例》" in answer


def test_the_menu_number_for_legal_consultation_asks_what_happened(say):
    say("你好")
    assert "说说您遇到的事" in say("2").as_text()


def test_a_question_the_faq_cannot_answer_is_said_so_honestly(say, runtime):
    text = say("公司让我们给客户刷单合法吗").as_text()
    assert "还没有准确的答案" in text and "依据" not in text
    assert "1 转给工会法律顾问（留言，3个工作日内答复）" in text
    assert "2 申请工会法律援助" in text and "3 转人工客服" in text
    number = NUMBER.search(say("1").as_text()).group(1)
    view = runtime.tickets.get(_person(runtime), number)
    assert view.text == "公司让我们给客户刷单合法吗"


def test_a_short_phrase_with_several_fitting_answers_lets_the_worker_pick(say):
    text = say("加班费").as_text()
    assert "您想问的是哪一个" in text and "加班费怎么算？" in text
    assert "依据" in say("1").as_text()


def test_legal_aid_says_who_qualifies_and_what_to_bring_and_starts_the_application(say):
    text = say("法律援助").as_text()
    assert "谁可以申请" in text and "要带的材料" in text and "身份证" in text
    assert "1 我要申请法律援助" in text
    started = say("1").as_text()
    assert "法律援助" in started and "同意" in started


def test_replying_fa_lv_yuan_zhu_after_reading_the_summary_applies_as_it_says(say):
    say("怎么申请法律援助")
    assert "同意" in say("法律援助").as_text()


def test_hand_to_counsellor_without_a_question_asks_for_one(runtime):
    reply = legal.hand_to_counsellor(Turn.begin(runtime, Inbound("o_x", "text", text="1")))
    assert "请先把您遇到的问题" in reply.as_text()


def test_hand_written_questions_get_fitting_answers(runtime):
    """Of the hand-written worker questions, at least 90% get a fitting answer (or a choice containing it)."""
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    outcome: Counter = Counter()
    misses = []
    for topic, items in questions.items():
        for text, fitting in items:
            ctx = Turn.begin(runtime, Inbound("o_eval", "text", text=text), match=runtime.matcher.classify(text))
            reply = legal.handle(ctx)
            answered = (ctx.state.context.get(legal.QUESTION_KEY) or {}).get("faq_id")
            offered = [c.rsplit(":", 1)[-1] for c in ctx.state.choices if c.startswith("@action:faq:")]
            if answered:
                kind = "fit" if answered in fitting else "wrong"
            elif "谁可以申请" in reply.as_text():
                kind = "fit" if "arbitration-legal-aid" in fitting else "wrong"
            else:
                kind = "choice" if set(offered) & set(fitting) else "none"
            outcome[kind] += 1
            if kind in ("wrong", "none"):
                misses.append(f"{kind}: {text} -> {answered or offered[:3]} (want {fitting})")
    total = sum(outcome.values())
    assert total >= 180
    assert outcome["fit"] + outcome["choice"] >= 0.9 * total, "\n".join(misses)
    assert outcome["wrong"] <= 0.08 * total, "\n".join(misses)


def test_content_checks_pass_on_our_content_and_name_the_broken_entry(tmp_path):
    legal.check_content(CONTENT)
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    faq = broken / "legal" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("《劳动合同法》第八十二条", "劳动合同法82条", 1),
                   encoding="utf-8")
    with pytest.raises(ContentError, match=r"faq\.yaml.*citation"):
        legal.check_content(broken)


def test_not_this_followed_by_a_new_question_answers_the_new_question(say):
    say("入职三个月了公司一直不签劳动合同")
    text = say("不是这个意思，我是问试用期工资打八折合法吗").as_text()
    assert "依据：" in text and "第二十条" in text and "转给工会法律顾问（留言" not in text


def test_legal_aid_after_a_question_does_not_ask_for_the_story_again(say, runtime):
    say("公司拖欠了我半年工资，老板说没钱，我已经申请仲裁了")
    say("法律援助")
    assert "同意" in say("1").as_text()
    assert "哪家单位" in say("同意").as_text()
