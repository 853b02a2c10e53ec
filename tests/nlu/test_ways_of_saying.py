"""Ways workers say things that the first round of content missed: dialect, English, long stories, overlaps."""
import pytest


@pytest.mark.parametrize("text, intent, topic", [
    ("阿拉老板钞票拖了三个月没发伐晓得哪能办", "legal_consult", "wage_arrears"),          # Wu
    ("俺在厂里干活手指头让机器轧掉了一截这咋整啊", "legal_consult", "work_injury"),       # northern
    ("我们厂头那个老板拖起工钱不给哦咋个办嘛", "legal_consult", "wage_arrears"),          # Sichuan
    ("我要維權！公司拖欠工資三個月，請工會幫我們討回來", "rights_complaint", "wage_arrears"),
    ("I want to talk to a real person", "human_agent", None),
    ("提个suggestion：小程序能不能加个英文版", "chairman_mailbox", None),
])
def test_dialect_traditional_and_english(matcher, text, intent, topic):
    match = matcher.classify(text)
    assert (match.intent, match.topic) == (intent, topic)


def test_a_procedure_question_at_the_end_of_a_wage_story_is_about_procedure(matcher):
    text = ("在工地上干了一年，包工头一直没签合同，工资说好年底一起结，到了年底说总包没给钱。"
            "我手上只有一个记工本，这个能当证据吗，去仲裁的话要找包工头还是找总包公司")
    assert matcher.classify(text).topic == "arbitration_procedure"


def test_pregnancy_before_a_non_renewal_is_a_pregnancy_question(matcher):
    match = matcher.classify("我老婆怀孕七个月了，公司说合同到期不续了，这个时候不续合同合法吗")
    assert (match.intent, match.topic) == ("legal_consult", "leave_maternity")


def test_a_customer_complaint_about_the_worker_is_not_a_complaint_by_the_worker(matcher):
    match = matcher.classify("老板找理由扣钱，顾客投诉一次扣两百，打碎盘子扣五十，这样罚款合法吗")
    assert match.intent == "legal_consult"


def test_a_phrase_keeps_the_topic_of_a_phrase_overlapping_inside_it(matcher):
    # 帮我讨薪 holds 帮我讨 (a request) and 讨薪 (wages), which overlap.
    assert matcher.classify("帮我讨薪").topic == "wage_arrears"


def test_misconduct_outweighs_the_benefit_it_was_about(matcher):
    text = "工会发的过节福利被人克扣了，卡里的钱少了一半，谁拿走了？我要举报"
    assert matcher.classify(text).intent == "report"


def test_a_greeting_before_a_story_does_not_make_it_a_greeting(matcher):
    text = "喂你好我想问一下就是我们那个老板啊他那个工资已经两个月没发了然后我们去问他他就说再等等那我们要怎么办呢"
    assert matcher.classify(text).intent == "legal_consult"


@pytest.mark.parametrize("text, intent", [
    ("我儿子想入团要准备啥材料", "out_of_scope"),                  # the Youth League is not the union
    ("单位党支部发展入党积极分子怎么报名", "out_of_scope"),
    ("山姆的会员卡到期了能续吗", "out_of_scope"),                    # a shop's card, not the union's
    ("小区健身房的年卡能转给别人吗", "out_of_scope"),
    ("我们魔兽公会缺个奶妈", "out_of_scope"),                         # 公会 is read as 工会: a game guild
    ("how do I join the trade union", "join_union"),
    ("where is my membership card", "membership_query"),
    ("I need customer service", "human_agent"),
    ("woyao tousu gongsi", "rights_complaint"),
    ("返回主菜单", "greeting_help"),
    ("回到上一步", "greeting_help"),
])
def test_other_organisations_english_pinyin_and_navigation(matcher, text, intent):
    match = matcher.classify(text)
    assert match.intent == intent, match
