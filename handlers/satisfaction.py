"""Satisfaction: the three-choice question after an answer (1/2/3 or 满意/基本满意/不满意), and "评分 5".

"评分 5" (or 评价/满意度, with an optional ticket number and sentence) rates the latest answer. After
staff answer a ticket the worker's notice asks 满意 / 基本满意 / 不满意: the numbers are the choices the
notice set (bot/services/satisfaction.py RatingQuestion), the words are a text pattern. An unsatisfied
rating reopens the ticket; the next sentence the worker types is kept as the reason.
"""
from __future__ import annotations

import re

from bot.messages import Reply, TextReply
from bot.services.satisfaction import ACTIVITY_ASKED, ACTIVITY_COMMENT_FOR, ASKED, REASON_FOR, RatingRefused
from bot.services.tickets import WORKER_ACTOR
from bot.turn import Turn

PATTERN = r"^(评分|评价|满意度)\s*((?:WQ|JB|XX|BF|ZX|YZ|HD)\d{8}-?\d{3,})?\s*([1-5])\s*分?[\s，,。:：]*(.*)$"
# The three choices in words, with what may follow ("不满意，还是没人管"): the rest is the reason.
WORDS_PATTERN = re.compile(r"^(非常|很|挺|比较|还算|基本)?(满意|一般|还行|还可以|凑合|不满意|不太满意|很不满意|非常不满意)"
                           r"[。！!，,.\s]*(.*)$")
# The middle choice (基本满意, stored 4) in the words workers also use for it.
SCORE_OF_WORD = {"满意": 5, "一般": 4, "还行": 4, "还可以": 4, "凑合": 4}
# Requests that start something else rather than say why the worker was unhappy.
NOT_A_REASON = ("join_union", "membership_query", "benefit_query", "activity", "greeting_help", "human_agent")


def rate(turn: Turn) -> Reply:
    """Store the worker's score for the answer to their ticket and thank them."""
    found = turn.found
    number, score, comment = found.group(2), int(found.group(3)), found.group(4)
    if number and "-" not in number:
        number = f"{number[:10]}-{number[10:]}"
    return _rate(turn, score, comment, number)


def rate_choice(turn: Turn) -> Reply:
    """"@action:rate:<number>:<score>": a number answering the question in the answer's notice."""
    number, _, score = (turn.argument or "").rpartition(":")
    if not number or not score.isdigit():
        return TextReply(turn.say("choice_expired"))
    return _rate(turn, int(score), None, number)


def rate_in_words(turn: Turn) -> Reply | None:
    """"满意" / "基本满意" / "一般" / "不满意，还是没人管" right after the question; not our business otherwise."""
    number, activity_id = turn.state.context.get(ASKED), turn.state.context.get(ACTIVITY_ASKED)
    if not number and not activity_id:
        return None
    degree, word, rest = turn.found.group(1) or "", turn.found.group(2), turn.found.group(3)
    score = 1 if word.startswith(("不", "很不", "非常不")) else SCORE_OF_WORD.get(word, 4)
    if degree == "基本" and score == 5:
        score = 4  # 基本满意: satisfied, not fully
    if activity_id:
        return _rate_activity(turn, int(activity_id), score, rest or None)
    return _rate(turn, score, rest or None, number)


def rate_activity_choice(turn: Turn) -> Reply:
    """"@action:rate_activity:<activity id>:<score>": a number answering the question after an activity."""
    activity_id, _, score = (turn.argument or "").rpartition(":")
    if not activity_id.isdigit() or not score.isdigit():
        return TextReply(turn.say("choice_expired"))
    return _rate_activity(turn, int(activity_id), int(score), None)


def unsatisfied_reason(turn: Turn) -> Reply | None:
    """The sentence a worker types after rating 不满意 (or after rating an activity): kept with the rating."""
    number = turn.state.context.pop(REASON_FOR, None)
    activity_id = turn.state.context.pop(ACTIVITY_COMMENT_FOR, None)
    if not number and not activity_id:
        return None
    match = turn.services.matcher.classify(turn.text)
    if match.confident and match.intent in NOT_A_REASON:
        return None
    if activity_id:
        turn.services.activity_satisfaction.add_comment(turn.worker.person_id, int(activity_id), turn.text)
        return TextReply(turn.say("activity_rating_comment_thanks"))
    turn.services.satisfaction.add_reason(turn.worker.person_id, number, turn.text)
    turn.services.audit(WORKER_ACTOR, "ticket.reopen_reason", number)
    return TextReply(turn.say("rating_reason_thanks", number=number))


def _rate(turn: Turn, score: int, comment: str | None, number: str | None) -> Reply:
    turn.state.context.pop(ASKED, None)
    try:
        rated = turn.services.satisfaction.rate(turn.worker.person_id, score, comment=comment, number=number)
    except RatingRefused as refused:
        return TextReply(turn.say(refused.reason))
    if rated.reopened:
        if not comment:
            turn.state.context[REASON_FOR] = rated.number
            return TextReply(turn.say("rating_reopened_ask_reason", number=rated.number))
        return TextReply(turn.say("rating_reopened", number=rated.number))
    return TextReply(turn.say("rating_thanks", number=rated.number, score=rated.score))


def _rate_activity(turn: Turn, activity_id: int, score: int, comment: str | None) -> Reply:
    turn.state.context.pop(ACTIVITY_ASKED, None)
    try:
        title = turn.services.activity_satisfaction.rate(turn.worker.person_id, activity_id, score, comment=comment)
    except RatingRefused as refused:
        return TextReply(turn.say(refused.reason))
    if comment:
        return TextReply(turn.say("activity_rating_noted", title=title))
    turn.state.context[ACTIVITY_COMMENT_FOR] = activity_id  # a sentence may follow
    return TextReply(turn.say("activity_rating_sorry" if score <= 2 else "activity_rating_thanks", title=title))
