"""Union activities (工会活动): the list, details, sign-up with exact places, waiting list, cancel.

The one home of the rules, used by the chat, the mini-program API, the push engine and the CLI:

- Places are exact. A confirmed sign-up only exists after a conditional
  `UPDATE activities SET confirmed_count = confirmed_count + 1 WHERE ... confirmed_count < capacity`
  succeeded in the same transaction, so no activity is ever overbooked, whatever the number of
  processes. Every other change to an activity's sign-ups (waiting list, cancel, promotion) first
  takes the activity row's write lock, which serialises them and keeps the lock order the same
  everywhere (no deadlocks).
- One live sign-up per person and activity (a partial unique index; cancelled ones are history).
- When a confirmed worker cancels before the activity starts, the first on the waiting list moves
  up in the same transaction and is told so (bot/services/notify.py) after it commits.
- Times are stored as naive UTC; workers read and staff type them in China time (Asia/Shanghai).
"""
from __future__ import annotations

import logging
import random
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterator, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.services.benefits import CITIES, normalize_city  # the 11 cities of Zhejiang, one list
from bot.storage.models import Activity, ActivitySignUp, Identity

log = logging.getLogger(__name__)

TZ = ZoneInfo("Asia/Shanghai")

CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"
LIVE = (CONFIRMED, WAITING)
# Stored activity status (staff decide) ...
OPEN, CLOSED_BY_STAFF, CANCELLED_BY_STAFF = "open", "closed", "cancelled"
# ... and what a worker sees (ActivityView.status): open, full, closed (sign-up over), ended, cancelled.
SHOWN_OPEN, SHOWN_FULL, SHOWN_CLOSED, SHOWN_ENDED, SHOWN_CANCELLED = "open", "full", "closed", "ended", "cancelled"

WRITE_ATTEMPTS = 8  # SQLite may report "database is locked" under a burst; PostgreSQL may pick a deadlock victim
T = TypeVar("T")


# ---- errors -------------------------------------------------------------------------------

class ActivityNotFound(LookupError):
    """No activity with this id."""

    def __init__(self, activity_id: int):
        super().__init__(f"no activity {activity_id}")
        self.activity_id = activity_id


class ActivityFull(Exception):
    """No place left; waiting_list_open says whether the worker may join the waiting list."""

    def __init__(self, activity_id: int, waiting_list_open: bool):
        super().__init__(f"activity {activity_id} is full")
        self.activity_id = activity_id
        self.waiting_list_open = waiting_list_open


class AlreadySignedUp(Exception):
    """The person already has a live (confirmed or waiting) sign-up; `sign_up` is its SignUpView."""

    def __init__(self, sign_up: "SignUpView"):
        super().__init__(f"already {sign_up.status} for activity {sign_up.activity_id}")
        self.sign_up = sign_up


class ActivityClosed(Exception):
    """Sign-up is not possible: the activity is past, cancelled, or its sign-up deadline passed.

    `reason` is one of ended, cancelled, closed, members_only.
    """

    def __init__(self, activity_id: int, reason: str):
        super().__init__(f"activity {activity_id}: sign-up not possible ({reason})")
        self.activity_id = activity_id
        self.reason = reason


class MembersOnly(ActivityClosed):
    """The activity is for union members and the person is not one (yet)."""

    def __init__(self, activity_id: int):
        super().__init__(activity_id, "members_only")


class NotSignedUp(Exception):
    """The person has no live sign-up for this activity."""

    def __init__(self, activity_id: int):
        super().__init__(f"not signed up for activity {activity_id}")
        self.activity_id = activity_id


# ---- views --------------------------------------------------------------------------------

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
    confirmed_count: int
    places_left: int
    waiting_count: int
    status: str  # open, full, closed, ended, cancelled
    members_only: bool
    eligibility: str = ""
    organizer: str = ""
    waiting_list_open: bool = False  # full, and the waiting list takes more people
    key: str | None = None

    @property
    def can_sign_up(self) -> bool:
        """True while a place can be taken right now."""
        return self.status == SHOWN_OPEN

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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields; times in ISO 8601 with the +08:00 offset of China time."""
        data = asdict(self)
        data["created_at"] = iso_local(self.created_at)
        data["starts_at"] = iso_local(self.starts_at)
        return data


# ---- time ---------------------------------------------------------------------------------

def to_local(moment: datetime | None) -> datetime | None:
    """China time (naive) of a naive UTC datetime."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(TZ).replace(tzinfo=None)


def from_local(moment: datetime) -> datetime:
    """Naive UTC of a China-time datetime (naive values are taken as China time)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=TZ)
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def iso_local(moment: datetime | None) -> str | None:
    """ISO 8601 in China time with its offset, e.g. 2026-12-01T14:00:00+08:00."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(TZ).isoformat()


def parse_local(text: str) -> datetime:
    """Naive UTC of 'YYYY-MM-DD HH:MM' typed in China time; ValueError with the expected shape."""
    try:
        return from_local(datetime.strptime(text.strip(), "%Y-%m-%d %H:%M"))
    except ValueError:
        raise ValueError(f"时间格式应为 YYYY-MM-DD HH:MM（北京时间），收到 {text!r}") from None


def _utc_bound(value: date | datetime | None, end: bool) -> datetime | None:
    """A date is a China-time calendar day (date_to includes the whole day); a datetime is UTC unless aware."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    day = value + timedelta(days=1) if end else value
    return from_local(datetime(day.year, day.month, day.day))


# ---- the service --------------------------------------------------------------------------

class ActivityService:
    """Activities and sign-ups for the chat, the mini-program, the console and the CLI."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.database = runtime.database

    def _now(self) -> datetime:
        return self.runtime.clock()

    # ---- reading --------------------------------------------------------------------------

    def upcoming(self, city: str | None = None, date_from: date | datetime | None = None,
                 date_to: date | datetime | None = None, has_places: bool | None = None,
                 offset: int = 0, limit: int = 10, keyword: str | None = None) -> tuple[list[ActivityView], int]:
        """Activities not started yet (not cancelled), soonest first, and how many match in all.

        has_places: True only those a worker can sign up for now, False only the others, None all.
        Dates are China-time calendar days (date_to inclusive); datetimes are UTC.
        keyword: words the title or summary must contain.
        """
        now = self._now()
        conditions = [Activity.status != CANCELLED_BY_STAFF, Activity.starts_at > now]
        if city:
            conditions.append(Activity.city == (normalize_city(city) or city.strip()))
        start, end = _utc_bound(date_from, end=False), _utc_bound(date_to, end=True)
        if start is not None:
            conditions.append(Activity.starts_at >= start)
        if end is not None:
            conditions.append(Activity.starts_at < end)
        if has_places is not None:
            takeable = _takeable(now)
            conditions.append(takeable if has_places else ~takeable)
        if keyword and keyword.strip():
            pattern = f"%{keyword.strip()}%"
            conditions.append(or_(Activity.title.like(pattern), Activity.summary.like(pattern)))
        with self.database.session() as session:
            total = session.scalar(select(func.count()).select_from(Activity).where(*conditions)) or 0
            rows = session.scalars(select(Activity).where(*conditions)
                                   .order_by(Activity.starts_at, Activity.id)
                                   .offset(max(0, offset)).limit(max(0, limit))).all()
            return [_view(a, now) for a in rows], total

    def get(self, activity_id: int) -> ActivityView | None:
        """One activity (any status), or None."""
        with self.database.session() as session:
            activity = session.get(Activity, activity_id)
            return _view(activity, self._now()) if activity is not None else None

    def sign_up_of(self, person_id: int, activity_id: int) -> SignUpView | None:
        """The person's live sign-up for the activity, or None."""
        with self.database.session() as session:
            live = _live_sign_up(session, person_id, activity_id)
            return self._sign_up_view(session, live) if live is not None else None

    def my_sign_ups(self, person_id: int, include_past: bool = False) -> list[SignUpView]:
        """The person's sign-ups, soonest activity first.

        By default the live ones (confirmed or waiting) of activities not over yet, including
        activities staff cancelled (the worker must learn of it); include_past adds cancelled
        sign-ups and past activities.
        """
        now = self._now()
        query = (select(ActivitySignUp).join(Activity, Activity.id == ActivitySignUp.activity_id)
                 .where(ActivitySignUp.person_id == person_id))
        if not include_past:
            query = query.where(ActivitySignUp.status.in_(LIVE),
                                func.coalesce(Activity.ends_at, Activity.starts_at) > now)
        query = query.order_by(Activity.starts_at, ActivitySignUp.id)
        with self.database.session() as session:
            return [self._sign_up_view(session, s) for s in session.scalars(query).all()]

    def sign_ups(self, activity_id: int, include_cancelled: bool = False) -> list[tuple[int, SignUpView]]:
        """(person_id, sign-up) for staff: confirmed first, then the waiting list in order."""
        order = case((ActivitySignUp.status == CONFIRMED, 0), (ActivitySignUp.status == WAITING, 1), else_=2)
        query = select(ActivitySignUp).where(ActivitySignUp.activity_id == activity_id)
        if not include_cancelled:
            query = query.where(ActivitySignUp.status.in_(LIVE))
        with self.database.session() as session:
            rows = session.scalars(query.order_by(order, ActivitySignUp.id)).all()
            return [(s.person_id, self._sign_up_view(session, s)) for s in rows]

    # ---- changing -------------------------------------------------------------------------

    def sign_up(self, person_id: int, activity_id: int) -> SignUpView:
        """Take a place (confirmed); raises ActivityFull, AlreadySignedUp, ActivityClosed (MembersOnly)."""
        self._check_eligible(person_id, self._require(activity_id))

        def work(session: Session) -> SignUpView:
            now = self._now()
            existing = _live_sign_up(session, person_id, activity_id)
            if existing is not None:
                raise AlreadySignedUp(self._sign_up_view(session, existing))
            took = session.execute(
                update(Activity)
                .where(Activity.id == activity_id, _takeable(now))
                .values(confirmed_count=Activity.confirmed_count + 1, updated_at=now)
                .execution_options(synchronize_session=False)).rowcount
            if not took:
                view = _view(session.get(Activity, activity_id), now)
                if view.status == SHOWN_FULL:
                    raise ActivityFull(activity_id, view.waiting_list_open)
                raise ActivityClosed(activity_id, view.status)
            sign_up = ActivitySignUp(activity_id=activity_id, person_id=person_id, status=CONFIRMED,
                                     created_at=now, confirmed_at=now)
            session.add(sign_up)
            session.flush()  # a concurrent sign-up of the same person fails here, undoing the place taken
            return self._sign_up_view(session, sign_up)

        return self._write(work, person_id, activity_id)

    def join_waiting_list(self, person_id: int, activity_id: int) -> SignUpView:
        """Join the waiting list (status waiting, with position); a free place is taken at once instead.

        Raises ActivityFull (waiting_list_open False) when the waiting list is full or there is
        none, AlreadySignedUp, ActivityClosed (MembersOnly).
        """
        self._check_eligible(person_id, self._require(activity_id))

        def work(session: Session) -> SignUpView:
            now = self._now()
            activity = _lock(session, activity_id, now)
            existing = _live_sign_up(session, person_id, activity_id)
            if existing is not None:
                raise AlreadySignedUp(self._sign_up_view(session, existing))
            view = _view(activity, now)
            if view.status not in (SHOWN_OPEN, SHOWN_FULL):
                raise ActivityClosed(activity_id, view.status)
            if view.status == SHOWN_OPEN:  # someone cancelled meanwhile and nobody was waiting
                activity.confirmed_count += 1
                sign_up = ActivitySignUp(activity_id=activity_id, person_id=person_id, status=CONFIRMED,
                                         created_at=now, confirmed_at=now)
            elif not view.waiting_list_open:
                raise ActivityFull(activity_id, False)
            else:
                activity.waiting_count += 1
                sign_up = ActivitySignUp(activity_id=activity_id, person_id=person_id, status=WAITING,
                                         created_at=now)
            session.add(sign_up)
            session.flush()
            return self._sign_up_view(session, sign_up)

        return self._write(work, person_id, activity_id)

    def cancel(self, person_id: int, activity_id: int) -> SignUpView:
        """Cancel the person's sign-up; a freed place goes to the first on the waiting list, who is told.

        Raises NotSignedUp, ActivityNotFound, ActivityClosed (the activity has started).
        """
        self._require(activity_id)
        promoted: list[tuple[int, ActivityView]] = []

        def work(session: Session) -> SignUpView:
            promoted.clear()  # a retried transaction starts over
            now = self._now()
            activity = _lock(session, activity_id, now)
            sign_up = _live_sign_up(session, person_id, activity_id)
            if sign_up is None:
                raise NotSignedUp(activity_id)
            if activity.starts_at <= now:
                raise ActivityClosed(activity_id, SHOWN_ENDED)
            was = sign_up.status
            sign_up.status, sign_up.cancelled_at = CANCELLED, now
            if was == WAITING:
                activity.waiting_count -= 1
            else:
                activity.confirmed_count -= 1
                if activity.status != CANCELLED_BY_STAFF:
                    moved = _promote_next(session, activity, now)
                    if moved is not None:
                        promoted.append((moved.person_id, _view(activity, now)))
            session.flush()
            return self._sign_up_view(session, sign_up)

        result = self._write(work, person_id, activity_id)
        for promoted_person, view in promoted:
            self._tell_promoted(promoted_person, view)
        return result

    def create(self, **fields: Any) -> ActivityView:
        """Create an activity (CLI, console, demo); ValueError names a bad field.

        Required: title, city, place, starts_at (naive UTC), capacity. Optional: summary,
        eligibility, organizer, ends_at, signup_deadline, waiting_list_size (None unlimited,
        0 none), members_only, key (a stable name; creating the same key twice is refused).
        """
        values = _checked_fields(fields)
        with self.database.session() as session:
            if values.get("key") and session.scalar(select(Activity.id).where(Activity.key == values["key"])):
                raise ValueError(f"key: an activity named {values['key']!r} exists already")
            activity = Activity(**values)
            session.add(activity)
            session.flush()
            return _view(activity, self._now())

    def close(self, activity_id: int) -> ActivityView:
        """Stop sign-ups (staff); existing sign-ups stay, cancels still promote the waiting list."""
        return self._set_status(activity_id, CLOSED_BY_STAFF)

    def reopen(self, activity_id: int) -> ActivityView:
        """Open sign-ups again after close (staff)."""
        return self._set_status(activity_id, OPEN)

    def cancel_activity(self, activity_id: int) -> ActivityView:
        """The activity will not take place (staff); it leaves the lists, sign-ups see it cancelled."""
        return self._set_status(activity_id, CANCELLED_BY_STAFF)

    def by_key(self, key: str) -> ActivityView | None:
        """The activity created with this stable key (demo content), or None."""
        with self.database.session() as session:
            activity = session.scalar(select(Activity).where(Activity.key == key))
            return _view(activity, self._now()) if activity is not None else None

    def reschedule(self, activity_id: int, starts_at: datetime, ends_at: datetime | None = None,
                   signup_deadline: datetime | None = None) -> ActivityView:
        """Move an activity to new times (naive UTC)."""
        _check_times(starts_at, ends_at, signup_deadline)

        def work(session: Session) -> ActivityView:
            now = self._now()
            activity = _lock(session, activity_id, now)
            activity.starts_at, activity.ends_at, activity.signup_deadline = starts_at, ends_at, signup_deadline
            return _view(activity, now)

        return self._write(work)

    # ---- helpers --------------------------------------------------------------------------

    def _set_status(self, activity_id: int, status: str) -> ActivityView:
        def work(session: Session) -> ActivityView:
            now = self._now()
            activity = _lock(session, activity_id, now)
            activity.status = status
            return _view(activity, now)

        return self._write(work)

    def _require(self, activity_id: int) -> ActivityView:
        view = self.get(activity_id)
        if view is None:
            raise ActivityNotFound(activity_id)
        return view

    def _check_eligible(self, person_id: int, view: ActivityView) -> None:
        """Members-only activities need a member; unchecked while no membership service is built."""
        if not view.members_only:
            return
        try:
            membership = self.runtime.membership
        except (AttributeError, ImportError):
            log.warning("activity %s is for members but no membership service is available to check", view.id)
            return
        if not membership.is_member(person_id):
            raise MembersOnly(view.id)

    def _sign_up_view(self, session: Session, sign_up: ActivitySignUp) -> SignUpView:
        activity = session.get(Activity, sign_up.activity_id)
        position = None
        if sign_up.status == WAITING:
            position = session.scalar(select(func.count()).select_from(ActivitySignUp).where(
                ActivitySignUp.activity_id == sign_up.activity_id, ActivitySignUp.status == WAITING,
                ActivitySignUp.id <= sign_up.id))
        return SignUpView(activity_id=activity.id, activity_title=activity.title, status=sign_up.status,
                          position=position, created_at=sign_up.created_at, id=sign_up.id,
                          starts_at=activity.starts_at, city=activity.city, place=activity.place,
                          activity_status=_view(activity, self._now()).status,
                          promoted=sign_up.promoted_at is not None)

    def _write(self, work: Callable[[Session], T], person_id: int | None = None,
               activity_id: int | None = None) -> T:
        """Run work in its own transaction, again when the database was busy or picked it as a deadlock victim."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.database.session() as session:
                    return work(session)
            except IntegrityError:
                # The same person signed up twice at once: the other request won.
                if person_id is None or attempt == WRITE_ATTEMPTS:
                    raise
                with self.database.session() as session:
                    existing = _live_sign_up(session, person_id, activity_id)
                    if existing is not None:
                        raise AlreadySignedUp(self._sign_up_view(session, existing)) from None
            except OperationalError as exc:
                if not _is_transient(exc) or attempt == WRITE_ATTEMPTS:
                    raise
                log.info("activities: database busy (%s), attempt %s", exc.orig.__class__.__name__, attempt)
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # jitter, so the retries do not collide again
        raise AssertionError("unreachable")

    def _tell_promoted(self, person_id: int, view: ActivityView) -> None:
        """Tell the worker who moved up, off the request path (WeChat may be slow); failures are logged."""
        from bot.services.notify import notify

        when = to_local(view.starts_at).strftime("%m月%d日 %H:%M").lstrip("0")
        text = (f"好消息！您候补的活动「{view.title}」有名额了，已为您确认报名。\n"
                f"时间：{when}\n地点：{view.city} {view.place}\n"
                "如果去不了，请回复“我的活动”取消报名，把名额让给其他职工。")
        data = {"first": "您候补的活动有名额了，已为您确认报名", "keyword1": view.title, "keyword2": when,
                "keyword3": f"{view.city} {view.place}", "remark": "去不了请在“我的活动”里取消报名。"}
        template_id = self.runtime.config.get("activities.template_id_promoted")

        def send() -> str:
            channel = notify(self.runtime, person_id, text, template_id, data)
            log.info("activity %s: promoted person %s, notified by %s", view.id, person_id, channel)
            return channel

        try:
            self.runtime.background.submit(send)
        except RuntimeError:  # the executor is shutting down (end of a CLI command): send now
            send()


# ---- for the push engine (audiences, reminders) -----------------------------------------

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


def resolve_merge_conflicts(session: Session, keep: int, drop: int) -> int:
    """Before person `drop` is merged into `keep`: leave one live sign-up per activity; return how many were cancelled.

    Meant for PeopleService._merge, which moves every sign-up to the surviving person and would
    otherwise break the one-live-sign-up rule when both records had signed up for the same
    activity. The better sign-up stays (confirmed over waiting, then the earlier); a confirmed
    place given up this way goes to the first on the waiting list, as a cancel would.
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    doubled = session.scalars(select(ActivitySignUp.activity_id).where(
        ActivitySignUp.person_id == keep, ActivitySignUp.status.in_(LIVE),
        ActivitySignUp.activity_id.in_(select(ActivitySignUp.activity_id).where(
            ActivitySignUp.person_id == drop, ActivitySignUp.status.in_(LIVE))))).all()
    for activity_id in doubled:
        activity = _lock(session, activity_id, now)
        pair = session.scalars(select(ActivitySignUp).where(
            ActivitySignUp.activity_id == activity_id, ActivitySignUp.person_id.in_((keep, drop)),
            ActivitySignUp.status.in_(LIVE))).all()
        _best, *others = sorted(pair, key=lambda s: (s.status != CONFIRMED, s.id))
        for extra in others:
            was, extra.status, extra.cancelled_at = extra.status, CANCELLED, now
            if was == WAITING:
                activity.waiting_count -= 1
            else:
                activity.confirmed_count -= 1
                if activity.status != CANCELLED_BY_STAFF and activity.starts_at > now:
                    _promote_next(session, activity, now)
    session.flush()
    return len(doubled)


# ---- internals ----------------------------------------------------------------------------

def _takeable(now: datetime):
    """SQL condition: a place can be taken right now."""
    return and_(Activity.status == OPEN, Activity.confirmed_count < Activity.capacity, Activity.starts_at > now,
                or_(Activity.signup_deadline.is_(None), Activity.signup_deadline > now))


def _lock(session: Session, activity_id: int, now: datetime) -> Activity:
    """Take the activity row's write lock first thing in the transaction, then read it.

    A write rather than SELECT ... FOR UPDATE so that SQLite (which has no row locks) takes its
    database write lock at the same point; on PostgreSQL both hold the row until commit.
    """
    touched = session.execute(update(Activity).where(Activity.id == activity_id).values(updated_at=now)
                              .execution_options(synchronize_session=False)).rowcount
    if not touched:
        raise ActivityNotFound(activity_id)
    return session.get(Activity, activity_id, populate_existing=True)


def _live_sign_up(session: Session, person_id: int, activity_id: int) -> ActivitySignUp | None:
    return session.scalar(select(ActivitySignUp).where(
        ActivitySignUp.person_id == person_id, ActivitySignUp.activity_id == activity_id,
        ActivitySignUp.status.in_(LIVE)))


def _promote_next(session: Session, activity: Activity, now: datetime) -> ActivitySignUp | None:
    """Give the freed place to the first on the waiting list (the activity row is locked)."""
    first = session.scalar(select(ActivitySignUp).where(
        ActivitySignUp.activity_id == activity.id, ActivitySignUp.status == WAITING).order_by(ActivitySignUp.id).limit(1))
    if first is None:
        return None
    first.status, first.confirmed_at, first.promoted_at = CONFIRMED, now, now
    activity.confirmed_count += 1
    activity.waiting_count -= 1
    return first


def _view(activity: Activity, now: datetime) -> ActivityView:
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
        waiting_list_open=waiting_open, key=activity.key)


_FIELDS = ("key", "title", "summary", "eligibility", "organizer", "city", "place", "starts_at", "ends_at",
           "signup_deadline", "capacity", "waiting_list_size", "members_only", "status")


def _checked_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    values = {name: fields[name] for name in _FIELDS if fields.get(name) is not None}
    for name in ("title", "city", "place", "starts_at", "capacity"):
        if values.get(name) in (None, ""):
            raise ValueError(f"{name}: required")
    city = normalize_city(str(values["city"]))
    if city is None:
        raise ValueError(f"city: {values['city']!r} is not one of the 11 cities of Zhejiang ({'/'.join(CITIES)})")
    values["city"] = city
    for name in ("title", "place", "summary", "eligibility", "organizer"):
        if name in values:
            values[name] = str(values[name]).strip()
    if len(values["title"]) > 120:
        raise ValueError("title: at most 120 characters")
    try:
        values["capacity"] = int(values["capacity"])
    except (TypeError, ValueError):
        raise ValueError(f"capacity: expected a whole number, got {values['capacity']!r}") from None
    if values["capacity"] <= 0:
        raise ValueError("capacity: must be at least 1")
    if values.get("waiting_list_size") is not None and int(values["waiting_list_size"]) < 0:
        raise ValueError("waiting_list_size: must be 0 (no waiting list) or more")
    if values.get("status", OPEN) not in (OPEN, CLOSED_BY_STAFF, CANCELLED_BY_STAFF):
        raise ValueError(f"status: one of open, closed, cancelled, got {values['status']!r}")
    _check_times(values["starts_at"], values.get("ends_at"), values.get("signup_deadline"))
    values["members_only"] = bool(values.get("members_only", False))
    return values


def _check_times(starts_at: datetime, ends_at: datetime | None, deadline: datetime | None) -> None:
    if not isinstance(starts_at, datetime):
        raise ValueError("starts_at: expected a datetime (naive UTC)")
    if ends_at is not None and ends_at <= starts_at:
        raise ValueError("ends_at: must be after starts_at")
    if deadline is not None and deadline > starts_at:
        raise ValueError("signup_deadline: must not be after starts_at")


def _is_transient(exc: OperationalError) -> bool:
    """SQLite busy/locked, or a PostgreSQL deadlock victim or serialization failure: worth another try."""
    message = str(exc.orig).lower()
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return "locked" in message or "busy" in message or code in ("40001", "40P01")


# ---- demo content -------------------------------------------------------------------------

DEMO_FILE = "demo/activities.yaml"
_DEMO_FIELDS = ("key", "title", "city", "place", "organizer", "eligibility", "summary", "capacity",
                "waiting_list_size", "members_only")


def demo_times(entry: dict, today: date) -> tuple[datetime, datetime, datetime | None]:
    """(starts_at, ends_at, signup_deadline) in naive UTC of a demo entry, counted from today (China time)."""
    hour, minute = (int(part) for part in str(entry.get("time", "09:00")).split(":"))
    day = today + timedelta(days=int(entry["days_from_now"]))
    starts_at = from_local(datetime(day.year, day.month, day.day, hour, minute))
    ends_at = starts_at + timedelta(hours=float(entry.get("duration_hours", 2)))
    before = int(entry.get("deadline_days_before") or 0)
    return starts_at, ends_at, (starts_at - timedelta(days=before)) if before else None


def load_demo_activities(runtime) -> str:
    """Create the demo activities of content/demo/activities.yaml that are missing; move past ones forward."""
    service = runtime.activities
    entries = (runtime.content_file(DEMO_FILE).load() or {}).get("activities", [])
    today = to_local(runtime.clock()).date()
    created = moved = kept = 0
    for entry in entries:
        starts_at, ends_at, deadline = demo_times(entry, today)
        existing = service.by_key(entry["key"])
        if existing is None:
            try:
                service.create(starts_at=starts_at, ends_at=ends_at, signup_deadline=deadline,
                               **{name: entry.get(name) for name in _DEMO_FIELDS})
            except ValueError as exc:
                raise ValueError(f"{DEMO_FILE}: activity {entry.get('key')}: {exc}") from None
            created += 1
        elif existing.status in (SHOWN_ENDED, SHOWN_CLOSED) and existing.starts_at <= runtime.clock():
            service.reschedule(existing.id, starts_at, ends_at, deadline)
            moved += 1
        else:
            kept += 1
    return f"{created} activities created, {moved} moved forward, {kept} kept"
