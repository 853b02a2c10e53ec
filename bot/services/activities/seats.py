"""Exact places: the conditional UPDATE that takes seats, the activity row's lock, and promotion from the waiting list.

Places are counted in seats (people): a sign-up takes 1 + companions seats. Shared by the service
and the merge of two person records, so both keep the same lock order.

Promotion from the waiting list goes in order, as many as fit. When the first in line is a party
that does not fit in the seats freed, it keeps its place at the head (it is the first to move up
once enough seats are free) and the later sign-ups that do fit move up now: an organiser would
rather fill the room than hold a seat empty on the day for a party that may never fit, and nobody
smaller is ever skipped for someone later.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.services.activities.errors import ActivityNotFound
from bot.services.activities.views import CONFIRMED, LIVE, OPEN, WAITING
from bot.storage.models import Activity, ActivitySignUp


def takeable(now: datetime, seats: int = 1):
    """SQL condition: `seats` seats can be taken right now."""
    return and_(Activity.status == OPEN, Activity.confirmed_count + seats <= Activity.capacity,
                Activity.starts_at > now,
                or_(Activity.signup_deadline.is_(None), Activity.signup_deadline > now))


def take_seats(session: Session, activity_id: int, seats: int, now: datetime) -> bool:
    """The one conditional UPDATE: take `seats` seats if they are free right now; whether it did."""
    return bool(session.execute(
        update(Activity)
        .where(Activity.id == activity_id, takeable(now, seats))
        .values(confirmed_count=Activity.confirmed_count + seats, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount)


def lock_activity(session: Session, activity_id: int, now: datetime) -> Activity:
    """Take the activity row's write lock first thing in the transaction, then read it.

    A write rather than SELECT ... FOR UPDATE so that SQLite (which has no row locks) takes its
    database write lock at the same point; on PostgreSQL both hold the row until commit.
    """
    touched = session.execute(update(Activity).where(Activity.id == activity_id).values(updated_at=now)
                              .execution_options(synchronize_session=False)).rowcount
    if not touched:
        raise ActivityNotFound(activity_id)
    return session.get(Activity, activity_id, populate_existing=True)


def live_sign_up(session: Session, person_id: int, activity_id: int) -> ActivitySignUp | None:
    """The person's confirmed or waiting sign-up for the activity, or None."""
    return session.scalar(select(ActivitySignUp).where(
        ActivitySignUp.person_id == person_id, ActivitySignUp.activity_id == activity_id,
        ActivitySignUp.status.in_(LIVE)))


def promote_waiting(session: Session, activity: Activity, now: datetime) -> list[ActivitySignUp]:
    """Give the free seats to the waiting list in order, as many parties as fit (the activity row is locked)."""
    free = activity.capacity - activity.confirmed_count
    if free <= 0:
        return []
    promoted = []
    queue = session.scalars(select(ActivitySignUp).where(
        ActivitySignUp.activity_id == activity.id, ActivitySignUp.status == WAITING,
        ActivitySignUp.companions + 1 <= free).order_by(ActivitySignUp.id)).all()
    for waiting in queue:
        if waiting.seats > free:
            continue  # a party too large for what is left keeps its place at the head
        waiting.status, waiting.confirmed_at, waiting.promoted_at = CONFIRMED, now, now
        activity.confirmed_count += waiting.seats
        activity.waiting_count -= waiting.seats
        promoted.append(waiting)
        free -= waiting.seats
        if free == 0:
            break
    return promoted
