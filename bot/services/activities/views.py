"""Activities and sign-ups as workers and staff see them, and the statuses they go through."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from bot.services.activities.times import iso_local
from bot.storage.models import Activity

CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"
LIVE = (CONFIRMED, WAITING)
# Stored activity status (staff decide) ...
OPEN, CLOSED_BY_STAFF, CANCELLED_BY_STAFF = "open", "closed", "cancelled"
# ... and what a worker sees (ActivityView.status): open, full, closed (sign-up over), ended, cancelled.
SHOWN_OPEN, SHOWN_FULL, SHOWN_CLOSED, SHOWN_ENDED, SHOWN_CANCELLED = "open", "full", "closed", "ended", "cancelled"


@dataclass(frozen=True)
class ActivityView:
    """An activity as workers and staff see it; datetimes are naive UTC."""

    id: int
    title: str
    summary: str
    city: str
    place: str
    starts_at: datetime
    ends_at: datetime | None
    signup_deadline: datetime  # when sign-up closes (the start when none was set)
    capacity: int
    confirmed_count: int  # seats taken: people, companions included
    places_left: int  # seats left
    waiting_count: int  # people waiting, companions included
    status: str  # open, full, closed, ended, cancelled
    members_only: bool
    eligibility: str = ""
    organizer: str = ""
    waiting_list_open: bool = False  # full, and the waiting list takes more people
    key: str | None = None
    waiting_list_size: int | None = None  # None: unlimited; 0: no waiting list
    mode: str = "onsite"  # onsite, online
    join_url: str | None = None  # online: given to workers only once they have a place (SignUpView)
    max_companions: int = 0  # companions one sign-up may bring (set by the editor)
    series_key: str | None = None  # shared by the sessions of a series created together

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields; times in ISO 8601 with the +08:00 offset of China time."""
        data = asdict(self)
        for name in ("starts_at", "ends_at", "signup_deadline"):
            data[name] = iso_local(data[name])
        return data


@dataclass(frozen=True)
class SignUpView:
    """A person's sign-up to one activity."""

    activity_id: int
    activity_title: str
    status: str  # confirmed, waiting, cancelled
    position: int | None  # place in the waiting list (1 = next to move up); None unless waiting
    created_at: datetime
    id: int = 0
    starts_at: datetime | None = None
    city: str = ""
    place: str = ""
    activity_status: str = ""  # ActivityView.status of the activity
    promoted: bool = False  # moved up from the waiting list
    mode: str = "onsite"  # onsite, online
    join_url: str | None = None  # the link of an online activity, once the place is confirmed
    companions: int = 0  # people who come with the worker; the party takes 1 + companions seats

    @property
    def seats(self) -> int:
        """The seats the party takes: the worker and their companions."""
        return 1 + self.companions

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields; times in ISO 8601 with the +08:00 offset of China time."""
        data = asdict(self)
        data["created_at"] = iso_local(self.created_at)
        data["starts_at"] = iso_local(self.starts_at)
        return data


def view_of(activity: Activity, now: datetime) -> ActivityView:
    """The activity as seen at `now`: places left, and whether it is open, full, closed, ended or cancelled."""
    deadline = activity.signup_deadline or activity.starts_at
    places_left = max(0, activity.capacity - activity.confirmed_count)
    if activity.status == CANCELLED_BY_STAFF:
        status = SHOWN_CANCELLED
    elif (activity.ends_at or activity.starts_at) <= now:
        status = SHOWN_ENDED
    elif activity.status == CLOSED_BY_STAFF or now >= deadline or activity.starts_at <= now:
        status = SHOWN_CLOSED
    elif places_left == 0:
        status = SHOWN_FULL
    else:
        status = SHOWN_OPEN
    size = activity.waiting_list_size
    waiting_open = status == SHOWN_FULL and (size is None or activity.waiting_count < size)
    return ActivityView(
        id=activity.id, title=activity.title, summary=activity.summary or "", city=activity.city,
        place=activity.place, starts_at=activity.starts_at, ends_at=activity.ends_at, signup_deadline=deadline,
        capacity=activity.capacity, confirmed_count=activity.confirmed_count, places_left=places_left,
        waiting_count=activity.waiting_count, status=status, members_only=bool(activity.members_only),
        eligibility=activity.eligibility or "", organizer=activity.organizer or "",
        waiting_list_open=waiting_open, key=activity.key,
        waiting_list_size=size, mode=activity.mode or "onsite", join_url=activity.join_url,
        max_companions=activity.max_companions or 0, series_key=activity.series_key)
