"""Satisfaction: a worker rates the answer to their ticket from 1 (不满意) to 5 (很满意), with a sentence if they like.

After staff answer, the worker's notice asks one question with three choices (满意 / 基本满意 / 不满意),
stored as 5, 4 and 1 on the same scale as "评分 N". An unsatisfied rating (2 or less) puts the
ticket back in the queue for a second look (TicketService.reopen: flagged, audited; staff hear of it
through the staff notices), and the next sentence the worker types is kept as the reason.
A ticket closed by staff asks the same question (bot/services/tickets.py close).

After an activity, those checked in are asked the same question once (ActivitySatisfaction, run by
the scheduler); the answer and an optional sentence are stored with the activity (activity_ratings).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.security import mask_openid
from bot.storage.db import Database
from bot.storage.models import Activity, ActivityRating, ActivitySignUp, Ticket, TicketRating

log = logging.getLogger(__name__)

RATEABLE = ("answered", "closed")
SATISFIED = 4  # 4 and 5 count as satisfied in the figures
UNSATISFIED = 2  # 1 and 2 reopen the ticket
# The three choices of the question, in the order they are numbered, and the score each stores.
# 基本满意 stores 4: like the usual 满意率 of public services, it counts as satisfied in the figures.
THREE_CHOICES = (("satisfied", 5), ("basically_satisfied", 4), ("unsatisfied", 1))
ASKED = "rating_asked"  # conversation context: the ticket number the question is about
REASON_FOR = "rating_reason_for"  # conversation context: the reopened ticket whose reason comes next
ACTIVITY_ASKED = "activity_rating_asked"  # conversation context: the activity id the question is about
ACTIVITY_COMMENT_FOR = "activity_comment_for"  # conversation context: the rated activity whose sentence comes next


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
        return _expect_choice(self.conversations, openid, ASKED, number, f"@action:rate:{number}")


def _expect_choice(conversations, openid: str, key: str, subject, action: str) -> bool:
    """Make the follower's next 1/2/3 (or 满意/基本满意/不满意) answer the question about `subject`."""
    state = conversations.load(openid)
    for other in (ASKED, ACTIVITY_ASKED):  # the latest question is the one a bare "满意" answers
        state.context.pop(other, None)
    state.context[key] = subject
    if not state.form:  # numbers answer the form in progress: the worker can still say 满意
        state.choices = [f"{action}:{score}" for _key, score in THREE_CHOICES]
    saved = conversations.save(openid, state)
    if not saved:
        log.warning("rating question for %s not kept: store unavailable", mask_openid(openid))
    return saved


class ActivitySatisfaction:
    """Asks those checked in at an activity that has ended the three-choice question, and keeps their answers.

    Only by customer-service message, inside the 48 hours after the person last wrote to us: a
    question is not worth a template message from the day's quota. Those outside the window are
    left for a later run (they may write to us while the activity is still recent). The question's
    row is written before the message goes, under a unique (activity, person), so a second run, or
    a second scheduler, sends nothing more.
    """

    RECENT = timedelta(days=3)  # activities that ended longer ago are not asked about any more

    def __init__(self, database: Database, clock: Callable[[], datetime], people, conversations, notifier, replies,
                 per_run: int = 200):
        self.database = database
        self.clock = clock
        self.people = people  # person -> service-account openid
        self.conversations = conversations
        self.notifier = notifier  # the 48-hour window and the customer-service message
        self.replies = replies
        self.per_run = per_run  # a cap on messages a run sends, so one big activity does not flood WeChat

    def ask_attended(self) -> dict[str, int]:
        """Ask everyone checked in at a recently ended activity who was not asked yet; return counts."""
        now = self.clock()
        ended = func.coalesce(Activity.ends_at, Activity.starts_at)
        asked = select(ActivityRating.id).where(ActivityRating.activity_id == ActivitySignUp.activity_id,
                                                ActivityRating.person_id == ActivitySignUp.person_id)
        with self.database.session() as session:
            due = session.execute(
                select(Activity.id, Activity.title, ActivitySignUp.person_id)
                .join(ActivitySignUp, ActivitySignUp.activity_id == Activity.id)
                .where(Activity.status != "cancelled", ended <= now, ended > now - self.RECENT,
                       ActivitySignUp.attended_at.is_not(None), ActivitySignUp.status != "cancelled", ~asked.exists())
                .order_by(Activity.id, ActivitySignUp.id).limit(self.per_run)).all()
        counts = {"asked": 0, "outside_window": 0, "failed": 0}
        for activity_id, title, person_id in due:
            openid = self.people.openid(person_id)
            if not openid or not self.notifier.in_service_window(openid):
                counts["outside_window"] += 1
                continue
            try:
                with self.database.session() as session:
                    session.add(ActivityRating(activity_id=activity_id, person_id=person_id, asked_at=now))
            except IntegrityError:  # another run asked this person a moment ago
                continue
            delivery = self.notifier.send(person_id, self.replies.get("activity_rating_question", title=title), None, None)
            with self.database.session() as session:
                session.execute(ActivityRating.__table__.update().where(
                    ActivityRating.activity_id == activity_id, ActivityRating.person_id == person_id
                ).values(delivery=delivery))
            if delivery == "failed":
                counts["failed"] += 1
                continue
            _expect_choice(self.conversations, openid, ACTIVITY_ASKED, activity_id, f"@action:rate_activity:{activity_id}")
            counts["asked"] += 1
        return counts

    def rate(self, person_id: int, activity_id: int, score: int, comment: str | None = None) -> str:
        """Store the person's answer about the activity they were asked about; return its title; RatingRefused."""
        if not 1 <= int(score) <= 5:
            raise ValueError("score must be 1 to 5")
        with self.database.session() as session:
            rating = session.scalar(select(ActivityRating).where(ActivityRating.activity_id == int(activity_id),
                                                                 ActivityRating.person_id == person_id))
            if rating is None:
                raise RatingRefused("activity_rating_not_asked")
            rating.score, rating.rated_at = int(score), self.clock()
            rating.comment = (comment or "").strip()[:500] or rating.comment
            return session.get(Activity, rating.activity_id).title

    def add_comment(self, person_id: int, activity_id: int, comment: str) -> bool:
        """Keep the sentence the person added after their answer; False if they did not answer."""
        with self.database.session() as session:
            rating = session.scalar(select(ActivityRating).where(ActivityRating.activity_id == int(activity_id),
                                                                 ActivityRating.person_id == person_id,
                                                                 ActivityRating.score.is_not(None)))
            if rating is None:
                return False
            rating.comment = (comment or "").strip()[:500] or None
            return True

    def forget_comments_before(self, cutoff: datetime) -> int:
        """Drop the sentences written before cutoff (kept as long as message text); the scores stay."""
        with self.database.session() as session:
            return session.execute(ActivityRating.__table__.update().where(
                ActivityRating.comment.is_not(None), ActivityRating.rated_at < cutoff).values(comment=None)).rowcount

    def delete_personal_data(self, person_id: int) -> int:
        """Unlink the person from their answers and drop their sentences; the scores stay for the figures."""
        with self.database.session() as session:
            return session.execute(ActivityRating.__table__.update().where(ActivityRating.person_id == person_id)
                                   .values(person_id=None, comment=None)).rowcount
