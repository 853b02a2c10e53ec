"""The labels the matcher gives and the Match it returns (shared by the rules, the model and the dialogue)."""
from __future__ import annotations

from dataclasses import dataclass

INTENTS = (
    "join_union", "membership_query", "legal_consult", "rights_complaint", "report", "chairman_mailbox",
    "benefit_query", "hardship_aid", "activity", "greeting_help", "human_agent", "out_of_scope",
)
LEGAL_INTENTS = ("legal_consult", "rights_complaint")
TOPIC_PREFIX = "topic:"


@dataclass(frozen=True)
class Match:
    """What a worker's message asks for, and how sure we are."""

    intent: str            # one of the 12 labels; the best guess even when unsure
    topic: str | None      # legal topic for legal_consult / rights_complaint, else None
    score: float           # confidence 0..1
    confident: bool        # False -> the dialogue must ask a clarifying question
    candidates: tuple[tuple[str, float], ...]  # top 3 (intent, score), best first
    keywords: tuple[str, ...]   # the matched keywords
    normalized: str        # text after normalisation
    negated: bool = False  # a negation (不是要投诉, 不想入会, 就问问) changed some weights

