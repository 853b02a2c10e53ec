"""Aggregate one China day of raw rows into the daily figures (stats_daily), in SQL.

Every figure is one GROUP BY over an indexed time range of its raw table; Python only merges the
handful of grouped rows (城市 written as 杭州 or 杭州市) and tokenises the day's unplaced messages,
which are a small share of the log. Rebuilding a day deletes its figures and inserts them again,
so running it twice gives the same figures. WeChat's data-cube figures ('wechat.*') are fetched
separately (bot/stats/wechat_cube.py) and left alone here.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, and_, case, cast, delete, func, intersect, or_, select
from sqlalchemy.orm import Session

from bot.services.places import normalize_city
from bot.storage.db import Database
from bot.storage.models import (Activity, ActivityRating, ActivitySignUp, Campaign, DailyFigure, Delivery, Follower, LinkClick, Member,
                                MembershipApplication, MessageLog, StatsRun, Ticket, TicketRating, TicketReply)
from bot.storage.models.base import utcnow

log = logging.getLogger(__name__)

CHINA_OFFSET = timedelta(hours=8)  # Asia/Shanghai has no daylight saving time
# Events a follower causes by acting (as opposed to WeChat's reports and automatic location pings).
ACTING_EVENTS = ("subscribe", "SCAN", "CLICK", "VIEW")
TOP_WORDS = 30
CUBE_PREFIX = "wechat."

Figure = tuple[str, str, str, str, int]  # metric, city, dim, dim2, value
WordCounter = Callable[[list[str]], list[tuple[str, int]]]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The naive-UTC [start, end) of a China day."""
    start = datetime(day.year, day.month, day.day) - CHINA_OFFSET
    return start, start + timedelta(days=1)


def china_day(moment: datetime) -> date:
    """The China day of a naive-UTC moment."""
    return (moment + CHINA_OFFSET).date()


def _in(column, start: datetime, end: datetime):
    return and_(column >= start, column < end)


def _acting():
    return and_(MessageLog.direction == "in",
                or_(MessageLog.kind != "event", MessageLog.event.in_(ACTING_EVENTS)))


def _worker_message():
    return and_(MessageLog.direction == "in", MessageLog.kind != "event")


def _unplaced(threshold: float):
    # The same test as `python -m bot nlu misses`.
    return or_(MessageLog.intent == "unknown", MessageLog.intent.is_(None), MessageLog.score < threshold)


def _utc_hour(session: Session, column):
    if session.bind.dialect.name == "sqlite":
        return cast(func.strftime("%H", column), Integer)
    return func.extract("hour", column)


def _minutes_between(session: Session, later, earlier):
    if session.bind.dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 1440.0
    return func.extract("epoch", later - earlier) / 60.0


def _city(raw) -> str:
    return normalize_city(raw) or "" if raw else ""


def _merge(rows: Iterable[Figure]) -> list[Figure]:
    """Sum rows that became one after city names were normalised."""
    total: Counter = Counter()
    for metric, city, dim, dim2, value in rows:
        total[(metric, city, str(dim or "")[:64], str(dim2 or "")[:64])] += int(value or 0)
    return [(*key, value) for key, value in total.items() if value]


# ---- the figures -------------------------------------------------------------------------------

def followers(session: Session, day: date) -> list[Figure]:
    """New, left (by the channel that brought the follower), and the followers at the end of the day."""
    start, end = day_bounds(day)
    rows: list[Figure] = []
    for metric, event in (("followers.new", "subscribe"), ("followers.left", "unsubscribe")):
        query = (select(Follower.source_scene, func.count(func.distinct(MessageLog.openid)))
                 .select_from(MessageLog).join(Follower, Follower.openid == MessageLog.openid, isouter=True)
                 .where(_in(MessageLog.created_at, start, end), MessageLog.direction == "in",
                        MessageLog.kind == "event", MessageLog.event == event)
                 .group_by(Follower.source_scene))
        rows += [(metric, "", scene, "", n) for scene, n in session.execute(query)]
    since = func.coalesce(Follower.subscribed_at, Follower.created_at)
    query = (select(Follower.source_scene, func.count())
             .where(since < end, or_(Follower.unsubscribed_at.is_(None), Follower.unsubscribed_at >= end))
             .group_by(Follower.source_scene))
    rows += [("followers.total", "", scene, "", n) for scene, n in session.execute(query)]
    return rows


def _active_count(session: Session, start: datetime, end: datetime) -> int:
    return session.scalar(select(func.count(func.distinct(MessageLog.openid)))
                          .where(_in(MessageLog.created_at, start, end), _acting())) or 0


def activity(session: Session, day: date) -> list[Figure]:
    """Active followers over 1, 7 and 30 days ending with the day, and those who came back."""
    start, end = day_bounds(day)
    rows: list[Figure] = [
        ("active.day", "", "", "", _active_count(session, start, end)),
        ("active.week", "", "", "", _active_count(session, end - timedelta(days=7), end)),
        ("active.month", "", "", "", _active_count(session, end - timedelta(days=30), end)),
    ]
    today = select(MessageLog.openid).where(_in(MessageLog.created_at, start, end), _acting())
    before = select(MessageLog.openid).where(_in(MessageLog.created_at, start - timedelta(days=30), start), _acting())
    both = intersect(today, before).subquery()
    rows.append(("active.returning", "", "", "", session.scalar(select(func.count()).select_from(both)) or 0))
    return rows


def messages(session: Session, day: date, threshold: float, words: WordCounter | None) -> list[Figure]:
    """Workers' messages by intent and by China hour, the unplaced ones, and their most frequent words."""
    start, end = day_bounds(day)
    in_day = and_(_in(MessageLog.created_at, start, end), _worker_message())
    rows: list[Figure] = [("messages.intent", "", name or "unknown", "", n) for name, n in session.execute(
        select(MessageLog.intent, func.count()).where(in_day).group_by(MessageLog.intent))]
    hour = _utc_hour(session, MessageLog.created_at)
    for utc_hour, n in session.execute(select(hour, func.count()).where(in_day).group_by(hour)):
        rows.append(("messages.hour", "", f"{(int(utc_hour) + 8) % 24:02d}", "", n))
    rows.append(("messages.unplaced", "", "", "", session.scalar(
        select(func.count()).where(in_day, _unplaced(threshold))) or 0))
    if words is not None:
        texts = list(session.scalars(select(MessageLog.text).where(
            in_day, _unplaced(threshold), MessageLog.text.is_not(None))))
        rows += [("unplaced.word", "", word, "", n) for word, n in words(texts)[:TOP_WORDS]]
    return rows


def _ticket_city():
    """The city a ticket belongs to: the one given in it (hardship aid), else the member's, else the application's."""
    latest_application = (select(MembershipApplication.city)
                          .where(MembershipApplication.person_id == Ticket.person_id)
                          .order_by(MembershipApplication.id.desc()).limit(1).scalar_subquery())
    given = func.nullif(Ticket.details["city"].as_string(), "")
    member = (select(Member.city).where(Member.person_id == Ticket.person_id).limit(1).scalar_subquery())
    # Labelled, and grouped on from an enclosing query: PostgreSQL refuses to match a GROUP BY
    # expression whose bound parameters are rendered twice.
    return func.coalesce(given, member, latest_application).label("city")


def services(session: Session, day: date) -> list[Figure]:
    """Applications by status and city, tickets by kind, department and city, activity sign-ups by city."""
    start, end = day_bounds(day)
    rows: list[Figure] = []
    for metric, column in (("applications.new", MembershipApplication.created_at),
                           ("applications.decided", MembershipApplication.decided_at)):
        query = (select(MembershipApplication.city, MembershipApplication.status, func.count())
                 .where(_in(column, start, end))
                 .group_by(MembershipApplication.city, MembershipApplication.status))
        rows += [(metric, _city(city), status, "", n) for city, status, n in session.execute(query)]
    new = select(_ticket_city(), Ticket.kind, Ticket.department).where(_in(Ticket.created_at, start, end)).subquery()
    query = select(new.c.city, new.c.kind, new.c.department, func.count()).group_by(*new.c)
    rows += [("tickets.new", _city(c), kind, department, n) for c, kind, department, n in session.execute(query)]
    for metric, column in (("signups.new", ActivitySignUp.created_at), ("signups.cancelled", ActivitySignUp.cancelled_at)):
        query = (select(Activity.city, func.count()).select_from(ActivitySignUp)
                 .join(Activity, Activity.id == ActivitySignUp.activity_id)
                 .where(_in(column, start, end)).group_by(Activity.city))
        rows += [(metric, _city(c), "", "", n) for c, n in session.execute(query)]
    return rows


def attendance(session: Session, day: date) -> list[Figure]:
    """Activities that started that day: confirmed sign-ups and arrivals (checked in at the door), per activity."""
    start, end = day_bounds(day)
    query = (select(Activity.city, Activity.id, func.count(), func.count(ActivitySignUp.attended_at))
             .select_from(ActivitySignUp).join(Activity, Activity.id == ActivitySignUp.activity_id)
             .where(_in(Activity.starts_at, start, end), ActivitySignUp.status == "confirmed",
                    Activity.status != "cancelled")
             .group_by(Activity.city, Activity.id))
    rows: list[Figure] = []
    for c, activity_id, signed_up, arrived in session.execute(query):
        rows += [("attendance.signed_up", _city(c), str(activity_id), "", signed_up),
                 ("attendance.arrived", _city(c), str(activity_id), "", arrived)]
    return rows


def answers(session: Session, day: date) -> list[Figure]:
    """Tickets first answered that day (count, late ones, minutes taken) and those overdue at its end."""
    start, end = day_bounds(day)
    first = (select(TicketReply.ticket_id, func.min(TicketReply.created_at).label("at"))
             .group_by(TicketReply.ticket_id).having(_in(func.min(TicketReply.created_at), start, end)).subquery())
    answered = (select(_ticket_city(), Ticket.department, Ticket.kind,
                       case((first.c.at > Ticket.due_at, 1), else_=0).label("late"),
                       _minutes_between(session, first.c.at, Ticket.created_at).label("minutes"))
                .select_from(Ticket).join(first, first.c.ticket_id == Ticket.id).subquery())
    query = (select(answered.c.city, answered.c.department, answered.c.kind, func.count(),
                    func.sum(answered.c.late), func.sum(answered.c.minutes))
             .group_by(answered.c.city, answered.c.department, answered.c.kind))
    rows: list[Figure] = []
    for c, department, kind, n, n_late, total_minutes in session.execute(query):
        rows += [("answers.count", _city(c), department, kind, n),
                 ("answers.late", _city(c), department, kind, n_late or 0),
                 ("answers.minutes", _city(c), department, kind, round(total_minutes or 0))]
    answered_by_end = select(TicketReply.id).where(TicketReply.ticket_id == Ticket.id, TicketReply.created_at < end)
    overdue = (select(_ticket_city(), Ticket.department, Ticket.kind)
               .where(Ticket.created_at < end, Ticket.due_at < end, ~answered_by_end.exists(),
                      or_(Ticket.closed_at.is_(None), Ticket.closed_at >= end)).subquery())
    query = select(overdue.c.city, overdue.c.department, overdue.c.kind, func.count()).group_by(*overdue.c)
    rows += [("tickets.overdue", _city(c), department, kind, n) for c, department, kind, n in session.execute(query)]
    return rows


def satisfaction(session: Session, day: date) -> list[Figure]:
    """Ratings given that day, by the ticket's city and department, and by score."""
    start, end = day_bounds(day)
    rated = (select(_ticket_city(), Ticket.department, TicketRating.score).select_from(TicketRating)
             .join(Ticket, Ticket.id == TicketRating.ticket_id).where(_in(TicketRating.rated_at, start, end)).subquery())
    query = select(rated.c.city, rated.c.department, rated.c.score, func.count()).group_by(*rated.c)
    return [("satisfaction.score", _city(c), department, str(score), n) for c, department, score, n in session.execute(query)]


def activity_satisfaction(session: Session, day: date) -> list[Figure]:
    """Answers about activities given that day, by the activity's city, the activity and the score."""
    start, end = day_bounds(day)
    query = (select(Activity.city, ActivityRating.activity_id, ActivityRating.score, func.count())
             .select_from(ActivityRating).join(Activity, Activity.id == ActivityRating.activity_id)
             .where(_in(ActivityRating.rated_at, start, end), ActivityRating.score.is_not(None))
             .group_by(Activity.city, ActivityRating.activity_id, ActivityRating.score))
    return [("activity_satisfaction.score", _city(c), str(activity_id), str(score), n)
            for c, activity_id, score, n in session.execute(query)]


def campaign_delivery(session: Session, day: date) -> list[Figure]:
    """Deliveries of campaigns started that day by status, WeChat's reports of mass sends, and clicks on their links."""
    start, end = day_bounds(day)
    query = (select(Delivery.campaign_id, Delivery.status, func.count()).select_from(Delivery)
             .join(Campaign, Campaign.id == Delivery.campaign_id)
             .where(_in(Campaign.started_at, start, end)).group_by(Delivery.campaign_id, Delivery.status))
    rows: list[Figure] = [("campaigns.delivery", "", str(cid), status, n) for cid, status, n in session.execute(query)]
    query = select(Campaign.id, Campaign.report_sent, Campaign.report_failed).where(
        _in(Campaign.started_at, start, end), Campaign.report_total.is_not(None))
    for cid, sent, failed in session.execute(query):
        rows += [("campaigns.mass", "", str(cid), "sent", sent or 0), ("campaigns.mass", "", str(cid), "failed", failed or 0)]
    clicks = (select(LinkClick.campaign_id, func.count()).where(_in(LinkClick.clicked_at, start, end))
              .group_by(LinkClick.campaign_id))
    rows += [("campaigns.clicks", "", str(cid), "", n) for cid, n in session.execute(clicks)]
    return rows


# ---- running it --------------------------------------------------------------------------------

@dataclass
class Aggregator:
    """Computes and stores the figures of a day; built with the database and what the words need."""

    database: Database
    threshold: float = 0.0  # the matcher's confidence threshold: below it a message counts as unplaced
    words: WordCounter | None = None  # tokenises unplaced messages (the matcher's tokenizer and word lists)
    clock: Callable[[], datetime] = utcnow

    def figures(self, day: date) -> list[Figure]:
        """Every local figure of the day (without storing them)."""
        with self.database.session() as session:
            rows = (followers(session, day) + activity(session, day) + messages(session, day, self.threshold, self.words)
                    + services(session, day) + attendance(session, day) + answers(session, day) + satisfaction(session, day)
                    + activity_satisfaction(session, day)
                    + campaign_delivery(session, day))
        return _merge(rows)

    def run_day(self, day: date) -> int:
        """Replace the day's figures; return how many rows were stored."""
        started = time.perf_counter()
        rows = self.figures(day)
        with self.database.session() as session:
            session.execute(delete(DailyFigure).where(DailyFigure.day == day, ~DailyFigure.metric.startswith(CUBE_PREFIX)))
            if rows:
                session.execute(DailyFigure.__table__.insert(), [
                    {"day": day, "metric": m, "city": c, "dim": d, "dim2": d2, "value": v} for m, c, d, d2, v in rows])
            session.merge(StatsRun(day=day, finished_at=self.clock(),
                                   milliseconds=round((time.perf_counter() - started) * 1000)))
        log.info("stats: %s aggregated, %d figures in %.2f s", day, len(rows), time.perf_counter() - started)
        return len(rows)

    def rebuild(self, first: date, last: date, progress: Callable[[date, int], None] | None = None) -> int:
        """Aggregate every day from first to last (inclusive); return the number of days."""
        day, days = first, 0
        while day <= last:
            stored = self.run_day(day)
            if progress:
                progress(day, stored)
            day += timedelta(days=1)
            days += 1
        return days

    def yesterday(self) -> date:
        """The last complete China day."""
        return china_day(self.clock()) - timedelta(days=1)


def aggregator_for(runtime) -> Aggregator:
    """An Aggregator wired to the runtime's database, clock and matcher (for the job and the CLI)."""
    from bot.cli.nlu import unplaced_words

    matcher = runtime.matcher
    return Aggregator(runtime.database, threshold=matcher.threshold,
                      words=lambda texts: unplaced_words(matcher, texts, TOP_WORDS), clock=runtime.clock)


def aggregate_yesterday_job() -> None:
    """The scheduler's daily job: aggregate yesterday, and today so far, so the dashboard is current."""
    from bot.push.scheduler import active

    from bot.stats import wechat_cube
    from bot.wechat.client import WeChatError

    runtime = active().runtime
    aggregator = aggregator_for(runtime)
    yesterday = aggregator.yesterday()
    aggregator.rebuild(yesterday, yesterday + timedelta(days=1))
    try:  # WeChat's own figures of yesterday; a failure here must not lose ours, and the next run retries
        wechat_cube.fetch(runtime.database, runtime.wechat, yesterday, yesterday)
    except WeChatError as error:
        log.warning("stats: WeChat's data cube for %s not fetched: %s", yesterday, error)

