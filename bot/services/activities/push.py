"""Activities for the push engine: who takes part (audiences) and what starts when (reminders)."""
from __future__ import annotations

from datetime import datetime
from typing import Iterator

from sqlalchemy import select

from bot.services.activities.views import CANCELLED_BY_STAFF, CONFIRMED
from bot.storage.models import Activity, ActivitySignUp, Identity


def participant_openids(database, activity_id: int) -> Iterator[str]:
    """Service-account openids of the activity's confirmed participants (push audiences), streamed."""
    from bot.services.people import OFFICIAL

    query = (select(Identity.openid)
             .join(ActivitySignUp, ActivitySignUp.person_id == Identity.person_id)
             .where(ActivitySignUp.activity_id == activity_id, ActivitySignUp.status == CONFIRMED,
                    Identity.channel == OFFICIAL)
             .order_by(ActivitySignUp.id))
    with database.session() as session:
        yield from session.execute(query.execution_options(yield_per=500)).scalars()


def activities_starting_between(database, start: datetime, end: datetime) -> list[tuple]:
    """(activity_id, title, starts_at, place) of activities (not cancelled) starting in [start, end), UTC."""
    query = (select(Activity.id, Activity.title, Activity.starts_at, Activity.place)
             .where(Activity.status != CANCELLED_BY_STAFF, Activity.starts_at >= start, Activity.starts_at < end)
             .order_by(Activity.starts_at, Activity.id))
    with database.session() as session:
        return [tuple(row) for row in session.execute(query).all()]
