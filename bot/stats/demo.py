"""Demo figures for the embedded default (`make run`): some weeks of followers, messages, applications,
tickets and past activities with sign-ups and attendance, then aggregated, so the dashboard has figures.

Only ever loaded on the embedded default (config.demo). What it makes is marked as demo (content/demo/
figures.yaml: openids o_demo_stats_*, QR scenes demo_*, activity keys demo-stats-*, 【演示】 titles).
It is generated once, with a fixed seed; running it again only aggregates the days again, so the
figures stay current and the demo stays believable.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import yaml
from sqlalchemy import select

from bot.services.activities import CheckInRefused
from bot.services.identity_checks import id_check_digit
from bot.services.people import OFFICIAL
from bot.services.tickets import PREFIXES
from bot.stats.aggregate import aggregator_for, china_day, day_bounds
from bot.storage.models import Follower, MessageLog, QrChannel, Ticket, TicketRating, TicketReply

DEMO_FILE = "demo/figures.yaml"
OPENID_PREFIX = "o_demo_stats_"
SEED = 20261203
# Messages come in the day, most at lunch and after work (China hours), few at night.
ACTIVITY_RATES, ACTIVITY_WEIGHTS = (0.008, 0.05, 0.2), (60, 30, 10)
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 6, 5, 4, 5, 9, 7, 4, 4, 5, 6, 9, 10, 9, 7, 4, 2]


def _at(day, rng: random.Random) -> datetime:
    """A naive-UTC moment on a China day, at a likely hour."""
    start, _ = day_bounds(day)
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return start + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


class _Moved:
    """Run the services at a past moment (they read the runtime's clock), then put the clock back."""

    def __init__(self, runtime):
        self.runtime, self.real = runtime, runtime.clock

    def at(self, moment: datetime) -> None:
        self.runtime.clock = lambda: moment

    def restore(self) -> None:
        self.runtime.clock = self.real


def load_demo_figures(runtime) -> str:
    """Generate the demo weeks once (embedded default only), then aggregate them; return what was done."""
    if not runtime.config.demo:
        return "no demo figures outside the embedded default"
    spec = yaml.safe_load((runtime.content_dir / DEMO_FILE).read_text(encoding="utf-8"))
    now = runtime.clock()
    today = china_day(now)
    first = today - timedelta(weeks=int(spec["weeks"]))
    with runtime.database.session() as session:
        there = session.scalar(select(Follower.openid).where(Follower.openid.like(f"{OPENID_PREFIX}%")).limit(1))
    made = "demo figures already there"
    if there is None:
        moved = _Moved(runtime)
        try:
            made = _generate(runtime, spec, first, today, moved)
        finally:
            moved.restore()
    days = aggregator_for(runtime).rebuild(first, today)
    return f"{made}; {days} days aggregated"


def _generate(runtime, spec: dict, first, today, moved: _Moved) -> str:
    rng = random.Random(SEED)
    channels = spec["channels"]
    with runtime.database.session() as session:
        for channel in channels:
            if channel["scene"] and session.scalar(select(QrChannel.id).where(QrChannel.scene == channel["scene"])) is None:
                session.add(QrChannel(name=channel["name"], scene=channel["scene"], city=channel["city"] or None,
                                      created_by="demo", created_at=day_bounds(first)[0]))
    followers: list[tuple[str, datetime]] = []  # openid, followed at
    rows_followers, rows_messages = [], []
    left: set[str] = set()
    rates: dict[str, float] = {}  # the chance a follower writes on a given day
    number = 0
    # Those who followed before the demo weeks (their follow is older than the figures).
    for _ in range(int(spec["followers_before"])):
        channel = rng.choices(channels, weights=[c["weight"] for c in channels])[0]
        openid, at = f"{OPENID_PREFIX}{number:05d}", _at(first - timedelta(days=rng.randint(1, 365)), rng)
        number += 1
        followers.append((openid, at))
        rates[openid] = rng.choices(ACTIVITY_RATES, weights=ACTIVITY_WEIGHTS)[0]
        rows_followers.append({"openid": openid, "subscribed": True, "source_scene": channel["scene"] or None,
                               "subscribed_at": at, "created_at": at, "last_message_at": at})
    day = first
    low, high = spec["followers_per_day"]
    while day <= today:
        for _ in range(rng.randint(low, high)):
            channel = rng.choices(channels, weights=[c["weight"] for c in channels])[0]
            openid, at = f"{OPENID_PREFIX}{number:05d}", _at(day, rng)
            number += 1
            followers.append((openid, at))
            rates[openid] = rng.choices(ACTIVITY_RATES, weights=ACTIVITY_WEIGHTS)[0]
            rows_followers.append({"openid": openid, "subscribed": True, "source_scene": channel["scene"] or None,
                                   "subscribed_at": at, "created_at": at, "last_message_at": at})
            rows_messages.append(_event(openid, "subscribe", at))
        for openid, since in followers:
            if openid in left or china_day(since) > day:
                continue
            if rng.random() < 0.0015:  # some leave again
                at = max(_at(day, rng), since + timedelta(minutes=5))
                left.add(openid)
                rows_messages.append(_event(openid, "unsubscribe", at))
                continue
            # Most followers write rarely, a few often; on the day they follow most ask something.
            if rng.random() < (0.6 if china_day(since) == day else rates[openid]):
                for _ in range(rng.randint(*spec["messages_per_active_follower"])):
                    message = rng.choice(spec["messages"])
                    rows_messages.append({"direction": "in", "openid": openid, "kind": "text", "event": None,
                                          "dedup_key": None, "text": message["text"], "intent": message["intent"],
                                          "score": message["score"], "outcome": "replied",
                                          "created_at": max(_at(day, rng), since + timedelta(minutes=1))})
        day += timedelta(days=1)
    with runtime.database.session() as session:
        session.execute(Follower.__table__.insert(), rows_followers)
        session.execute(MessageLog.__table__.insert(), rows_messages)
        if left:
            session.execute(Follower.__table__.update().where(Follower.openid.in_(left)).values(subscribed=False))
    applications = _applications(runtime, spec, followers, rng, moved, today)
    tickets = _tickets(runtime, spec, followers, rng, today)
    arrived = _activities(runtime, spec, followers, rng, moved, today)
    return (f"{len(rows_followers)} followers, {len(rows_messages)} messages, {applications} applications, "
            f"{tickets} tickets, {arrived} arrivals at past activities generated")


def _event(openid: str, event: str, at: datetime) -> dict:
    return {"direction": "in", "openid": openid, "kind": "event", "event": event,
            "text": None, "intent": None, "score": None, "outcome": "replied", "created_at": at,
            "dedup_key": f"demo:{openid}:{event}:{at.isoformat()}"}


def _person(runtime, openid: str) -> int:
    return runtime.people.person_id(OFFICIAL, openid)


def _applications(runtime, spec: dict, followers, rng: random.Random, moved: _Moved, today) -> int:
    """Applications through the membership service, at past moments; about half approved."""
    wanted = spec["applications"]
    cities = list(wanted["districts"])
    made = 0
    for index, (openid, since) in enumerate(rng.sample(followers, min(len(followers),
                                                                      rng.randint(*wanted["per_week"]) * spec["weeks"]))):
        city = rng.choice(cities)
        first17 = f"3301061990{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{index % 1000:03d}"
        fields = {"name": rng.choice(wanted["names"]), "phone": f"1390000{index:04d}",
                  "id_number": first17 + id_check_digit(first17), "employer": wanted["employer"],
                  "no_fixed_employer": False, "city": city, "district": wanted["districts"][city],
                  "industry": wanted["industry"], "occupation": wanted["occupation"]}
        moved.at(since + timedelta(minutes=10))
        application = runtime.membership.submit(_person(runtime, openid), fields, consent=True, channel="chat")
        if rng.random() < 0.55 and since.date() < today - timedelta(days=2):
            moved.at(since + timedelta(days=rng.randint(1, 3)))
            runtime.membership.review(application.application_no, "approve", reviewer="demo", notify=False)
        made += 1
    return made


def _tickets(runtime, spec: dict, followers, rng: random.Random, today) -> int:
    """Tickets as stored rows (no WeChat calls at start-up): most answered, some late, many rated."""
    wanted = spec["tickets"]
    tickets = runtime.tickets
    made = 0
    chosen = rng.sample(followers, min(len(followers), rng.randint(*wanted["per_week"]) * spec["weeks"]))
    people = {openid: _person(runtime, openid) for openid, _since in chosen}  # before the session: SQLite has one writer
    with runtime.database.session() as session:
        for index, (openid, since) in enumerate(chosen):
            story = rng.choice(wanted["stories"])
            created = since + timedelta(hours=rng.randint(1, 48))
            if china_day(created) > today:
                continue
            due = tickets.due_at(story["kind"], created)
            ticket = Ticket(number=f"{PREFIXES[story['kind']]}{china_day(created):%Y%m%d}-D{index:02d}",
                            kind=story["kind"], status="open", person_id=people[openid], channel="chat",
                            department=tickets.department_for(story["kind"], details={"city": story["city"]}),
                            text=story["text"], employer="演示数据物流有限公司", details={"city": story["city"]},
                            due_at=due, created_at=created, consent_at=created, consent_version="demo")
            session.add(ticket)
            session.flush()
            answered = created + timedelta(hours=rng.choice([3, 20, 40, 70, 100, 150, 200]))
            if china_day(answered) <= today and rng.random() < 0.85:
                ticket.status, ticket.answered_at = "answered", answered
                session.add(TicketReply(ticket_id=ticket.id, staff="demo", text=wanted["answer"], delivery="none",
                                        created_at=answered))
                if rng.random() < 0.6:
                    session.add(TicketRating(ticket_id=ticket.id, person_id=ticket.person_id,
                                             score=rng.choices([5, 4, 3, 2, 1], weights=[6, 4, 2, 1, 1])[0],
                                             rated_at=answered + timedelta(hours=2)))
            made += 1
    return made


def _activities(runtime, spec: dict, followers, rng: random.Random, moved: _Moved, today) -> int:
    """Past activities: sign-ups before them through the service, most checked in at the door."""
    arrived = 0
    for activity in spec["activities"]:
        if runtime.activities.by_key(activity["key"]) is not None:
            continue
        start, _ = day_bounds(today - timedelta(days=int(activity["days_ago"])))
        starts_at = start + timedelta(hours=1)  # 09:00 China time
        moved.at(starts_at - timedelta(days=10))
        view = runtime.activities.create(key=activity["key"], title=activity["title"], city=activity["city"],
                                         place=activity["place"], organizer="演示数据", capacity=activity["capacity"],
                                         starts_at=starts_at, ends_at=starts_at + timedelta(hours=3))
        early = [f for f in followers if f[1] < starts_at - timedelta(days=1)]
        people = rng.sample(early, min(len(early), int(activity["capacity"] * rng.uniform(0.7, 1.0))))
        for openid, since in people:
            moved.at(max(since, starts_at - timedelta(days=9)) + timedelta(hours=1))
            runtime.activities.sign_up(_person(runtime, openid), view.id)
        for openid, _since in people:
            if rng.random() < 0.78:
                moved.at(starts_at - timedelta(minutes=rng.randint(0, 40)))
                try:
                    runtime.attendance.check_in(view.id, _person(runtime, openid), "demo")
                    arrived += 1
                except CheckInRefused:  # the demo never asks twice; kept safe all the same
                    pass
    return arrived
