"""Attendance: checking in at the door, by staff (the console) or by the worker (a QR code at the door).

The one home of the rules, whatever the door:
- a check-in is of a sign-up, so it marks the worker's whole party (their companions) arrived;
- only a confirmed sign-up can be checked in: not someone who did not sign up, not a cancelled
  sign-up, not someone still on the waiting list, and not twice;
- not for an activity staff cancelled; a worker checks in by themself only while the door is open
  (from SELF_CHECK_IN_BEFORE before the start until the end), staff at any time after sign-up,
  since they may record the list afterwards from paper;
- every check-in and every undo is one entry in the audit log (who, which sign-up, never a name).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import case, func, select, update

from bot.services.activities.errors import ActivityNotFound
from bot.services.activities.views import CANCELLED, CANCELLED_BY_STAFF, CONFIRMED, WAITING
from bot.storage.models import Activity, ActivitySignUp, AuditEntry

SELF = "self"  # checked_in_by of a worker who scanned the door's QR code
SELF_CHECK_IN_BEFORE = timedelta(hours=2)
SELF_CHECK_IN_AFTER_START = timedelta(hours=4)  # when the activity has no end time
CHECK_IN_SCENE_PREFIX = "checkin_"  # the scene of a door's QR code: checkin_<activity id>


class CheckInRefused(Exception):
    """A check-in (or undo) that the rules refuse; `reason` names the content key that says why."""

    def __init__(self, reason: str, activity_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.activity_id = activity_id


@dataclass(frozen=True)
class Turnout:
    """How many signed up (confirmed seats: people, companions included) and how many arrived."""

    signed_up: int
    arrived: int

    @property
    def rate(self) -> float:
        """Arrived as a percentage of those signed up (0 when nobody signed up)."""
        return round(100.0 * self.arrived / self.signed_up, 1) if self.signed_up else 0.0


def check_in_scene(activity_id: int) -> str:
    """The QR scene that checks a worker in to this activity."""
    return f"{CHECK_IN_SCENE_PREFIX}{int(activity_id)}"


def activity_of_scene(scene: str | None) -> int | None:
    """The activity id of a check-in scene (also WeChat's qrscene_ form of it), or None."""
    scene = (scene or "").removeprefix("qrscene_")
    if not scene.startswith(CHECK_IN_SCENE_PREFIX):
        return None
    number = scene[len(CHECK_IN_SCENE_PREFIX):]
    return int(number) if number.isdigit() and len(number) < 10 else None


class Attendance:
    """Check-in and its undo, and the turnout of an activity (built with the database and the clock)."""

    def __init__(self, database, clock: Callable[[], datetime]):
        self.database = database
        self.clock = clock

    def check_in(self, activity_id: int, person_id: int, by: str, *, role: str | None = None,
                 ip: str | None = None) -> datetime:
        """Mark the person's confirmed sign-up as arrived; return when. Raises CheckInRefused or ActivityNotFound."""
        now = self.clock()
        with self.database.session() as session:
            activity = session.get(Activity, activity_id)
            if activity is None:
                raise ActivityNotFound(activity_id)
            if activity.status == CANCELLED_BY_STAFF:
                raise CheckInRefused("checkin_activity_cancelled", activity_id)
            if by == SELF and not self._door_open(activity, now):
                raise CheckInRefused("checkin_door_closed", activity_id)
            sign_up = _latest_sign_up(session, activity_id, person_id)
            if sign_up is None:
                raise CheckInRefused("checkin_not_signed_up", activity_id)
            if sign_up.status == CANCELLED:
                raise CheckInRefused("checkin_cancelled", activity_id)
            if sign_up.status == WAITING:
                raise CheckInRefused("checkin_waiting", activity_id)
            # One conditional UPDATE: two doors checking the same person in at once make one check-in.
            done = session.execute(update(ActivitySignUp).where(
                ActivitySignUp.id == sign_up.id, ActivitySignUp.status == CONFIRMED,
                ActivitySignUp.attended_at.is_(None)).values(attended_at=now, checked_in_by=by[:64])
                .execution_options(synchronize_session=False)).rowcount
            if not done:
                raise CheckInRefused("checkin_already", activity_id)
            session.add(AuditEntry(at=now, actor=by[:64], role=role, action="activity.check_in",
                                   target=str(activity_id), detail={"sign_up": sign_up.id}, ip=ip))
        return now

    def undo(self, activity_id: int, person_id: int, by: str, *, role: str | None = None,
             ip: str | None = None) -> None:
        """Take back a check-in made by mistake (staff); raises CheckInRefused when there was none."""
        now = self.clock()
        with self.database.session() as session:
            sign_up = _latest_sign_up(session, activity_id, person_id)
            undone = 0 if sign_up is None else session.execute(update(ActivitySignUp).where(
                ActivitySignUp.id == sign_up.id, ActivitySignUp.attended_at.is_not(None))
                .values(attended_at=None, checked_in_by=None).execution_options(synchronize_session=False)).rowcount
            if not undone:
                raise CheckInRefused("checkin_not_checked_in", activity_id)
            session.add(AuditEntry(at=now, actor=by[:64], role=role, action="activity.check_in_undo",
                                   target=str(activity_id), detail={"sign_up": sign_up.id}, ip=ip))

    def arrived(self, activity_id: int) -> dict[int, datetime]:
        """person_id -> when they were checked in, for the activity."""
        with self.database.session() as session:
            return dict(session.execute(select(ActivitySignUp.person_id, ActivitySignUp.attended_at).where(
                ActivitySignUp.activity_id == activity_id, ActivitySignUp.attended_at.is_not(None))).all())

    def turnout(self, activity_id: int) -> Turnout:
        """Confirmed seats and arrivals of one activity, in people (a party counts with its companions)."""
        party = 1 + ActivitySignUp.companions  # a check-in marks the worker's whole party arrived
        with self.database.session() as session:
            signed_up, arrived = session.execute(select(
                func.sum(party), func.sum(case((ActivitySignUp.attended_at.is_not(None), party), else_=0))).where(
                ActivitySignUp.activity_id == activity_id, ActivitySignUp.status == CONFIRMED)).one()
        return Turnout(int(signed_up or 0), int(arrived or 0))

    @staticmethod
    def _door_open(activity: Activity, now: datetime) -> bool:
        end = activity.ends_at or activity.starts_at + SELF_CHECK_IN_AFTER_START
        return activity.starts_at - SELF_CHECK_IN_BEFORE <= now <= end


def _latest_sign_up(session, activity_id: int, person_id: int) -> ActivitySignUp | None:
    """The person's live sign-up for the activity, else their latest cancelled one, else None."""
    return session.scalar(select(ActivitySignUp).where(
        ActivitySignUp.activity_id == activity_id, ActivitySignUp.person_id == person_id)
        .order_by((ActivitySignUp.status == CANCELLED).asc(), ActivitySignUp.id.desc()).limit(1))
