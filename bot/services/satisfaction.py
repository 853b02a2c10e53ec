"""Satisfaction: a worker rates the answer to their ticket from 1 (不满意) to 5 (很满意), with a sentence if they like."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Ticket, TicketRating

RATEABLE = ("answered", "closed")
SATISFIED = 4  # 4 and 5 count as satisfied in the figures


class RatingRefused(ValueError):
    """Nothing to rate: `reason` names the reply that says why (rating_nothing_to_rate, rating_not_yours)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Rated:
    """The ticket rated and the score stored."""

    number: str
    score: int
    replaced: bool


class Satisfaction:
    """Stores ratings of answered tickets (built with the database and the clock)."""

    def __init__(self, database: Database, clock: Callable[[], datetime]):
        self.database = database
        self.clock = clock

    def rate(self, person_id: int, score: int, comment: str | None = None, number: str | None = None) -> Rated:
        """Rate the worker's ticket `number`, or their latest answered one; a second rating replaces the first."""
        if not 1 <= int(score) <= 5:
            raise ValueError("score must be 1 to 5")
        with self.database.session() as session:
            if number:
                ticket = session.scalar(select(Ticket).where(Ticket.number == number.upper()))
                if ticket is None or ticket.person_id != person_id:
                    raise RatingRefused("rating_not_yours")
                if ticket.status not in RATEABLE:
                    raise RatingRefused("rating_nothing_to_rate")
            else:
                ticket = session.scalar(select(Ticket).where(Ticket.person_id == person_id, Ticket.status.in_(RATEABLE))
                                        .order_by(Ticket.answered_at.desc(), Ticket.id.desc()).limit(1))
                if ticket is None:
                    raise RatingRefused("rating_nothing_to_rate")
            rating = session.scalar(select(TicketRating).where(TicketRating.ticket_id == ticket.id))
            replaced = rating is not None
            if rating is None:
                rating = TicketRating(ticket_id=ticket.id, person_id=person_id)
                session.add(rating)
            rating.score, rating.comment, rating.rated_at = int(score), (comment or "").strip()[:500] or None, self.clock()
            return Rated(ticket.number, int(score), replaced)
