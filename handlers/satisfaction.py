"""Satisfaction: "评分 5" (or 评价/满意度, with an optional ticket number and sentence) rates the latest answer."""
from __future__ import annotations

from bot.messages import Reply, TextReply
from bot.services.satisfaction import RatingRefused, Satisfaction
from bot.turn import Turn

PATTERN = r"^(评分|评价|满意度)\s*((?:WQ|JB|XX|BF|ZX|YZ|HD)\d{8}-?\d{3,})?\s*([1-5])\s*分?[\s，,。:：]*(.*)$"


def rate(turn: Turn) -> Reply:
    """Store the worker's score for the answer to their ticket and thank them."""
    found = turn.found
    number, score, comment = found.group(2), int(found.group(3)), found.group(4)
    if number and "-" not in number:
        number = f"{number[:10]}-{number[10:]}"
    service = Satisfaction(turn.services.database, turn.services.clock)
    try:
        rated = service.rate(turn.worker.person_id, score, comment=comment, number=number)
    except RatingRefused as refused:
        return TextReply(turn.say(refused.reason))
    key = "rating_thanks_unhappy" if score <= 2 else "rating_thanks"
    return TextReply(turn.say(key, number=rated.number, score=rated.score))
