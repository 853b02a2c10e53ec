"""The pattern gates skip only patterns that cannot match: every labelled message and random text agree."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.nlu.phrasebook import PatternIndex, RulePattern, load_content, required_chars

from .conftest import CONTENT_DIR, PROJECT_ROOT

DEV_SET = Path("/work/shared/eval/intents_dev.jsonl")
LABELLED = sorted((PROJECT_ROOT / "tests" / "nlu").glob("*.jsonl")) + ([DEV_SET] if DEV_SET.exists() else [])


@pytest.fixture(scope="module")
def content():
    return load_content(CONTENT_DIR)


def _skipped_matches(content, norm: str) -> list[str]:
    """Return the patterns that match norm but that the gates would not have searched."""
    searched = {id(pattern) for pattern in content.pattern_index.candidates(norm)}
    return [p.source for p in content.patterns if id(p) not in searched and re.search(p.source, norm)]


def test_no_labelled_message_loses_a_pattern(matcher, content):
    texts = [json.loads(line)["text"] for path in LABELLED
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) > 3000
    matched = 0
    for text in texts:
        norm = matcher.normalize(text)
        assert _skipped_matches(content, norm) == [], text
        matched += any(p.regex.search(norm) for p in content.pattern_index.candidates(norm))
    # The sets exercise the patterns (a gate that let nothing through would pass the assertion above too).
    assert matched > len(texts) // 3


def test_most_patterns_are_skipped_for_a_message(matcher, content):
    candidates = content.pattern_index.candidates(matcher.normalize("老板拖了我两个月工资了怎么办"))
    assert 0 < len(candidates) < len(content.patterns) // 5
    assert any(p.regex.search("老板拖了我两个月工资了怎么办") for p in candidates)


@pytest.mark.parametrize("source, gates", [
    ("工会", [{"工"}, {"会"}]),
    ("(社保|保险)没交", [{"没"}, {"交"}, {"社", "保"}]),
    ("[一-龥]{0,3}会员", [{"会"}, {"员"}]),
    ("(我|你)?要[一-龥]+", [{"要"}]),
    ("[工公]资{1,2}(?!卡)", [{"资"}, {"工", "公"}]),
    ("(?<![拖扣])压[0-9]{2}", [{"压"}, set("0123456789")]),
    ("谢谢(?=你)", [{"谢"}, {"你"}]),
    ("^(好|行)|嗯", [{"好", "行", "嗯"}]),
])
def test_required_chars_of_simple_shapes(source, gates):
    assert sorted(map(set, required_chars(source)), key=sorted) == sorted(gates, key=sorted)


@pytest.mark.parametrize("source", ["[一-龥]{2}", "工*", "(?i)abc", "[^我]", ".", r"\d+", "(工|.)资?", r"(?!工)\w"])
def test_what_a_gate_cannot_tell_requires_nothing(source):
    assert required_chars(source) == ()


_CONTENT = load_content(CONTENT_DIR)
# Text made of the patterns' own words (and a few other characters) matches some of them now and then.
_WORDS = sorted({run for p in _CONTENT.patterns for run in re.findall(r"[\u4e00-\u9fff0-9a-z]+", p.source)})
_text = st.lists(st.one_of(st.sampled_from(_WORDS), st.sampled_from(list("的了我你他不没要想被给钱工会12"))),
                 max_size=12).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_text)
def test_random_text_loses_no_pattern(text):
    assert _skipped_matches(_CONTENT, text) == []


def test_index_keeps_content_order_and_patterns_without_gates():
    patterns = [RulePattern("工会", {}), RulePattern("[一-龥]{2}", {}), RulePattern("会员", {})]
    index = PatternIndex(patterns, ["工会", "会员"])
    assert [p.source for p in index.candidates("工会会员")] == ["工会", "[一-龥]{2}", "会员"]
    assert [p.source for p in index.candidates("你好")] == ["[一-龥]{2}"]
