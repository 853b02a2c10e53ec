"""The scheduler: campaigns fire at their time, jobs survive restarts, one scheduler acts, reminders once."""
from __future__ import annotations

import threading
import time
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select, text, update

from bot.push import audience, campaigns, reminders
from bot.push.scheduler import SchedulerService
from bot.storage.models import Campaign
from tests.conftest import wait_until
from tests.push.conftest import Inline, sent_to


class Running:
    """A SchedulerService running on a thread, as `python -m bot scheduler` runs it."""

    def __init__(self, runtime, owner: str) -> None:
        self.service = SchedulerService(runtime, owner=owner)
        self.thread = threading.Thread(target=self.service.run, name=f"scheduler-{owner}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.service.stop()
        self.thread.join(timeout=10)


@pytest.fixture
def schedulers():
    started: list[Running] = []

    def start(runtime, owner: str = "only") -> SchedulerService:
        running = Running(runtime, owner)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def _epoch(naive_utc) -> float:
    return naive_utc.replace(tzinfo=timezone.utc).timestamp()


def _state(runtime, campaign_id):
    return campaigns.get(runtime, campaign_id).state


def test_a_scheduled_campaign_fires_at_its_time_and_reaches_exactly_its_audience(
        push_runtime, add_followers, fake_wechat, schedulers):
    expo = add_followers(25, prefix="expo", scene="expo2031")
    add_followers(10, prefix="other", scene="elsewhere")
    at = push_runtime.clock() + timedelta(seconds=2)
    campaign = campaigns.create(push_runtime, title="展会开幕", text="欢迎参观", channel="template",
                                audience="scene:expo2031", at=at)
    schedulers(push_runtime)
    time.sleep(1.0)
    assert _state(push_runtime, campaign.id) == "scheduled"
    assert fake_wechat.calls("/cgi-bin/message/template/send") == []
    wait_until(lambda: _state(push_runtime, campaign.id) == "done", timeout=15)
    calls = fake_wechat.calls("/cgi-bin/message/template/send")
    assert sorted(sent_to(fake_wechat)) == expo
    assert len(calls) == 25
    assert min(c["time"] for c in calls) >= _epoch(at) - 0.05


def test_a_campaign_missed_while_down_fires_once_within_the_grace_time(push_runtime, add_followers, fake_wechat,
                                                                         schedulers):
    fans = add_followers(6)
    recent = campaigns.create(push_runtime, title="刚错过", text="x", channel="template", audience="all")
    stale = campaigns.create(push_runtime, title="错过太久", text="x", channel="template", audience="all")
    now = push_runtime.clock()
    with push_runtime.database.session() as session:  # both were due while no scheduler ran
        session.execute(update(Campaign).where(Campaign.id == recent.id).values(send_at=now - timedelta(seconds=30)))
        session.execute(update(Campaign).where(Campaign.id == stale.id).values(send_at=now - timedelta(minutes=5)))
    schedulers(push_runtime)
    wait_until(lambda: _state(push_runtime, recent.id) == "done", timeout=15)
    wait_until(lambda: _state(push_runtime, stale.id) == "missed", timeout=5)
    assert sorted(sent_to(fake_wechat)) == fans


def test_jobs_survive_a_restart_of_the_scheduler(push_runtime, add_followers, fake_wechat, schedulers):
    fans = add_followers(3)
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all",
                                at=push_runtime.clock() + timedelta(seconds=3))
    first = schedulers(push_runtime, "first")
    wait_until(lambda: _job_ids(push_runtime) >= {f"campaign:{campaign.id}", "push.sync"}, timeout=5)
    first.stop()
    assert f"campaign:{campaign.id}" in _job_ids(push_runtime)  # kept in the database
    assert _state(push_runtime, campaign.id) == "scheduled"
    schedulers(push_runtime, "second")
    wait_until(lambda: _state(push_runtime, campaign.id) == "done", timeout=15)
    assert sorted(sent_to(fake_wechat)) == fans


def _job_ids(runtime) -> set[str]:
    with runtime.database.engine.connect() as connection:
        return set(connection.scalars(text("SELECT id FROM apscheduler_jobs")))


def test_of_two_schedulers_only_one_acts_and_the_other_takes_over(push_runtime, add_followers, fake_wechat,
                                                                   schedulers):
    fans = add_followers(12)
    one = schedulers(push_runtime, "one")
    two = schedulers(push_runtime, "two")
    wait_until(lambda: one.service.is_leader or two.service.is_leader, timeout=5)
    time.sleep(push_runtime.config.scheduler_lock_ttl_seconds)
    assert [one.service.is_leader, two.service.is_leader].count(True) == 1
    leader, standby = (one, two) if one.service.is_leader else (two, one)
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all")
    wait_until(lambda: _state(push_runtime, campaign.id) == "done", timeout=15)
    assert leader.service.fired == [campaign.id] and standby.service.fired == []
    assert sorted(sent_to(fake_wechat)) == fans
    # The active one dies: the other takes over once the lease expires and sends the next campaign.
    leader.stop()
    wait_until(lambda: standby.service.is_leader, timeout=push_runtime.config.scheduler_lock_ttl_seconds * 4)
    later = campaigns.create(push_runtime, title="t2", text="x", channel="template", audience="all")
    wait_until(lambda: _state(push_runtime, later.id) == "done", timeout=15)
    assert standby.service.fired == [later.id]


def test_a_recurring_campaign_sends_each_occurrence_once(push_runtime, add_followers, fake_wechat):
    add_followers(4)
    weekly = campaigns.create(push_runtime, title="每周一提醒", text="x", channel="template", audience="all",
                              cron="0 9 * * 1")
    assert campaigns.to_local(weekly.send_at).strftime("%a %H:%M") == "Mon 09:00"
    inline = Inline(push_runtime)
    occurrence = weekly.send_at
    run = campaigns.start(push_runtime, weekly.id, inline, occurrence=occurrence)
    assert run != weekly.id
    assert campaigns.start(push_runtime, weekly.id, inline, occurrence=occurrence) is None
    report = campaigns.report(push_runtime, weekly.id)
    assert report["state"] == "scheduled" and report["runs"] == [run]
    assert report["counts"]["sent"] == 4
    assert campaigns.get(push_runtime, weekly.id).send_at == occurrence + timedelta(days=7)


@pytest.fixture
def activities(monkeypatch, push_runtime):
    """Activities starting tomorrow and their participants, as bot.services.activities reports them."""
    tomorrow_start, _ = reminders.tomorrow(push_runtime.clock())
    listed = {
        7: ("职工篮球赛", tomorrow_start + timedelta(hours=2), "杭州市体育馆", ["p1", "p2", "p3"]),
        8: ("读书会", tomorrow_start + timedelta(hours=11), "宁波图书馆", ["p2", "p4"]),
    }
    monkeypatch.setattr(reminders, "activities_starting_between", lambda database, start, end: [
        (aid, title, at, place) for aid, (title, at, place, _) in listed.items() if start <= at < end])
    monkeypatch.setattr(audience, "participant_openids", lambda database, activity_id: iter(listed[activity_id][3]))
    return listed


def test_people_signed_up_are_reminded_the_day_before_once(push_runtime, activities, fake_wechat):
    inline = Inline(push_runtime)
    first = reminders.send_reminders(push_runtime, inline)
    again = reminders.send_reminders(push_runtime, inline)
    assert len(first) == 2 and again == []
    calls = fake_wechat.calls("/cgi-bin/message/template/send")
    assert sorted((c["json"]["touser"], c["json"]["data"]["keyword1"]["value"]) for c in calls) == [
        ("p1", "职工篮球赛"), ("p2", "职工篮球赛"), ("p2", "读书会"), ("p3", "职工篮球赛"), ("p4", "读书会")]
    data = calls[0]["json"]["data"]
    assert data["first"]["value"] == "您报名的活动明天开始"
    assert data["keyword3"]["value"] in ("杭州市体育馆", "宁波图书馆")
    with push_runtime.database.session() as session:
        keys = set(session.scalars(select(Campaign.dedup_key)))
    assert keys == {"reminder:activity:7", "reminder:activity:8"}
