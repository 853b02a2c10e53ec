"""The figures against counts taken directly from the raw rows, on generated data (PostgreSQL only:
the data are generated in SQL): 100,000 messages and 10,000 followers over 90 days."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bench.stats import LAST_DAY, seed
from bot.stats.aggregate import ACTING_EVENTS, Aggregator, china_day, day_bounds
from bot.storage.models import DailyFigure, Follower, MessageLog, Ticket, TicketReply

THRESHOLD = 0.5


@pytest.fixture
def generated(database):
    if database.is_sqlite:
        pytest.skip("the generated data are made with PostgreSQL's generate_series (CI runs this on PostgreSQL)")
    seed(database, messages=100_000, followers=10_000, days=90)
    return database


def stored(database, day: date) -> Counter:
    with database.session() as session:
        return Counter({(r.metric, r.city, r.dim, r.dim2): r.value
                        for r in session.scalars(select(DailyFigure).where(DailyFigure.day == day))})


def of(found: Counter, metric: str) -> dict:
    return {key[1:]: value for key, value in found.items() if key[0] == metric and value}


def acting(row) -> bool:
    return row.direction == "in" and (row.kind != "event" or row.event in ACTING_EVENTS)


def test_every_figure_matches_the_raw_rows_and_a_rebuild_gives_the_same(generated):
    database = generated
    days = [LAST_DAY - timedelta(days=40), LAST_DAY - timedelta(days=10), LAST_DAY]
    aggregator = Aggregator(database, threshold=THRESHOLD)
    with database.session() as session:
        log = session.execute(select(MessageLog.openid, MessageLog.direction, MessageLog.kind, MessageLog.event,
                                     MessageLog.intent, MessageLog.score, MessageLog.created_at)).all()
        scenes = dict(session.execute(select(Follower.openid, Follower.source_scene)).all())
        tickets = session.execute(select(Ticket.id, Ticket.kind, Ticket.department, Ticket.due_at, Ticket.created_at,
                                         Ticket.details)).all()
        first_reply = {}
        for ticket_id, at in session.execute(select(TicketReply.ticket_id, TicketReply.created_at)):
            first_reply[ticket_id] = min(at, first_reply.get(ticket_id, at))
    assert len(log) == 100_000
    for day in days:
        aggregator.run_day(day)
        found = stored(database, day)
        start, end = day_bounds(day)

        def active_between(since):
            return len({r.openid for r in log if since <= r.created_at < end and acting(r)})

        assert of(found, "active.day").get(("", "", ""), 0) == active_between(start)
        assert of(found, "active.week").get(("", "", ""), 0) == active_between(end - timedelta(days=7))
        assert of(found, "active.month").get(("", "", ""), 0) == active_between(end - timedelta(days=30))
        today = {r.openid for r in log if start <= r.created_at < end and acting(r)}
        before = {r.openid for r in log if start - timedelta(days=30) <= r.created_at < start and acting(r)}
        assert of(found, "active.returning").get(("", "", ""), 0) == len(today & before)

        words = [r for r in log if start <= r.created_at < end and r.direction == "in" and r.kind != "event"]
        assert of(found, "messages.intent") == {("", i or "unknown", ""): n for i, n in
                                                 Counter(r.intent for r in words).items()}
        hours = Counter(f"{(r.created_at + timedelta(hours=8)).hour:02d}" for r in words)
        assert of(found, "messages.hour") == {("", h, ""): n for h, n in hours.items()}
        unplaced = sum(1 for r in words if r.intent in (None, "unknown") or (r.score is not None and r.score < THRESHOLD))
        assert of(found, "messages.unplaced").get(("", "", ""), 0) == unplaced

        for metric, event in (("followers.new", "subscribe"), ("followers.left", "unsubscribe")):
            who = {r.openid for r in log if start <= r.created_at < end and r.kind == "event" and r.event == event}
            assert of(found, metric) == {("", s or "", ""): n for s, n in Counter(scenes.get(o) for o in who).items()}

        opened = Counter((t.kind, t.department) for t in tickets if start <= t.created_at < end)
        assert sum(of(found, "tickets.new").values()) == sum(opened.values())
        answered = [t for t in tickets if t.id in first_reply and start <= first_reply[t.id] < end]
        assert sum(of(found, "answers.count").values()) == len(answered)
        assert sum(of(found, "answers.late").values()) == sum(first_reply[t.id] > t.due_at for t in answered)
        overdue = [t for t in tickets if t.created_at < end and t.due_at < end
                   and not (t.id in first_reply and first_reply[t.id] < end)]
        assert sum(of(found, "tickets.overdue").values()) == len(overdue)
        assert china_day(start) == day

    before = [stored(database, day) for day in days]
    aggregator.rebuild(days[0], days[0])
    aggregator.rebuild(days[-1], days[-1])
    assert [stored(database, day) for day in days] == before
