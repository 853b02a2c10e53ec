"""Rule scoring: scan a normalised message for content phrases and patterns, and turn the scores into a Match."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from bot.nlu.match import INTENTS, LEGAL_INTENTS, TOPIC_PREFIX, Match
from bot.nlu.phrasebook import Phrasebook

_SHORT = 2  # CJK phrases of at most this many characters count only as whole jieba tokens
_WEAK_HINT_SCORE = 0.2  # confidence of a guess from a workplace word alone (always below the threshold)


def _latin_bounded(text: str, start: int, length: int) -> bool:
    """Return True when a latin phrase at start is a whole word (hi in 'hi', not in 'this')."""
    before = text[start - 1] if start > 0 else " "
    after = text[start + length] if start + length < len(text) else " "
    return not ("a" <= before <= "z") and not ("a" <= after <= "z")


def _whole_word(norm: str, cuts: frozenset[int], start: int, length: int) -> bool:
    """Return True when a short phrase at start is a word of its own in jieba's reading of the message.

    One character must be a whole token (会 not in 开会, 好 not in 好几个 or 最好, 伤 not in 伤害). Two characters
    must begin or end a token: the head or the modifier of a compound keeps its sense (比赛 in 篮球比赛, 辞职 in
    辞职信), a pair cut across two words is a coincidence (入会 in 收入/会费, 天气 in 今天/气温). A doubled word
    made of the phrase's own characters counts too (喂喂, 吃吃喝喝).
    """
    end = start + length
    if (start in cuts and end in cuts) or (length > 1 and (start in cuts or end in cuts)):
        return True
    token_start = max(c for c in cuts if c <= start)
    token_end = min(c for c in cuts if c >= end)
    return set(norm[token_start:token_end]) <= set(norm[start:end])


Boundaries = Callable[[str], frozenset[int]]


def scan(norm: str, content: Phrasebook,
         boundaries: Boundaries | None = None) -> tuple[dict[str, float], list[str], bool, bool]:
    """Return raw scores per intent and topic, the matched phrases, whether a negation applied and a pattern matched.

    boundaries(norm) gives jieba's token boundaries; a short phrase counts only where it is a whole token.
    """
    settings = content.settings
    cuts: frozenset[int] | None = None
    phrases, by_start = content.phrases, content.by_start
    n = len(norm)
    story = n >= settings["long_message"]
    # In a long story the situation's words pile up; a procedure question at its end must still be heard.
    asking_topics = content.asking_topics if n >= settings["long_story"] else frozenset()
    end_start = int(n * settings["end_fraction"])
    window = int(settings["negation_window"])
    # Negators as (start, end); one inside a matched phrase (是不是, 不要机器人) negates nothing.
    negators: list[list[int]] = []
    for negator in content.negators:
        start = norm.find(negator)
        while start != -1:
            negators.append([start, start + len(negator)])
            start = norm.find(negator, start + 1)
    scores: dict[str, float] = {}
    matched: list[str] = []
    negated = False
    last_end = 0
    i = 0
    while i < n:
        # Every phrase that may start here, longest first (see Phrasebook.by_start).
        bucket = by_start.get(norm[i:i + 2]) or by_start.get(norm[i])
        hit = None
        if bucket:
            for phrase in bucket:
                if not norm.startswith(phrase, i):
                    continue
                if phrase.isascii():
                    if not _latin_bounded(norm, i, len(phrase)):
                        continue
                elif len(phrase) <= _SHORT and boundaries is not None:
                    if cuts is None:
                        cuts = boundaries(norm)
                    if not _whole_word(norm, cuts, i, len(phrase)):
                        continue
                hit = phrase
                break
        if hit is None:
            i += 1
            continue
        end = i + len(hit)
        factor = settings["end_boost"] if story and i >= end_start else 1.0
        if negators:
            # Only the first phrase after a negator is negated: 不想入会 yes, 不要女的算不算 (算不算) no.
            if any(last_end <= neg_end <= i and i - neg_end <= window and neg_start >= last_end
                   for neg_start, neg_end in negators):
                factor = -factor
                negated = True
            negators = [span for span in negators if not i <= span[0] < end]
        for label, weight in phrases[hit].items():
            # The end of a story holds the ask (an intent), not the situation (a topic): no end boost for topics,
            # except those that are themselves a question of what to do next (how to go to arbitration).
            # Nor does a negator turn a situation around: 不要加班费, 不给交社保, 不是工伤吗 are still about it.
            if label.startswith(TOPIC_PREFIX) and label not in asking_topics:
                scale = 1.0
            else:
                scale = factor
            # A negated phrase argues against its intent; a negated "against" phrase stays neutral.
            value = weight * scale if weight > 0 or scale > 0 else 0.0
            scores[label] = scores.get(label, 0.0) + value
        # An opener speaks for the whole message only when something follows it (感谢 alone is a thank-you).
        for label, bonus in content.openers.get(hit, {}).items() if i == 0 and n - end >= 4 else ():
            scores[label] = scores.get(label, 0.0) + bonus
        matched.append(hit)
        last_end = end
        i = end
    patterned = False
    # Only the patterns whose required characters the message holds (the others cannot match), in file order.
    for pattern in content.pattern_index.candidates(norm):
        found = pattern.search(norm)
        if found is None:
            continue
        start = found.start()
        # 不想入杭州的工会: a negator just before (or overlapping) the match turns it around.
        near = norm[max(0, start - 3):start + 1]
        sign = -1.0 if any(negator in near for negator in content.negators) else 1.0
        negated = negated or sign < 0
        matched.append(found.group(0))
        patterned = True
        for label, weight in pattern.weights.items():
            scores[label] = scores.get(label, 0.0) + sign * weight
    for cue, penalties in content.ask_only.items():
        if cue in norm:
            negated = True
            matched.append(cue)
            for label, weight in penalties.items():
                scores[label] = scores.get(label, 0.0) + weight
    return scores, matched, negated, patterned


def best_topic(scores: dict[str, float]) -> tuple[str | None, float]:
    """Return the topic with the highest positive score, and that score (None, 0 when none)."""
    best, best_score = None, 0.0
    for label, value in scores.items():
        if label.startswith(TOPIC_PREFIX) and value > best_score:
            best, best_score = label[len(TOPIC_PREFIX):], value
    return best, best_score


@dataclass(frozen=True)
class RuleOpinion:
    """What the rules say about a message: their Match, their confidence in every intent, and how precise it is."""

    match: Match
    probs: dict[str, float]  # intent -> confidence (sums to less than 1: the rest is "none of these")
    topic: str | None        # the topic whose words were found (None when none), whatever the intent
    patterned: bool          # a pattern (a way of asking) matched


def score_rules(content: Phrasebook, text: str, norm: str, boundaries: Boundaries | None,
                in_form: bool = False) -> Match:
    """Return the rules' Match for a message (text as written, norm normalised with content's corrections)."""
    return rule_opinion(content, text, norm, boundaries, in_form).match


def rule_opinion(content: Phrasebook, text: str, norm: str, boundaries: Boundaries | None,
                 in_form: bool = False) -> RuleOpinion:
    """Return the rules' opinion of a message: their Match and the distribution it came from."""
    settings = content.settings
    scores, matched, negated, patterned = scan(norm, content, boundaries) if norm else ({}, [], False, False)
    topic, topic_score = best_topic(scores)
    named_topic = topic
    intent_scores = {intent: scores.get(intent, 0.0) for intent in INTENTS}
    if topic_score > 0:
        # A story's labour words say what it is about, not who should act. The intent its own words ask for most
        # (我要维权 after a dismissal story asks to act; 合法吗 asks what the law says) takes the topic at full weight.
        weights = content.topic_to_intent
        asked = max(weights, key=lambda intent: intent_scores.get(intent, 0.0), default=None)
        full = max(weights.values(), default=0.0)
        for intent, weight in weights.items():
            lifted = intent == asked and intent_scores[intent] > 0
            intent_scores[intent] += (full if lifted else weight) * topic_score
    else:
        # "Help us" with no labour problem named (a family in need, a complaint about a neighbour) is weaker
        # evidence for the intents that are about a labour dispute.
        for intent, factor in content.needs_topic.items():
            if intent_scores[intent] > 0:
                intent_scores[intent] *= factor
    ranked = sorted(intent_scores.items(), key=lambda kv: kv[1], reverse=True)
    top_intent, top_raw = ranked[0]
    if top_raw <= 0:
        return RuleOpinion(unplaced(content, norm, matched, negated, topic), {}, topic, patterned)
    temperature = settings["temperature"]
    exps = {i: math.exp(min(s, 60.0) / temperature) for i, s in intent_scores.items() if s > 0}
    total = sum(exps.values()) + math.exp(settings["null_score"] / temperature)
    probs = sorted(((i, e / total) for i, e in exps.items()), key=lambda kv: kv[1], reverse=True)
    confidence = probs[0][1]
    candidates = tuple((i, round(p, 3)) for i, p in probs[:3])
    if len(candidates) < 3:
        extra = [(i, 0.0) for i in content.fallback if i not in dict(candidates)]
        candidates = (candidates + tuple(extra))[:3]
    confident = confidence >= settings["threshold"] and top_raw >= settings["min_score"]
    if in_form:
        confident = confident and _starts_new_request(content, text, norm, top_raw, confidence)
    if top_intent in LEGAL_INTENTS:
        topic = topic or content.default_topic
    else:
        topic = None
    return RuleOpinion(Match(top_intent, topic, round(confidence, 3), confident, candidates, tuple(matched), norm,
                             negated), dict(probs), named_topic, patterned)


def unplaced(content: Phrasebook, norm: str, matched: list[str], negated: bool, topic: str | None = None) -> Match:
    """Return the Match for a message no phrase or pattern placed (a weak hint's unsure guess, or nothing)."""
    # Nothing we know. A workplace word (老板, 厂里, 上班) still makes a labour question the likeliest reading:
    # guess it, unsure, and offer the services such a message usually wants. Otherwise "not our business" for
    # text, a greeting for emoji-only messages.
    for intent, words in content.weak_hints:
        hint = next((w for w in words if w in norm), None)
        if hint is not None:
            offered = content.weak_choices.get(intent, ()) + content.fallback
            order = (intent,) + tuple(dict.fromkeys(i for i in offered if i != intent))
            # Small made-up scores: a weak guess, but these are the services to offer (not the generic fallback).
            candidates = tuple((i, _WEAK_HINT_SCORE if n == 0 else _WEAK_HINT_SCORE / 2)
                               for n, i in enumerate(order[:3]))
            topic = (topic or content.default_topic) if intent in LEGAL_INTENTS else None
            return Match(intent, topic, _WEAK_HINT_SCORE, False, candidates, tuple(matched) + (hint,), norm,
                         negated)
    intent = "out_of_scope" if norm and not norm.isdigit() else "greeting_help"
    candidates = tuple((i, 0.0) for i in content.fallback[:3])
    return Match(intent, None, 0.0, False, candidates, tuple(matched), norm, negated)


def _starts_new_request(content: Phrasebook, text: str, norm: str, top_raw: float, confidence: float) -> bool:
    settings = content.settings
    if len(norm) < 3 or norm.isdigit() or top_raw < settings["in_form_min_score"]:
        return False
    if confidence < settings["in_form_threshold"]:
        return False
    asks = "?" in text or "？" in text or any(cue in norm for cue in content.request_cues)
    return asks
