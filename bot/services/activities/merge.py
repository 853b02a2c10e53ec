"""When two person records become one: one live sign-up per activity survives."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.activities.seats import lock_activity, promote_waiting
from bot.services.activities.views import CANCELLED, CANCELLED_BY_STAFF, CONFIRMED, LIVE, WAITING
from bot.storage.models import ActivitySignUp


def resolve_merge_conflicts(session: Session, keep: int, drop: int) -> int:
    """Before person `drop` is merged into `keep`: leave one live sign-up per activity; return how many were cancelled.

    Meant for PeopleService._merge, which moves every sign-up to the surviving person and would
    otherwise break the one-live-sign-up rule when both records had signed up for the same
    activity. The better sign-up stays (confirmed over waiting, then the earlier), with its
    companions; the seats of the one given up (the person and their companions) are freed and go
    to the waiting list as a cancel's would.
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    doubled = session.scalars(select(ActivitySignUp.activity_id).where(
        ActivitySignUp.person_id == keep, ActivitySignUp.status.in_(LIVE),
        ActivitySignUp.activity_id.in_(select(ActivitySignUp.activity_id).where(
            ActivitySignUp.person_id == drop, ActivitySignUp.status.in_(LIVE))))).all()
    for activity_id in doubled:
        activity = lock_activity(session, activity_id, now)
        pair = session.scalars(select(ActivitySignUp).where(
            ActivitySignUp.activity_id == activity_id, ActivitySignUp.person_id.in_((keep, drop)),
            ActivitySignUp.status.in_(LIVE))).all()
        _best, *others = sorted(pair, key=lambda s: (s.status != CONFIRMED, s.id))
        for extra in others:
            was, extra.status, extra.cancelled_at = extra.status, CANCELLED, now
            if was == WAITING:
                activity.waiting_count -= extra.seats
            else:
                activity.confirmed_count -= extra.seats
                if activity.status != CANCELLED_BY_STAFF and activity.starts_at > now:
                    promote_waiting(session, activity, now)
    session.flush()
    return len(doubled)
