"""Check-in at an activity's door: the rules (only a confirmed sign-up, once), the undo, the audit, and the
worker's own check-in by scanning the door's QR code through the real webhook."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.config import DEMO_TOKEN
from bot.console import audit
from bot.services.activities import SELF, CheckInRefused, check_in_scene
from bot.services.people import OFFICIAL

from tests.console.conftest import Clock
from tests.webhook.signing import event_xml, post

START = datetime(2026, 11, 20, 1, 0)  # 09:00 China time


@pytest.fixture
def clock(runtime):
    """Ten days before the activity."""
    moving = Clock(START - timedelta(days=10))
    runtime.clock = moving
    return moving


@pytest.fixture
def activity(runtime, clock):
    """A two-place basketball match in Hangzhou, with a waiting list."""
    return runtime.activities.create(title="职工篮球赛", city="杭州", place="杭州市体育馆", starts_at=START,
                                     ends_at=START + timedelta(hours=3), capacity=2)


def person(runtime, openid: str) -> int:
    return runtime.people.person_id(OFFICIAL, openid)


def test_staff_check_in_a_confirmed_sign_up_once_and_undo_it(runtime, clock, activity):
    a, b = person(runtime, "o_a"), person(runtime, "o_b")
    runtime.activities.sign_up(a, activity.id)
    runtime.activities.sign_up(b, activity.id)
    clock.now = START
    assert runtime.attendance.turnout(activity.id).arrived == 0

    runtime.attendance.check_in(activity.id, a, "door-zhang", role="editor")
    turnout = runtime.attendance.turnout(activity.id)
    assert (turnout.signed_up, turnout.arrived, turnout.rate) == (2, 1, 50.0)
    with pytest.raises(CheckInRefused) as twice:
        runtime.attendance.check_in(activity.id, a, "door-li")
    assert twice.value.reason == "checkin_already"

    runtime.attendance.undo(activity.id, a, "door-zhang")
    assert runtime.attendance.turnout(activity.id).arrived == 0
    with pytest.raises(CheckInRefused) as nothing:
        runtime.attendance.undo(activity.id, a, "door-zhang")
    assert nothing.value.reason == "checkin_not_checked_in"

    entries, _ = audit.search(runtime.database, action="activity.check_in")
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("door-zhang", "activity.check_in_undo", str(activity.id)), ("door-zhang", "activity.check_in", str(activity.id))]


def test_no_check_in_without_a_place(runtime, clock, activity):
    a, b, c, stranger = (person(runtime, o) for o in ("o_a", "o_b", "o_c", "o_stranger"))
    runtime.activities.sign_up(a, activity.id)
    runtime.activities.sign_up(b, activity.id)
    runtime.activities.join_waiting_list(c, activity.id)
    runtime.activities.cancel(b, activity.id)  # c moves up; b is cancelled
    d = person(runtime, "o_d")
    runtime.activities.join_waiting_list(d, activity.id)  # full again: d waits
    clock.now = START
    for who, reason in ((stranger, "checkin_not_signed_up"), (b, "checkin_cancelled"), (d, "checkin_waiting")):
        with pytest.raises(CheckInRefused) as refused:
            runtime.attendance.check_in(activity.id, who, "door-zhang")
        assert refused.value.reason == reason
    runtime.attendance.check_in(activity.id, c, "door-zhang")  # promoted from the waiting list: has a place
    assert runtime.attendance.turnout(activity.id).arrived == 1

    runtime.activities.cancel_activity(activity.id)
    with pytest.raises(CheckInRefused) as cancelled:
        runtime.attendance.check_in(activity.id, a, "door-zhang")
    assert cancelled.value.reason == "checkin_activity_cancelled"


def test_a_worker_scans_the_door_code_and_is_told_签到成功(runtime, clock, activity, client):
    from bot.storage.models import Follower

    post(client, DEMO_TOKEN, event_xml("o_rider_a", "subscribe", "qrscene_hz_poster", create_time=1_700_000_000))
    a = person(runtime, "o_rider_a")
    runtime.activities.sign_up(a, activity.id)
    key = check_in_scene(activity.id)

    clock.now = START - timedelta(hours=5)  # too early: the door is not open
    early = post(client, DEMO_TOKEN, event_xml("o_rider_a", "SCAN", key, create_time=1_700_000_001))
    assert "签到未成功" in early.get_data(as_text=True) and runtime.attendance.turnout(activity.id).arrived == 0

    clock.now = START - timedelta(minutes=20)
    answer = post(client, DEMO_TOKEN, event_xml("o_rider_a", "SCAN", key, create_time=1_700_000_002))
    assert "签到成功" in answer.get_data(as_text=True)
    assert runtime.attendance.arrived(activity.id)[a] == clock.now
    again = post(client, DEMO_TOKEN, event_xml("o_rider_a", "SCAN", key, create_time=1_700_000_003))
    assert "已经签到过了" in again.get_data(as_text=True)
    with runtime.database.session() as session:  # the poster that brought them keeps the credit
        assert session.get(Follower, "o_rider_a").source_scene == "hz_poster"

    # Someone who never signed up follows the account from the door's code: welcomed, not checked in.
    newcomer = post(client, DEMO_TOKEN, event_xml("o_newcomer", "subscribe", "qrscene_" + key, create_time=1_700_000_004))
    assert "没有这个人的报名记录" in newcomer.get_data(as_text=True)
    assert runtime.attendance.turnout(activity.id).arrived == 1
    entries, _ = audit.search(runtime.database, action="activity.check_in")
    assert [e.actor for e in entries] == [SELF]


def test_erasure_keeps_attendance_anonymous_and_removes_the_person_from_push_lists(runtime, clock, activity):
    from sqlalchemy import func, select

    from bot.push.audience_lists import AudienceLists
    from bot.storage.models import AudienceListMember, Follower

    with runtime.database.session() as session:
        session.add_all([Follower(openid="o_rider_a", subscribed=True), Follower(openid="o_rider_b", subscribed=True)])
    a = person(runtime, "o_rider_a")
    runtime.activities.sign_up(a, activity.id)
    AudienceLists(runtime.database, runtime.clock).store("骑手", "o_rider_a\no_rider_b")
    clock.now = START
    runtime.attendance.check_in(activity.id, a, "door-zhang")
    clock.now = START + timedelta(days=30)
    [held] = runtime.personal_data.held(a).sign_ups  # 我的信息 shows the attendance too
    assert held["attended_at"] == START

    runtime.personal_data.erase(a, "admin")
    turnout = runtime.attendance.turnout(activity.id)
    assert (turnout.signed_up, turnout.arrived) == (1, 1)  # the figures stay
    with runtime.database.session() as session:
        assert session.scalars(select(AudienceListMember.openid)).all() == ["o_rider_b"]
        assert session.scalar(select(func.count()).select_from(Follower).where(Follower.openid == "o_rider_a")) == 0
