"""Union activities (工会活动): the list, details, sign-up with exact places, waiting list, cancel.

The one home of the rules, used by the chat, the mini-program API, the push engine and the CLI:

- Places are exact, counted in seats (people): a sign-up brings 0..max_companions companions and
  takes 1 + companions seats. A confirmed sign-up only exists after a conditional
  `UPDATE activities SET confirmed_count = confirmed_count + seats WHERE ... confirmed_count + seats <= capacity`
  succeeded in the same transaction, so no activity is ever overbooked, whatever the number of
  processes; waiting_count counts the people waiting the same way. Every other change to an activity's sign-ups (waiting list, cancel, promotion) first
  takes the activity row's write lock, which serialises them and keeps the lock order the same
  everywhere (no deadlocks).
- One live sign-up per person and activity (a partial unique index; cancelled ones are history).
- When a confirmed worker cancels before the activity starts, the waiting list moves up in order,
  as many parties as fit (a party too large keeps its place at the head, see seats.py), in the
  same transaction; each is told so (bot/services/notify.py) after it commits.
- A members-only activity takes members only: the service is built with the membership service
  and asks it every time (no membership service, no start-up).
- Times are stored as naive UTC; workers read and staff type them in China time (Asia/Shanghai).
"""
from __future__ import annotations

import logging
import random
import time
import uuid
from concurrent.futures import Executor
from datetime import date, datetime, timedelta
from typing import Any, Callable, TypeVar

from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.content import Replies
from bot.services.activities.editing import (MAX_COMPANIONS, ONLINE, ONSITE, ActivityRejected, is_join_url,
                                            read_form, read_session_shifts)
from bot.services.activities.errors import (ActivityClosed, ActivityFull, ActivityNotFound, AlreadySignedUp,
                                            MembersOnly, NotSignedUp, PartyTooLarge, TooManyCompanions)
from bot.services.activities.seats import live_sign_up, lock_activity, promote_waiting, take_seats, takeable
from bot.services.activities.times import to_local, utc_bound
from bot.services.activities.views import (CANCELLED, CANCELLED_BY_STAFF, CLOSED_BY_STAFF, CONFIRMED, LIVE, OPEN,
                                           SHOWN_ENDED, SHOWN_FULL, SHOWN_OPEN, WAITING, ActivityView,
                                           SignUpView, view_of)
from bot.services.places import Regions
from bot.storage.models import Activity, ActivitySignUp

log = logging.getLogger(__name__)

WRITE_ATTEMPTS = 8  # SQLite may report "database is locked" under a burst; PostgreSQL may pick a deadlock victim
T = TypeVar("T")


class ActivityService:
    """Activities and sign-ups for the chat, the mini-program, the console and the CLI."""

    def __init__(self, database, clock: Callable[[], datetime], places: Callable[[], Regions], membership,
                 notifier, background: Executor, replies: Replies, promoted_template_id: str | None = None,
                 changed_template_id: str | None = None):
        self.database = database
        self.clock = clock
        self.replies = replies  # the notice a promoted worker reads (content/replies/activities.yaml)
        self.places = places  # the current content/places.yaml
        self.membership = membership  # asked whether a person may take a members-only place
        self.notifier = notifier
        self.background = background  # tells promoted workers off the request path
        self.promoted_template_id = promoted_template_id
        self.changed_template_id = changed_template_id  # the notice of a new time or place, outside 48 hours

    def _now(self) -> datetime:
        return self.clock()

    # ---- reading --------------------------------------------------------------------------

    def upcoming(self, city: str | None = None, date_from: date | datetime | None = None,
                 date_to: date | datetime | None = None, has_places: bool | None = None,
                 offset: int = 0, limit: int = 10, keyword: str | None = None) -> tuple[list[ActivityView], int]:
        """Activities not started yet (not cancelled), soonest first, and how many match in all.

        has_places: True only those a worker can sign up for now, False only the others, None all.
        Dates are China-time calendar days (date_to inclusive); datetimes are UTC.
        keyword: words the title or summary must contain.
        """
        if "\x00" in (city or "") + (keyword or ""):  # PostgreSQL refuses NUL in a query; nothing stored holds one
            return [], 0
        now = self._now()
        conditions = [Activity.status != CANCELLED_BY_STAFF, Activity.starts_at > now]
        if city:
            conditions.append(Activity.city == (self.places().short_name(city) or city.strip()))
        start, end = utc_bound(date_from, end=False), utc_bound(date_to, end=True)
        if start is not None:
            conditions.append(Activity.starts_at >= start)
        if end is not None:
            conditions.append(Activity.starts_at < end)
        if has_places is not None:
            can_take = takeable(now)
            conditions.append(can_take if has_places else ~can_take)
        if keyword and keyword.strip():
            pattern = f"%{keyword.strip()}%"
            conditions.append(or_(Activity.title.like(pattern), Activity.summary.like(pattern)))
        with self.database.session() as session:
            total = session.scalar(select(func.count()).select_from(Activity).where(*conditions)) or 0
            rows = session.scalars(select(Activity).where(*conditions)
                                   .order_by(Activity.starts_at, Activity.id)
                                   .offset(max(0, offset)).limit(max(0, limit))).all()
            return [view_of(a, now) for a in rows], total

    def get(self, activity_id: int) -> ActivityView | None:
        """One activity (any status), or None."""
        with self.database.session() as session:
            activity = session.get(Activity, activity_id)
            return view_of(activity, self._now()) if activity is not None else None

    def sign_up_of(self, person_id: int, activity_id: int) -> SignUpView | None:
        """The person's live sign-up for the activity, or None."""
        with self.database.session() as session:
            live = live_sign_up(session, person_id, activity_id)
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

    def sign_up(self, person_id: int, activity_id: int, companions: int = 0) -> SignUpView:
        """Take 1 + companions seats (confirmed).

        Raises TooManyCompanions, ActivityFull (no seat left), PartyTooLarge (seats left, not enough
        for the party), AlreadySignedUp, ActivityClosed (MembersOnly).
        """
        view = self._require(activity_id)
        self._check_eligible(person_id, view)
        seats = self._seats(view, companions)

        def work(session: Session) -> SignUpView:
            now = self._now()
            existing = live_sign_up(session, person_id, activity_id)
            if existing is not None:
                raise AlreadySignedUp(self._sign_up_view(session, existing))
            if not take_seats(session, activity_id, seats, now):
                activity = session.get(Activity, activity_id)
                view = view_of(activity, now)
                if view.status == SHOWN_FULL:
                    raise ActivityFull(activity_id, _may_wait(activity, seats))
                if view.status == SHOWN_OPEN:
                    raise PartyTooLarge(activity_id, seats, view.places_left, _may_wait(activity, seats))
                raise ActivityClosed(activity_id, view.status)
            sign_up = ActivitySignUp(activity_id=activity_id, person_id=person_id, status=CONFIRMED,
                                     companions=companions, created_at=now, confirmed_at=now)
            session.add(sign_up)
            session.flush()  # a concurrent sign-up of the same person fails here, undoing the place taken
            return self._sign_up_view(session, sign_up)

        return self._write(work, person_id, activity_id)

    def join_waiting_list(self, person_id: int, activity_id: int, companions: int = 0) -> SignUpView:
        """Join the waiting list as a party (status waiting, with position); free seats enough are taken at once instead.

        Raises ActivityFull (waiting_list_open False) when the waiting list has no room for the
        party or there is none, TooManyCompanions, AlreadySignedUp, ActivityClosed (MembersOnly).
        """
        view = self._require(activity_id)
        self._check_eligible(person_id, view)
        seats = self._seats(view, companions)

        def work(session: Session) -> SignUpView:
            now = self._now()
            activity = lock_activity(session, activity_id, now)
            existing = live_sign_up(session, person_id, activity_id)
            if existing is not None:
                raise AlreadySignedUp(self._sign_up_view(session, existing))
            view = view_of(activity, now)
            if view.status not in (SHOWN_OPEN, SHOWN_FULL):
                raise ActivityClosed(activity_id, view.status)
            if view.status == SHOWN_OPEN and view.places_left >= seats:  # seats came free meanwhile
                activity.confirmed_count += seats
                sign_up = ActivitySignUp(activity_id=activity_id, person_id=person_id, status=CONFIRMED,
                                         companions=companions, created_at=now, confirmed_at=now)
            elif not _may_wait(activity, seats):
                raise ActivityFull(activity_id, False)
            else:  # full, or seats left for fewer people than the party: the party waits together
                activity.waiting_count += seats
                sign_up = ActivitySignUp(activity_id=activity_id, person_id=person_id, status=WAITING,
                                         companions=companions, created_at=now)
            session.add(sign_up)
            session.flush()
            return self._sign_up_view(session, sign_up)

        return self._write(work, person_id, activity_id)

    def cancel(self, person_id: int, activity_id: int) -> SignUpView:
        """Cancel the person's sign-up; the party's seats go to the waiting list as far as they fit, each promoted told.

        Raises NotSignedUp, ActivityNotFound, ActivityClosed (the activity has started).
        """
        self._require(activity_id)
        promoted: list[tuple[int, ActivityView, int]] = []

        def work(session: Session) -> SignUpView:
            promoted.clear()  # a retried transaction starts over
            now = self._now()
            activity, sign_up = _changeable_sign_up(session, person_id, activity_id, now)
            was = sign_up.status
            sign_up.status, sign_up.cancelled_at = CANCELLED, now
            if was == WAITING:
                activity.waiting_count -= sign_up.seats
            else:
                activity.confirmed_count -= sign_up.seats  # the whole party's seats
                if activity.status != CANCELLED_BY_STAFF:
                    promoted.extend(self._promote(session, activity, now))
            session.flush()
            return self._sign_up_view(session, sign_up)

        result = self._write(work, person_id, activity_id)
        for promoted_person, view, companions in promoted:
            self._tell_promoted(promoted_person, view, companions)
        return result

    def change_companions(self, person_id: int, activity_id: int, companions: int) -> SignUpView:
        """Change how many companions come with the person's live sign-up; seats freed go to the waiting list.

        More seats are taken only if free (PartyTooLarge says how many are left; a waiting party
        grows only within the waiting list's size, else ActivityFull). Raises TooManyCompanions,
        NotSignedUp, ActivityClosed (started, or closed for sign-ups when asking for more).
        """
        view = self._require(activity_id)
        seats = self._seats(view, companions)
        promoted: list[tuple[int, ActivityView, int]] = []

        def work(session: Session) -> SignUpView:
            promoted.clear()  # a retried transaction starts over
            now = self._now()
            activity, sign_up = _changeable_sign_up(session, person_id, activity_id, now)
            more = seats - sign_up.seats
            shown = view_of(activity, now)
            if more > 0 and shown.status not in (SHOWN_OPEN, SHOWN_FULL):
                raise ActivityClosed(activity_id, shown.status)
            if sign_up.status == CONFIRMED:
                if more > shown.places_left:
                    raise PartyTooLarge(activity_id, seats, shown.places_left, False)
                activity.confirmed_count += more
            else:
                size = activity.waiting_list_size
                if more > 0 and size is not None and activity.waiting_count + more > size:
                    raise ActivityFull(activity_id, False)
                activity.waiting_count += more
            sign_up.companions = companions
            if activity.status != CANCELLED_BY_STAFF:  # fewer seats taken, or a smaller party that now fits
                promoted.extend(self._promote(session, activity, now))
            session.flush()
            return self._sign_up_view(session, sign_up)

        result = self._write(work)
        for promoted_person, promoted_view, companions in promoted:
            self._tell_promoted(promoted_person, promoted_view, companions)
        return result

    def create(self, **fields: Any) -> ActivityView:
        """Create an activity (CLI, console, demo); ValueError names a bad field.

        Required: title, city, place, starts_at (naive UTC), capacity. Optional: summary,
        eligibility, organizer, ends_at, signup_deadline, waiting_list_size (None unlimited,
        0 none), members_only, key (a stable name; creating the same key twice is refused).
        """
        values = _checked_fields(fields, self.places())
        with self.database.session() as session:
            if values.get("key") and session.scalar(select(Activity.id).where(Activity.key == values["key"])):
                raise ValueError(f"key: an activity named {values['key']!r} exists already")
            activity = Activity(**values)
            session.add(activity)
            session.flush()
            return view_of(activity, self._now())

    def create_from_form(self, form) -> ActivityView:
        """Create an activity from an editor's form (China time, text); ActivityRejected names each wrong field."""
        return self.create(**read_form(form, self.places(), self.replies, self._now(), new=True))

    def create_series_from_form(self, form) -> list[ActivityView]:
        """Create the form's activity once, every week for form["weeks"] weeks, or on each of form["dates"] too.

        The sessions of a series share a series key and the time of day; all are created or none.
        """
        first = read_form(form, self.places(), self.replies, self._now(), new=True)
        shifts = read_session_shifts(form, self.replies, first["starts_at"], self._now(), first["signup_deadline"])
        series_key = uuid.uuid4().hex if len(shifts) > 1 else None
        with self.database.session() as session:
            sessions = []
            for shift in shifts:
                values = dict(first, series_key=series_key, **{name: first[name] + shift for name in (
                    "starts_at", "ends_at", "signup_deadline") if first[name] is not None})
                activity = Activity(**_checked_fields(values, self.places()))
                session.add(activity)
                sessions.append(activity)
            session.flush()
            return [view_of(activity, self._now()) for activity in sessions]

    def edit(self, activity_id: int, form) -> tuple[ActivityView, int]:
        """Change an activity from an editor's form; return it and how many sign-ups were told of a move.

        Capacity never goes below the seats taken; a larger one moves the waiting list up as far as
        it fits (each promoted worker is told). A new time or place is told to everyone signed up or waiting.
        """
        values = read_form(form, self.places(), self.replies, self._now(), new=False)
        promoted: list[tuple[int, ActivityView, int]] = []
        to_tell: list[int] = []

        def work(session: Session) -> ActivityView:
            promoted.clear()  # a retried transaction starts over
            to_tell.clear()
            now = self._now()
            activity = lock_activity(session, activity_id, now)
            if values["capacity"] < activity.confirmed_count:
                raise ActivityRejected({"capacity": self.replies.get("activity_edit_capacity_below_sign_ups",
                                                                     confirmed=activity.confirmed_count)})
            size = values["waiting_list_size"]
            if size is not None and size < activity.waiting_count:
                raise ActivityRejected({"waiting_list_size": self.replies.get(
                    "activity_edit_waiting_list_below_waiting", waiting=activity.waiting_count)})
            moved = (activity.starts_at, activity.ends_at, activity.city, activity.place) != (
                values["starts_at"], values["ends_at"], values["city"], values["place"])
            for name, value in values.items():
                setattr(activity, name, value)
            if activity.status == OPEN and activity.starts_at > now:
                promoted.extend(self._promote(session, activity, now))
            if moved:
                promoted_people = {person for person, *_rest in promoted}
                to_tell.extend(person for person in session.scalars(select(ActivitySignUp.person_id).where(
                    ActivitySignUp.activity_id == activity_id, ActivitySignUp.status.in_(LIVE)))
                    if person is not None and person not in promoted_people)
            session.flush()
            return view_of(activity, now)

        view = self._write(work)
        for person, promoted_view, companions in promoted:
            self._tell_promoted(person, promoted_view, companions)
        for person in to_tell:
            self._tell_moved(person, view)
        log.info("activity %s edited; %d told of a move, %d promoted", activity_id, len(to_tell), len(promoted))
        return view, len(to_tell)

    def close(self, activity_id: int) -> ActivityView:
        """Stop sign-ups (staff); existing sign-ups stay, cancels still promote the waiting list."""
        return self._set_status(activity_id, CLOSED_BY_STAFF)

    def cancel_activity(self, activity_id: int) -> ActivityView:
        """The activity will not take place (staff); it leaves the lists, sign-ups see it cancelled."""
        return self._set_status(activity_id, CANCELLED_BY_STAFF)

    def by_key(self, key: str) -> ActivityView | None:
        """The activity created with this stable key (demo content), or None."""
        with self.database.session() as session:
            activity = session.scalar(select(Activity).where(Activity.key == key))
            return view_of(activity, self._now()) if activity is not None else None

    def reschedule(self, activity_id: int, starts_at: datetime, ends_at: datetime | None = None,
                   signup_deadline: datetime | None = None) -> ActivityView:
        """Move an activity to new times (naive UTC)."""
        _check_times(starts_at, ends_at, signup_deadline)

        def work(session: Session) -> ActivityView:
            now = self._now()
            activity = lock_activity(session, activity_id, now)
            activity.starts_at, activity.ends_at, activity.signup_deadline = starts_at, ends_at, signup_deadline
            return view_of(activity, now)

        return self._write(work)

    # ---- helpers --------------------------------------------------------------------------

    def _set_status(self, activity_id: int, status: str) -> ActivityView:
        def work(session: Session) -> ActivityView:
            now = self._now()
            activity = lock_activity(session, activity_id, now)
            activity.status = status
            return view_of(activity, now)

        return self._write(work)

    def _promote(self, session: Session, activity: Activity, now: datetime) -> list[tuple[int, ActivityView, int]]:
        """Move the waiting list up into the free seats; (person, activity view, companions) of each to tell after commit."""
        moved = promote_waiting(session, activity, now)
        view = view_of(activity, now)
        return [(sign_up.person_id, view, sign_up.companions or 0) for sign_up in moved]

    @staticmethod
    def _seats(view: ActivityView, companions: int) -> int:
        """The seats a party of the worker and `companions` takes, if the activity allows that many companions."""
        if isinstance(companions, bool) or not isinstance(companions, int) or companions < 0:
            raise ValueError(f"companions: a whole number from 0, got {companions!r}")
        if companions > view.max_companions:
            raise TooManyCompanions(view.id, companions, view.max_companions)
        return 1 + companions

    def _require(self, activity_id: int) -> ActivityView:
        view = self.get(activity_id)
        if view is None:
            raise ActivityNotFound(activity_id)
        return view

    def _check_eligible(self, person_id: int, view: ActivityView) -> None:
        """Members-only activities take members only."""
        if view.members_only and not self.membership.is_member(person_id):
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
                          activity_status=view_of(activity, self._now()).status,
                          promoted=sign_up.promoted_at is not None, mode=activity.mode,
                          # the link of an online activity is for those who have a place
                          join_url=activity.join_url if sign_up.status == CONFIRMED else None,
                          companions=sign_up.companions or 0)

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
                    existing = live_sign_up(session, person_id, activity_id)
                    if existing is not None:
                        raise AlreadySignedUp(self._sign_up_view(session, existing)) from None
            except OperationalError as exc:
                if not _is_transient(exc) or attempt == WRITE_ATTEMPTS:
                    raise
                log.info("activities: database busy (%s), attempt %s", exc.orig.__class__.__name__, attempt)
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # jitter, so the retries do not collide again
        raise AssertionError("unreachable")

    def _tell_moved(self, person_id: int, view: ActivityView) -> None:
        """Tell a worker signed up that the time or place changed."""
        self._tell(person_id, view, "changed", self.changed_template_id)

    def _tell_promoted(self, person_id: int, view: ActivityView, companions: int = 0) -> None:
        """Tell the worker who moved up from the waiting list (and for how many people, with companions)."""
        party = self.replies.get("activity_promoted_party", seats=1 + companions,
                                 companions=companions) if companions else ""
        self._tell(person_id, view, "promoted", self.promoted_template_id, party)

    def _tell(self, person_id: int, view: ActivityView, news: str, template_id: str | None, party: str = "") -> None:
        """Send the activity_<news>_notice (template: _first, _remark) off the request path; failures are logged."""
        when = to_local(view.starts_at).strftime("%m月%d日 %H:%M").lstrip("0")
        text = self.replies.get(f"activity_{news}_notice", title=view.title, when=when, city=view.city,
                                place=view.place, party=f"\n{party}" if party else "")
        remark = self.replies.get(f"activity_{news}_remark")
        data = {"first": self.replies.get(f"activity_{news}_first"), "keyword1": view.title, "keyword2": when,
                "keyword3": f"{view.city} {view.place}", "remark": f"{party}。{remark}" if party else remark}

        def send() -> str:
            channel = self.notifier.send(person_id, text, template_id, data)
            log.info("activity %s: %s person %s, notified by %s", view.id, news, person_id, channel)
            return channel

        try:
            self.background.submit(send)  # WeChat may be slow
        except RuntimeError:  # the executor is shutting down (end of a CLI command): send now
            send()


_FIELDS = ("key", "title", "summary", "eligibility", "organizer", "city", "place", "starts_at", "ends_at",
           "signup_deadline", "capacity", "waiting_list_size", "members_only", "status", "mode", "join_url",
           "max_companions", "series_key")


def _checked_fields(fields: dict[str, Any], regions: Regions) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    values = {name: fields[name] for name in _FIELDS if fields.get(name) is not None}
    values["mode"] = values.get("mode") or ONSITE
    if values["mode"] not in (ONSITE, ONLINE):
        raise ValueError(f"mode: one of onsite, online, got {values['mode']!r}")
    required = ("title", "city", "starts_at", "capacity") + (("place",) if values["mode"] == ONSITE else ())
    for name in required:
        if values.get(name) in (None, ""):
            raise ValueError(f"{name}: required")
    values.setdefault("place", "")
    if values["mode"] == ONLINE and not is_join_url(str(values.get("join_url") or "")):
        raise ValueError("join_url: an online activity needs an https link")
    if values["mode"] == ONSITE:
        values["join_url"] = None
    city = regions.short_name(str(values["city"]))
    if city is None:
        raise ValueError(f"city: {values['city']!r} is not one of the cities of Zhejiang "
                         f"({'/'.join(regions.short_names())})")
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
    if not 0 <= int(values.get("max_companions") or 0) <= MAX_COMPANIONS:
        raise ValueError(f"max_companions: 0 to {MAX_COMPANIONS}")
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


def _changeable_sign_up(session: Session, person_id: int, activity_id: int,
                        now: datetime) -> tuple[Activity, ActivitySignUp]:
    """Lock the activity and find the person's live sign-up, which can change until the activity starts."""
    activity = lock_activity(session, activity_id, now)
    sign_up = live_sign_up(session, person_id, activity_id)
    if sign_up is None:
        raise NotSignedUp(activity_id)
    if activity.starts_at <= now:
        raise ActivityClosed(activity_id, SHOWN_ENDED)
    return activity, sign_up


def _may_wait(activity: Activity, seats: int) -> bool:
    """Whether the waiting list has room for a party of `seats` people (None: unlimited, 0: no waiting list)."""
    size = activity.waiting_list_size
    return size is None or activity.waiting_count + seats <= size


def _is_transient(exc: OperationalError) -> bool:
    """SQLite busy/locked, or a PostgreSQL deadlock victim or serialization failure: worth another try."""
    message = str(exc.orig).lower()
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return "locked" in message or "busy" in message or code in ("40001", "40P01")
