"""The legal FAQ: the real content is complete and well-formed, and workers' questions find the right answer."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.content_entries import ContentError, unverified_figures
from bot.services.legal_faq import TOPICS, LegalFAQ

CONTENT = Path(__file__).resolve().parents[2] / "content"
CITATION = re.compile(r"^《[^《》]+》第[一二三四五六七八九十百千零〇]+条")


def chars(text: str) -> list[str]:
    """A tokenizer that needs no dictionary, for tests that only check validation."""
    return list(text)


@pytest.fixture(scope="module")
def faq() -> LegalFAQ:
    return LegalFAQ.load(CONTENT)


# ---- the real content -------------------------------------------------------------------
def test_there_are_enough_entries_in_every_topic(faq):
    assert len(faq.entries) >= 60
    for topic in TOPICS:
        assert len(faq.by_topic(topic)) >= 6, topic


def test_every_entry_is_complete_and_cited(faq):
    for e in faq.entries:
        assert e.question and e.answer, e.id
        assert 2 <= len(e.aliases) <= 5, e.id
        assert e.citations, e.id
        for c in e.citations:
            assert CITATION.match(c), (e.id, c)
        assert len(e.related) == 2 and e.id not in e.related, e.id
        for rel in e.related:
            assert faq.get(rel) is not None, (e.id, rel)


def test_answers_are_short_enough_for_a_phone(faq):
    for e in faq.entries:
        assert "。 " not in e.answer, e.id  # YAML folding spaces are tidied away
        sentences = [s for s in re.split(r"[。！？]", e.answer) if s.strip()]
        assert 2 <= len(sentences) <= 6, e.id
        assert len(e.answer) <= 220, e.id


def test_regional_figures_are_filled_in(faq):
    for e in faq.entries:
        assert not re.search(r"\{[a-z_.]+\}", e.answer + e.question), e.id
    figures = yaml.safe_load((CONTENT / "regional_figures.yaml").read_text(encoding="utf-8"))["figures"]
    minimum = faq.get("wage-below-minimum").answer
    assert str(figures["zhejiang_min_wage_tier1"]["value"]) in minimum
    effective = figures["zhejiang_min_wage_tier1"]["effective_date"]
    assert f"{effective.year}年{effective.month}月{effective.day}日起执行" in minimum


def test_key_entries_cite_the_right_article(faq):
    cited = {e.id: e.citations for e in faq.entries}
    assert "《劳动合同法》第八十二条" in cited["contract-no-written-double-pay"]
    assert "《劳动争议调解仲裁法》第二十七条" in cited["arbitration-time-limit"]
    assert "《工伤保险条例》第十七条" in cited["injury-application-deadline"]
    assert "《劳动合同法》第四十七条" in cited["dismissal-compensation-n"]
    assert "《劳动合同法》第八十七条" in cited["dismissal-unlawful-2n"]
    assert "《劳动合同法》第四十条" in cited["dismissal-n-plus-one"]
    assert "《劳动法》第四十四条" in cited["overtime-pay-rates"]
    assert "《劳动合同法》第十九条" in cited["contract-probation-length"]
    assert "《劳动合同法》第三十八条" in cited["wage-arrears-resign-with-compensation"]


def test_topics_have_chinese_titles(faq):
    topics = dict(faq.topics())
    assert list(topics) == list(TOPICS)
    assert topics["wage_arrears"] == "拖欠工资"


# ---- what a worker reads ------------------------------------------------------------------
def test_an_answer_gives_its_legal_basis_and_the_hotline(faq):
    text = faq.format_answer(faq.get("contract-no-written-double-pay"))
    assert "依据：" in text and "《劳动合同法》第八十二条" in text
    assert "一般性的法律信息" in text and "12351" in text


def test_legal_aid_says_who_what_and_how(faq):
    assert {"who_qualifies", "what_to_bring", "how_it_works"} <= set(faq.legal_aid)
    text = faq.format_legal_aid()
    assert "工会会员" in text and "身份证" in text and "12351" in text


# ---- retrieval, as workers ask ------------------------------------------------------------
@pytest.mark.parametrize("message, expected", [
    ("公司三个月没发工资了怎么办", "wage-arrears-what-to-do"),
    ("老板跑路了", "wage-arrears-boss-disappeared"),
    ("包工头不给钱", "wage-arrears-contractor-ran"),
    ("入职半年了老板一直不签合同", "contract-no-written-double-pay"),
    ("上班路上被车撞了算工伤吗", "injury-commute-accident"),
    ("仲裁时效是多久", "arbitration-time-limit"),
    ("怀孕了公司要辞退我", "leave-pregnancy-dismissal"),
    ("加班費怎麼算", "overtime-pay-rates"),
    ("ＨＲ说我绩效不合格让我明天别来了", "dismissal-performance"),
    ("单位扣着我的身份证不给", "other-labor-id-card-withheld"),
    ("我想申请法律援助", "arbitration-legal-aid"),
    ("我想问一下工伤怎么认定", "injury-application-deadline"),  # not the occupational-disease entry
    ("怎么认定工伤", "injury-application-deadline"),
])
def test_a_worker_question_finds_its_answer(faq, message, expected):
    hit = faq.best_answer(message)
    assert hit is not None and hit.entry.id == expected, (message, hit)


@pytest.mark.parametrize("message, topic", [
    ("干了一个月活老板一分钱没给", "wage_arrears"),
    ("国庆节叫我们来上班给几倍工资", "overtime_hours"),
    ("试用期可以签半年吗", "labor_contract"),
    ("厂里要裁员我能拿多少钱", "dismissal_compensation"),
    ("在车间干活被机器轧伤了手", "work_injury"),
    ("公司不给我们交五险一金", "social_insurance"),
    ("年假公司不让休", "leave_maternity"),
    ("劳动仲裁去哪里申请", "arbitration_procedure"),
    ("公司收了我押金不退", "other_labor"),
])
def test_questions_in_everyday_words_land_in_the_right_topic(faq, message, topic):
    hit = faq.best_answer(message)
    assert hit is not None and hit.entry.topic == topic, (message, hit)


def test_the_double_pay_answer_cites_article_82(faq):
    hit = faq.best_answer("入职半年了老板一直不签合同")
    assert "《劳动合同法》第八十二条" in hit.entry.citations


def test_a_pregnant_worker_being_fired_gets_the_protection_answer(faq):
    hit = faq.best_answer("怀孕了公司要辞退我")
    assert hit.entry.topic in ("leave_maternity", "dismissal_compensation")
    assert "孕期" in hit.entry.answer


@pytest.mark.parametrize("message", ["今天天气怎么样", "讲个笑话", "你好", "我想买股票", "帮我订个外卖", "", "？？？"])
def test_unrelated_messages_get_no_answer(faq, message):
    assert faq.best_answer(message) is None


def test_search_returns_at_most_limit_hits_best_first(faq):
    hits = faq.search("被辞退了有补偿吗", limit=3)
    assert 1 <= len(hits) <= 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_the_topic_from_the_matcher_lifts_its_entries_in_an_ambiguous_question(faq):
    def rank(topic_prior):
        ids = [h.entry.id for h in faq.search("被辞退了怎么办", topic_prior=topic_prior, limit=20)]
        return ids.index("leave-pregnancy-dismissal") if "leave-pregnancy-dismissal" in ids else 99

    assert faq.best_answer("被辞退了怎么办").entry.topic == "dismissal_compensation"
    assert rank("leave_maternity") < rank(None)
    assert faq.best_answer("我怀孕三个月公司说要辞退我", topic_prior="leave_maternity").entry.id == "leave-pregnancy-dismissal"


def test_the_topic_prior_only_raises_scores_of_its_topic(faq):
    plain = {h.entry.id: h.score for h in faq.search("受伤了没人管", limit=75)}
    boosted = {h.entry.id: h.score for h in faq.search("受伤了没人管", topic_prior="work_injury", limit=75)}
    for entry_id, score in plain.items():
        if faq.get(entry_id).topic == "work_injury":
            assert boosted[entry_id] > score
        else:
            assert boosted[entry_id] == score


# ---- bad content is refused, naming the file and the entry -------------------------------
@pytest.fixture
def content_copy(tmp_path) -> Path:
    shutil.copytree(CONTENT / "legal", tmp_path / "legal")
    shutil.copy(CONTENT / "regional_figures.yaml", tmp_path / "regional_figures.yaml")
    return tmp_path


def _edit_entry(content_dir: Path, entry_id: str, **changes) -> None:
    path = content_dir / "legal" / "faq.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(e for e in data["entries"] if e["id"] == entry_id)
    for key, value in changes.items():
        if value is None:
            entry.pop(key)
        else:
            entry[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_copy_loads_before_it_is_broken(content_copy):
    assert len(LegalFAQ.load(content_copy, tokenize=chars).entries) >= 60


@pytest.mark.parametrize("changes, complaint", [
    ({"topic": "lottery"}, "unknown topic"),
    ({"related": ["overtime-pay-rates", "no-such-entry"]}, "unknown related id 'no-such-entry'"),
    ({"answer": "最低工资是{zhejiang_min_wage_tier9}元。"}, "unfilled placeholder {zhejiang_min_wage_tier9}"),
    ({"citations": None}, "missing field(s) citations"),
    ({"citations": ["劳动法第五十条"]}, "citation not shaped"),
    ({"aliases": ["只有一个"]}, "'aliases' needs 2-5 items"),
])
def test_a_bad_entry_is_refused_with_its_name(content_copy, changes, complaint):
    _edit_entry(content_copy, "wage-below-minimum", **changes)
    with pytest.raises(ContentError) as raised:
        LegalFAQ.load(content_copy, tokenize=chars)
    message = str(raised.value)
    assert "faq.yaml" in message and "wage-below-minimum" in message and complaint in message


def test_a_figure_without_its_source_is_refused(content_copy):
    path = content_copy / "regional_figures.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["figures"]["zhejiang_min_wage_tier2"]["source"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"regional_figures.yaml \[entry zhejiang_min_wage_tier2\]: missing source"):
        LegalFAQ.load(content_copy, tokenize=chars)


def test_a_disclaimer_without_the_hotline_is_refused(content_copy):
    (content_copy / "legal" / "disclaimer.yaml").write_text("text: 仅供参考。\n", encoding="utf-8")
    with pytest.raises(ContentError, match="12351"):
        LegalFAQ.load(content_copy, tokenize=chars)


@pytest.mark.parametrize("message, expected", [
    ("老板欠了我们三个月工钱还不接电话", "wage_arrears"),
    ("工厂要我们每天干到晚上十一点", "overtime_hours"),
    ("合同到期公司不跟我续了，有补偿吗", "labor_contract"),
    ("下班骑车回家摔了一跤", "work_injury"),
    ("社保交了几年了，换城市了怎么办", "social_insurance"),
    ("我生二胎能休多久产假", "leave_maternity"),
    ("申请仲裁要准备什么材料", "arbitration_procedure"),
    ("签了合同公司说要扣我违约金", "other_labor"),
])
def test_phrasings_not_written_into_the_content_still_land_in_their_topic(faq, message, expected):
    hit = faq.best_answer(message)
    assert hit is not None and hit.entry.topic == expected, (message, hit)


def test_held_out_legal_messages_mostly_find_their_topic(faq):
    heldout = Path(__file__).resolve().parents[1] / "nlu" / "heldout.jsonl"
    if not heldout.exists():
        pytest.skip("no held-out messages")
    import json

    rows = [json.loads(line) for line in heldout.read_text(encoding="utf-8").splitlines() if line.strip()]
    legal = [r for r in rows if r.get("topic")]
    right = sum(1 for r in legal if (hit := faq.best_answer(r["text"])) and hit.entry.topic == r["topic"])
    assert right / len(legal) >= 0.8


def test_figures_awaiting_verification_are_listed():
    pending = unverified_figures(CONTENT / "regional_figures.yaml")
    assert all(isinstance(key, str) for key in pending)
    assert "national_public_holidays" not in pending
