"""The learned second opinion: training writes a model that loads, a model of other content is refused, and the
combining rule behaves as its docstring (bot/nlu/combining.py) says."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from bot.nlu import IntentMatcher
from bot.nlu import matcher as matcher_module
from bot.nlu.combining import combine
from bot.nlu.match import Match
from bot.nlu.model import LearnedModel, check_model, content_version, model_path
from bot.nlu.phrasebook import load_content
from bot.nlu.scoring import RuleOpinion
from bot.nlu.training import train

from .conftest import CONTENT_DIR, PROJECT_ROOT


@pytest.fixture
def content_copy(tmp_path):
    """A private copy of content/nlu (with the committed model) that a test may edit."""
    shutil.copytree(CONTENT_DIR / "nlu", tmp_path / "content" / "nlu")
    return tmp_path / "content"


def _edit_intents(content_dir, old, new):
    intents = content_dir / "nlu" / "intents.yaml"
    text = intents.read_text(encoding="utf-8")
    assert old in text
    intents.write_text(text.replace(old, new, 1), encoding="utf-8")
    stat = intents.stat()
    os.utime(intents, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


# -- the committed model ---------------------------------------------------------------------------------------

def test_the_committed_model_belongs_to_the_committed_content():
    check_model(CONTENT_DIR)  # raises when someone edited content/nlu without `python -m bot nlu train`


def test_the_matcher_uses_the_committed_model(matcher):
    assert matcher.model is not None, matcher.model_status
    assert matcher.model.content_version == content_version(CONTENT_DIR)


# -- training --------------------------------------------------------------------------------------------------

def test_training_writes_a_model_that_loads_and_is_used(content_copy, tmp_path):
    sets = sorted((PROJECT_ROOT / "tests" / "nlu").glob("heldout_r2_*.jsonl"))  # every intent and topic, 562 rows
    rows = [json.loads(line) for path in sets for line in path.read_text(encoding="utf-8").splitlines() if line]
    out = model_path(content_copy)
    out.unlink()
    summary = train(content_copy, out, sets=sets, phrases=False)
    assert summary["examples"] == len(rows) and summary["features"] > 100
    model = LearnedModel.load(out)
    assert model.content_version == content_version(content_copy)
    check_model(content_copy)
    matcher = IntentMatcher.from_content(content_copy, cache_dir=tmp_path / "cache")
    assert matcher.model is not None, matcher.model_status
    intents, topics = matcher.model.predict(matcher.normalize("我要转人工"), ["我要", "转", "人工"])
    assert abs(sum(p for _, p in intents) - 1.0) < 1e-6 and abs(sum(p for _, p in topics) - 1.0) < 1e-6
    # Trained on these very rows, the model must know most of them.
    right = sum(matcher.model.predict(matcher.normalize(r["text"]), matcher.segmenter.words(
        matcher.normalize(r["text"])))[0][0][0] == r["intent"] for r in rows)
    assert right / len(rows) > 0.8


# -- a model of other content is refused -----------------------------------------------------------------------

def test_a_content_edit_makes_the_model_refused_not_silently_used(content_copy, tmp_path):
    _edit_intents(content_copy, "      活动: 4\n", "      活动: 4\n      蹦迪: 5\n")
    matcher = IntentMatcher.from_content(content_copy, cache_dir=tmp_path / "cache")
    assert matcher.model is None
    assert "nlu train" in matcher.model_status
    with pytest.raises(ValueError, match="nlu train"):
        check_model(content_copy)
    # The rules answer alone.
    text = "能不能找个活人聊聊"
    assert matcher.classify(text) == matcher.rules_only(text)


def test_a_content_edit_while_running_drops_the_model_at_reload(content_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(matcher_module, "_RELOAD_CHECK_SECONDS", 0.0)
    matcher = IntentMatcher.from_content(content_copy, cache_dir=tmp_path / "cache")
    assert matcher.model is not None
    _edit_intents(content_copy, "      活动: 4\n", "      活动: 4\n      蹦迪: 5\n")
    assert matcher.reload_if_changed() is True
    assert matcher.model is None and "refused" in matcher.model_status
    assert matcher.classify("蹦迪").intent == "activity"


def test_a_model_for_other_intents_is_refused(content_copy, tmp_path):
    path = model_path(content_copy)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["intent"]["labels"][0] = "join_the_party"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="intents"):
        check_model(content_copy)
    assert IntentMatcher.from_content(content_copy, cache_dir=tmp_path / "cache").model is None


def test_a_missing_model_leaves_the_rules_alone_and_fails_the_check(content_copy, tmp_path):
    model_path(content_copy).unlink()
    matcher = IntentMatcher.from_content(content_copy, cache_dir=tmp_path / "cache")
    assert matcher.model is None and "no learned model" in matcher.model_status
    with pytest.raises(ValueError, match="no learned model"):
        check_model(content_copy)


# -- the combining rule ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def book():
    return load_content(CONTENT_DIR)


def _opinion(intent, probs, *, topic=None, confident=True, negated=False, patterned=False, norm="随便说点什么"):
    best = max(probs.values()) if probs else 0.0
    candidates = tuple(sorted(probs.items(), key=lambda kv: kv[1], reverse=True))[:3]
    match = Match(intent, topic, best, confident, candidates, ("词",), norm, negated)
    return RuleOpinion(match, probs, topic, patterned)


UNSURE_MODEL = [("legal_consult", 0.45), ("rights_complaint", 0.4), ("report", 0.15)]


def test_negation_lets_the_rules_answer_alone(book):
    opinion = _opinion("legal_consult", {"legal_consult": 0.6}, negated=True)
    assert combine(opinion, [("join_union", 0.99)], [], book) is opinion.match


def test_a_confident_pattern_lets_the_rules_answer_alone(book):
    opinion = _opinion("report", {"report": 0.8}, patterned=True)
    assert combine(opinion, [("benefit_query", 0.95)], [], book) is opinion.match


def test_an_unsure_pattern_is_combined(book):
    opinion = _opinion("report", {"report": 0.4}, patterned=True, confident=False)
    match = combine(opinion, [("benefit_query", 0.95)], [], book)
    assert match.intent == "benefit_query" and not match.confident


def test_forms_and_numbered_choices_are_the_rules_business(book):
    opinion = _opinion("activity", {"activity": 0.3}, confident=False)
    assert combine(opinion, [("human_agent", 0.99)], [], book, in_form=True) is opinion.match
    digits = _opinion("greeting_help", {}, confident=False, norm="2")
    assert combine(digits, [("human_agent", 0.99)], [], book) is digits.match


def test_agreement_makes_a_confident_answer(book):
    opinion = _opinion("activity", {"activity": 0.55}, confident=True)
    match = combine(opinion, [("activity", 0.8), ("benefit_query", 0.2)], [], book)
    assert match.intent == "activity" and match.confident and match.score == pytest.approx(0.675, abs=1e-3)


def test_disagreement_when_neither_is_sure_asks_with_both_candidates(book):
    opinion = _opinion("join_union", {"join_union": 0.55, "membership_query": 0.2}, confident=True)
    match = combine(opinion, [("out_of_scope", 0.6), ("join_union", 0.1), ("benefit_query", 0.3)], [], book)
    assert not match.confident
    assert {intent for intent, _ in match.candidates[:2]} == {"join_union", "out_of_scope"}


def test_the_model_alone_never_makes_the_bot_answer(book):
    opinion = _opinion("join_union", {"join_union": 0.35}, confident=False)
    match = combine(opinion, [("out_of_scope", 0.97), ("join_union", 0.03)], [], book)
    assert match.intent == "out_of_scope" and not match.confident
    assert [i for i, _ in match.candidates[:2]] == ["out_of_scope", "join_union"]


def test_a_confident_rule_the_model_contradicts_becomes_a_question(book):
    opinion = _opinion("join_union", {"join_union": 0.7}, confident=True)
    match = combine(opinion, [("out_of_scope", 0.9), ("join_union", 0.05)], [], book)
    assert not match.confident
    assert {i for i, _ in match.candidates[:2]} == {"join_union", "out_of_scope"}


def test_when_the_rules_placed_nothing_their_question_stands(book):
    opinion = _opinion("out_of_scope", {}, confident=False, norm="想找个活人聊")
    assert combine(opinion, [("human_agent", 0.9)], [], book) is opinion.match


def test_a_legal_answer_takes_the_rules_topic_or_the_default(book):
    model_topics = [("work_injury", 0.7), ("wage_arrears", 0.3)]
    named = _opinion("legal_consult", {"legal_consult": 0.4}, topic="wage_arrears", confident=False)
    assert combine(named, [("legal_consult", 0.9)], model_topics, book).topic == "wage_arrears"
    unnamed = _opinion("activity", {"activity": 0.4}, confident=False)
    assert combine(unnamed, [("legal_consult", 0.9)], model_topics, book).topic == book.default_topic
    other = _opinion("legal_consult", {"legal_consult": 0.4}, topic="wage_arrears", confident=False)
    assert combine(other, [("activity", 0.9)], model_topics, book).topic is None


def test_two_opinions_that_agree_answer_even_when_the_rules_alone_would_ask(book):
    opinion = _opinion("activity", {"activity": 0.45}, confident=False)
    match = combine(opinion, [("activity", 0.7), ("benefit_query", 0.3)], [], book)
    assert match.intent == "activity" and match.confident
    vetoed = combine(opinion, [("activity", 0.7), ("benefit_query", 0.3)], [], book, rule="veto")
    assert not vetoed.confident  # round 2's rule kept the rules' own confidence as a condition


def test_two_opinions_whose_best_intents_differ_ask_however_sure_the_model(book):
    opinion = _opinion("benefit_query", {"benefit_query": 0.5, "activity": 0.45}, confident=True)
    match = combine(opinion, [("activity", 0.99)], [], book)
    assert match.intent == "activity" and match.score >= 0.7 and not match.confident
    assert {i for i, _ in match.candidates[:2]} == {"activity", "benefit_query"}
