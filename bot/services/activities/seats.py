"""Exact places: the conditional UPDATE that takes one, the activity row's lock, and promotion from the waiting list.

Shared by the service and the merge of two person records, so both keep the same lock order.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.services.activities.errors import ActivityNotFound
from bot.services.activities.views import CONFIRMED, LIVE, OPEN, WAITING
from bot.storage.models import Activity, ActivitySignUp


def takeable(now: datetime):
    """SQL condition: a place can be taken right now."""
    return and_(Activity.status == OPEN, Activity.confirmed_count < Activity.capacity, Activity.starts_at > now,
                or_(Activity.signup_deadline.is_(None), Activity.signup_deadline > now))


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


def promote_next(session: Session, activity: Activity, now: datetime) -> ActivitySignUp | None:
    """Give the freed place to the first on the waiting list (the activity row is locked)."""
    first = session.scalar(select(ActivitySignUp).where(
        ActivitySignUp.activity_id == activity.id, ActivitySignUp.status == WAITING).order_by(ActivitySignUp.id).limit(1))
    if first is None:
        return None
    first.status, first.confirmed_at, first.promoted_at = CONFIRMED, now, now
    activity.confirmed_count += 1
    activity.waiting_count -= 1
    return first
