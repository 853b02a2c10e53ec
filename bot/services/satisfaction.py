"""Satisfaction: a worker rates the answer to their ticket from 1 (不满意) to 5 (很满意), with a sentence if they like.

After staff answer, the worker's notice asks one question with three choices (满意 / 基本满意 / 不满意),
stored as 5, 4 and 1 on the same scale as "评分 N". An unsatisfied rating (2 or less) puts the
ticket back in the queue for a second look (TicketService.reopen: flagged, audited; staff hear of it
through the staff notices), and the next sentence the worker types is kept as the reason.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.security import mask_openid
from bot.storage.db import Database
from bot.storage.models import Ticket, TicketRating

log = logging.getLogger(__name__)

RATEABLE = ("answered", "closed")
SATISFIED = 4  # 4 and 5 count as satisfied in the figures
UNSATISFIED = 2  # 1 and 2 reopen the ticket
# The three choices of the question, in the order they are numbered, and the score each stores.
# 基本满意 stores 4: like the usual 满意率 of public services, it counts as satisfied in the figures.
THREE_CHOICES = (("satisfied", 5), ("basically_satisfied", 4), ("unsatisfied", 1))
ASKED = "rating_asked"  # conversation context: the ticket number the question is about
REASON_FOR = "rating_reason_for"  # conversation context: the reopened ticket whose reason comes next


class RatingRefused(ValueError):
    """Nothing to rate: `reason` names the reply that says why (rating_nothing_to_rate, rating_not_yours)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Rated:
    """The ticket rated, the score stored, and whether the rating sent the ticket back to the queue."""

    number: str
    score: int
    replaced: bool
    reopened: bool = False


class Satisfaction:
    """Stores ratings of answered tickets and reopens the ones workers were not satisfied with."""

    def __init__(self, database: Database, clock: Callable[[], datetime], reopen: Callable[..., object]):
        self.database = database
        self.clock = clock
        self.reopen = reopen  # TicketService.reopen: the ticket rules stay in the ticket service

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
            rated_number = ticket.number
        reopened = int(score) <= UNSATISFIED
        if reopened:
            self.reopen(rated_number, person_id, reason=(comment or "").strip()[:500] or None)
        return Rated(rated_number, int(score), replaced, reopened)

    def add_reason(self, person_id: int, number: str, reason: str) -> bool:
        """Keep the sentence an unsatisfied worker typed after their rating; False if there is no such rating."""
        with self.database.session() as session:
            rating = session.scalar(select(TicketRating).join(Ticket, Ticket.id == TicketRating.ticket_id)
                                    .where(Ticket.number == number, TicketRating.person_id == person_id))
            if rating is None:
                return False
            rating.comment = (reason or "").strip()[:500] or None
            return True


class RatingQuestion:
    """Gets the worker's chat ready to take 1/2/3 as the answer to "您对这次答复满意吗"."""

    def __init__(self, people, conversations):
        self.people = people  # person -> service-account openid
        self.conversations = conversations

    def ask(self, person_id: int, number: str) -> bool:
        """Make the worker's next 1, 2 or 3 rate ticket `number`; False when it cannot (no openid, store down)."""
        try:
            openid = self.people.openid(person_id)
        except Exception:  # asking must never undo the answer that was sent
            log.exception("rating question: could not resolve person %s", person_id)
            return False
        if not openid:
            return False
        state = self.conversations.load(openid)
        if state.form:  # numbers answer the form in progress: the worker can still say 满意 or 评分 5
            state.context[ASKED] = number
        else:
            state.choices = [f"@action:rate:{number}:{score}" for _key, score in THREE_CHOICES]
            state.context[ASKED] = number
        saved = self.conversations.save(openid, state)
        if not saved:
            log.warning("rating question for %s not kept: store unavailable", mask_openid(openid))
        return saved
