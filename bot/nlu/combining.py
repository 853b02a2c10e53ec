"""The one rule that combines the keyword rules' opinion with the learned model's (see combine's docstring)."""
from __future__ import annotations

from bot.nlu.match import INTENTS, LEGAL_INTENTS, Match
from bot.nlu.phrasebook import Phrasebook
from bot.nlu.scoring import RuleOpinion


def rules_win(opinion: RuleOpinion, in_form: bool) -> bool:
    """Return True when the rules are precise enough to answer alone (see combine)."""
    match = opinion.match
    if in_form or not match.normalized or match.normalized.isdigit():
        return True  # a form in progress, a numbered choice, emoji only: the dialogue's own business
    if match.negated:
        return True  # 不是要投诉, 不想入会, 就问问: the rules read negation, the model does not
    return opinion.patterned and match.confident  # a way of asking that the content describes exactly


RULES = ("rules", "veto", "model", "avg", "agree")  # compared by bench/nlu_cv.py; CHOSEN is the one in use
CHOSEN = "agree"


def combine(opinion: RuleOpinion, model_intents: list[tuple[str, float]], model_topics: list[tuple[str, float]],
            content: Phrasebook, in_form: bool = False, rule: str = CHOSEN) -> Match:
    """Return the Match of a message from the rules' opinion and the learned model's probabilities.

    The combining rule ("agree", chosen by grouped cross-validation, see content/nlu/README.md):
    1. Precise rules win: in a form in progress, for a numbered choice (digits) or emoji only, when a negation or
       "just asking" cue changed the weights, and when a pattern matched and the rules are confident.
    2. When the rules placed nothing (no phrase, no pattern), their unsure Match stands: the bot asks, as before.
    3. Otherwise the two opinions are averaged: p(intent) = (1 - w) * p_rules + w * p_model, w = the
       `model_weight` setting of intents.yaml (0.5), and the combined best is the answer.
    4. It is confident when the combined best reaches `threshold` (0.5) and is also the rules' best and the
       model's best: the two agree. The rules need not have been confident on their own (little evidence, but
       the model reads the same). Otherwise the bot asks with the combined top candidates: a confident rule
       the model contradicts becomes a question, and the model never answers on its own. (Round 1 let a sure model answer alone: on the first-sight set of 2026-12-03 that doubled
       the confidently wrong answers; round 2, "veto", kept the rules' confidence as a condition.)
    5. The topic of a legal answer is the rules' (their default topic when no topic's words were found): a topic is
       only a hint for the legal FAQ, and the model's topic did not do better under cross-validation.

    rule names one of RULES for comparison: "rules" (rules alone), "model" (model alone), "veto" (round 2:
    confident only when the rules were), "avg" (the combined best answers at threshold), "agree" (above).
    """
    match = opinion.match
    if rule == "rules" or rules_win(opinion, in_form):
        return match
    settings = content.settings
    threshold = settings["threshold"]
    if rule == "model":
        intent, p = model_intents[0]
        topic = (opinion.topic or content.default_topic) if intent in LEGAL_INTENTS else None
        return Match(intent, topic, round(p, 3), p >= threshold, tuple(model_intents[:3]), match.keywords,
                     match.normalized, match.negated)
    if not opinion.probs:
        return match
    weight = settings["model_weight"]
    model = dict(model_intents)
    combined = {intent: (1.0 - weight) * opinion.probs.get(intent, 0.0) + weight * model.get(intent, 0.0)
                for intent in INTENTS}
    ranked = sorted(combined.items(), key=lambda kv: kv[1], reverse=True)
    intent, confidence = ranked[0]
    candidates = tuple((i, round(p, 3)) for i, p in ranked[:3])
    if rule == "veto":
        confident = match.confident and intent == match.intent and confidence >= threshold
    elif rule == "avg":
        confident = confidence >= threshold
    else:
        confident = intent == match.intent == model_intents[0][0] and confidence >= threshold
    if intent in LEGAL_INTENTS:
        topic = opinion.topic or content.default_topic
    else:
        topic = None
    return Match(intent, topic, round(confidence, 3), confident, candidates, match.keywords, match.normalized,
                 match.negated)
