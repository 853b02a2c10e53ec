"""How the matcher reads workers' messages: stories, typos, negation, fragments and the clarifying question."""
import pytest

from bot.nlu import INTENTS, Match


@pytest.mark.parametrize("text, intent", [
    ("入会", "join_union"),
    ("福利", "benefit_query"),
    ("举报", "report"),
    ("主席信箱", "chairman_mailbox"),
    ("转人工", "human_agent"),
    ("活动", "activity"),
    ("你好", "greeting_help"),
])
def test_two_character_fragments_are_understood(matcher, text, intent):
    match = matcher.classify(text)
    assert (match.intent, match.confident) == (intent, True)


def test_wage_fragment_is_a_wage_question(matcher):
    match = matcher.classify("工资")
    assert match.intent == "legal_consult"
    assert match.topic == "wage_arrears"


@pytest.mark.parametrize("text, intent, topic", [
    ("老板拖了我两个月工姿了怎么办", "legal_consult", "wage_arrears"),
    ("加版费怎么算", "legal_consult", "overtime_hours"),
    ("公伤怎么认定", "legal_consult", "work_injury"),
    ("合通到期了不续签有补尝吗", "legal_consult", None),
    ("社宝没交合法吗", "legal_consult", "social_insurance"),
])
def test_typos_and_homophones(matcher, text, intent, topic):
    match = matcher.classify(text)
    assert match.intent == intent
    if topic:
        assert match.topic == topic


@pytest.mark.parametrize("text, intent", [
    ("請問怎麼申請加入工會", "join_union"),
    ("我要舉報我們廠長", "report"),
    ("會員卡丟了怎麼補辦", "membership_query"),
    ("請幫我轉人工客服", "human_agent"),
])
def test_traditional_characters(matcher, text, intent):
    assert matcher.classify(text).intent == intent


def test_full_width_input(matcher):
    match = matcher.classify("ＮＩＨＡＯ　我想问一下加班费怎么算？")
    assert match.intent == "legal_consult"
    assert match.topic == "overtime_hours"


@pytest.mark.parametrize("text, intent", [
    ("ruhui zenme shenqing", "join_union"),
    ("zhuan rengong", "human_agent"),
    ("jubao 有人冒领补助", "report"),
    ("fuli you naxie", "benefit_query"),
])
def test_pinyin(matcher, text, intent):
    assert matcher.classify(text).intent == intent


def test_not_a_complaint_just_a_question(matcher):
    match = matcher.classify("我不是要投诉，就问问加班费按什么标准算")
    assert match.intent == "legal_consult"
    assert match.topic == "overtime_hours"
    assert match.negated


def test_not_wanting_to_join_is_not_join(matcher):
    match = matcher.classify("不想入会，只想知道工会有没有免费的法律援助")
    assert match.intent == "legal_consult"
    assert match.negated


def test_the_same_ask_without_negation_is_a_complaint(matcher):
    assert matcher.classify("我要投诉，加班费一分没给").intent == "rights_complaint"


def test_just_asking_turns_a_complaint_into_a_question(matcher):
    plain = matcher.classify("公司拖欠工资，请工会出面")
    asking = matcher.classify("就问问，公司拖欠工资，工会能出面吗")
    assert plain.intent == "rights_complaint"
    assert asking.intent == "legal_consult"


def test_negation_reaches_only_the_next_phrase(matcher):
    # 不要女的 is the problem; 算不算 is the question, and must not be negated.
    assert matcher.classify("招聘只要男的不要女的，算不算就业歧视").intent == "legal_consult"


def test_a_long_story_is_judged_by_its_ask_at_the_end(matcher):
    story = ("我在工厂里做了快十年了今年老板说生意不好要我们自己走人还说不会给钱"
             "我就想问下这种情况能要到补偿吗")
    match = matcher.classify(story)
    assert match.intent == "legal_consult"
    assert match.topic == "dismissal_compensation"


def test_a_long_story_ending_with_a_request_to_act_is_a_complaint(matcher):
    story = ("你好我是在诸暨袜厂做了十来年的我们厂今年生意不好老板就说要裁人然后裁的都是年纪大的"
             "补偿只给一个月我觉得不公平想请你们工会的人过来帮我们说一说")
    match = matcher.classify(story)
    assert match.intent == "rights_complaint"
    assert match.topic == "dismissal_compensation"


@pytest.mark.parametrize("text", ["1", "", "   ", "😂😂", "👍", "杭州", "。。。"])
def test_digits_empty_and_emoji_only_are_not_confident(matcher, text):
    match = matcher.classify(text)
    assert not match.confident
    assert match.intent in INTENTS
    assert len(match.candidates) == 3


def test_unsure_message_offers_two_or_three_sensible_choices(matcher):
    match = matcher.classify("申请")
    assert not match.confident
    assert 2 <= len(match.candidates) <= 3
    assert all(intent in INTENTS for intent, _ in match.candidates)
    scores = [score for _, score in match.candidates]
    assert scores == sorted(scores, reverse=True)


def test_ambiguous_message_names_both_readings_among_candidates(matcher):
    match = matcher.classify("活动 福利")
    assert {"activity", "benefit_query"} <= {intent for intent, _ in match.candidates}


def test_confident_match_has_candidates_best_first(matcher):
    match = matcher.classify("我要实名举报我们厂的工会主席")
    assert match.confident
    assert match.candidates[0][0] == match.intent == "report"
    assert match.score == match.candidates[0][1]
    assert "实名举报" in match.keywords


@pytest.mark.parametrize("text", ["张伟", "13857112233", "杭州", "是", "1", "好的", "杭州某某电子有限公司", "否"])
def test_plain_answers_inside_a_form_are_not_a_new_request(matcher, text):
    assert not matcher.classify(text, in_form=True).confident


@pytest.mark.parametrize("text, intent", [
    ("等一下，加班费怎么算的？", "legal_consult"),
    ("先不填了，我要举报我们老板", "report"),
    ("转人工", "human_agent"),
])
def test_a_new_request_inside_a_form_is_recognised(matcher, text, intent):
    match = matcher.classify(text, in_form=True)
    assert (match.intent, match.confident) == (intent, True)


def test_topic_only_for_legal_intents(matcher):
    assert matcher.classify("会员卡丢了怎么补办").topic is None
    assert matcher.classify("我要维权，公司不交社保").topic == "social_insurance"


def test_legal_message_without_topic_words_gets_the_default_topic(matcher):
    match = matcher.classify("我要维权")
    assert match.intent == "rights_complaint"
    assert match.topic == "other_labor"


@pytest.mark.parametrize("text, topic", [
    ("劳动仲裁要多久", "arbitration_procedure"),
    ("产假几天", "leave_maternity"),
    ("天气真好", None),
])
def test_topic_of_any_text(matcher, text, topic):
    assert matcher.topic_of(text) == topic


def test_match_is_a_frozen_value(matcher):
    match = matcher.classify("你好")
    assert isinstance(match, Match)
    with pytest.raises(AttributeError):
        match.intent = "report"  # type: ignore[misc]


def test_normalized_text_is_reported(matcher):
    assert matcher.classify("請問工姿").normalized == "请问工资"


@pytest.mark.parametrize("text, intent", [
    ("能入杭州的工会吗", "join_union"),
    ("加工会", "join_union"),
    ("保姆能成为工会会员吗", "join_union"),
    ("入会审核没通过是什么原因", "membership_query"),
    ("请你们工会替我们出面", "rights_complaint"),
])
def test_patterns_catch_ways_of_asking(matcher, text, intent):
    assert matcher.classify(text).intent == intent


def test_a_negated_pattern_argues_against_its_intent(matcher):
    match = matcher.classify("我不想加入杭州的工会，就想问加班费怎么算")
    assert match.intent == "legal_consult"
    assert match.negated


def test_a_bare_member_word_is_unsure_between_member_services(matcher):
    match = matcher.classify("会员")
    assert not match.confident
    assert {intent for intent, _ in match.candidates} == {"join_union", "membership_query", "benefit_query"}


def test_unsure_candidates_name_the_likeliest_services_best_first(matcher):
    match = matcher.classify("活动 福利")
    assert not match.confident or match.intent in ("activity", "benefit_query")
    assert {intent for intent, _ in match.candidates[:2]} == {"activity", "benefit_query"}
    assert len(match.candidates) == 3


def test_nothing_understood_offers_the_main_services(matcher):
    match = matcher.classify("😂")
    assert not match.confident
    assert tuple(intent for intent, _ in match.candidates) == ("legal_consult", "join_union", "benefit_query")


def test_asking_the_union_for_help_without_a_labour_problem_is_not_a_complaint(matcher):
    match = matcher.classify("家里老人瘫痪，孩子上学，我一个人实在撑不住了，求工会帮帮我们")
    assert match.intent == "hardship_aid"


def test_a_complaint_about_neighbours_is_not_ours(matcher):
    assert matcher.classify("楼上装修太吵了能投诉吗").intent == "out_of_scope"


def test_the_situation_decides_the_topic_not_the_last_words(matcher):
    match = matcher.classify("我怀孕七个月被公司以考勤问题辞退了，请工会出面帮我维权")
    assert (match.intent, match.topic) == ("rights_complaint", "leave_maternity")


def test_a_workplace_word_alone_makes_an_unsure_labour_question(matcher):
    match = matcher.classify("主管今天又在车间里吼我了")
    if match.score > 0.2:
        pytest.skip("the content now knows a phrase of this message")
    assert match.intent == "legal_consult" and not match.confident
    assert tuple(intent for intent, _ in match.candidates[:2]) == ("legal_consult", "rights_complaint")
    assert matcher.classify("今天中午吃什么呢").intent == "out_of_scope"
