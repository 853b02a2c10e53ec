"""ActivityService: lists, sign-up with exact places under concurrency, waiting list, cancel and promotion."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import Services
from bot.services.activities import (
    ActivityClosed,
    ActivityFull,
    ActivityNotFound,
    ActivityRejected,
    ActivityService,
    AlreadySignedUp,
    MembersOnly,
    NotSignedUp,
    PartyTooLarge,
    TooManyCompanions,
    activities_starting_between,
    demo_times,
    from_local,
    load_demo_activities,
    participant_openids,
    to_local,
)
from bot.services.people import OFFICIAL
from bot.storage.models import Activity, ActivitySignUp, Follower

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 27, 2, 0)  # naive UTC: 10:00 in Zhejiang, a Friday


@pytest.fixture
def runtime(runtime):
    """The test runtime with a fixed clock."""
    runtime.clock = lambda: NOW
    return runtime


@pytest.fixture
def service(runtime):
    return runtime.activities


@pytest.fixture
def person(runtime):
    """A follower (who wrote a minute ago unless told otherwise); returns their person id."""
    counter = iter(range(1, 10_000))

    def make(openid: str | None = None, wrote_minutes_ago: float | None = 1) -> int:
        openid = openid or f"o_activity_worker_{next(counter):04d}"
        with runtime.database.session() as session:
            last = NOW - timedelta(minutes=wrote_minutes_ago) if wrote_minutes_ago is not None else None
            session.add(Follower(openid=openid, subscribed=True, last_message_at=last))
        return runtime.people.person_id(OFFICIAL, openid)
    return make


@pytest.fixture
def activity(service):
    """Create an activity starting in `days` days (10 places unless told); returns its view."""
    def make(days: float = 7, capacity: int = 10, **fields):
        values = {"title": "职工羽毛球赛", "city": "杭州", "place": "杭州市职工文化中心",
                  "starts_at": NOW + timedelta(days=days), "capacity": capacity} | fields
        return service.create(**values)
    return make


def _counts(runtime, activity_id: int) -> tuple[int, int, int, int]:
    """(confirmed_count, confirmed seats, waiting_count, waiting seats) straight from the database.

    Seats are the people of the rows: each sign-up and its companions.
    """
    with runtime.database.session() as session:
        row = session.get(Activity, activity_id)
        rows = dict(session.execute(select(ActivitySignUp.status, func.sum(1 + ActivitySignUp.companions)).where(
            ActivitySignUp.activity_id == activity_id).group_by(ActivitySignUp.status)).all())
        return row.confirmed_count, rows.get("confirmed", 0), row.waiting_count, rows.get("waiting", 0)


# ---- creating and reading ----------------------------------------------------------------------


def test_create_normalises_the_city_and_shows_china_time(service):
    view = service.create(title="亲子手工课", city="嘉兴市", place="南湖区职工服务中心",
                          starts_at=from_local(datetime(2026, 12, 5, 9, 30)), capacity=20, summary="做香囊")
    assert (view.city, view.status, view.places_left, view.waiting_count) == ("嘉兴", "open", 20, 0)
    assert view.signup_deadline == view.starts_at  # no deadline: sign-up runs until it starts
    data = view.to_dict()
    assert data["starts_at"] == "2026-12-05T09:30:00+08:00" and data["members_only"] is False
    assert service.get(view.id) == view and service.get(999_999) is None


@pytest.mark.parametrize("fields, problem", [
    ({"city": "上海"}, "city"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": "many"}, "capacity"),
    ({"title": ""}, "title"),
    ({"ends_at": NOW}, "ends_at"),
    ({"signup_deadline": NOW + timedelta(days=30)}, "signup_deadline"),
    ({"colour": "red"}, "unknown"),
])
def test_create_refuses_bad_fields_naming_them(activity, fields, problem):
    with pytest.raises(ValueError, match=problem):
        activity(**fields)


def test_upcoming_lists_soonest_first_and_filters(service, activity, person):
    later = activity(days=20, title="技能大赛", city="宁波")
    soon = activity(days=2, title="健步走")
    full = activity(days=5, title="联谊会", capacity=1)
    service.sign_up(person(), full.id)
    activity(days=-1, title="昨天的讲座")  # over: not listed
    service.cancel_activity(activity(days=3, title="取消了的").id)
    views, total = service.upcoming()
    assert [v.title for v in views] == ["健步走", "联谊会", "技能大赛"] and total == 3
    assert [v.id for v in service.upcoming(city="宁波市")[0]] == [later.id]
    assert [v.id for v in service.upcoming(has_places=True)[0]] == [soon.id, later.id]
    assert [v.id for v in service.upcoming(has_places=False)[0]] == [full.id]
    today = to_local(NOW).date()
    assert [v.id for v in service.upcoming(date_from=today + timedelta(days=4),
                                           date_to=today + timedelta(days=5))[0]] == [full.id]
    assert [v.id for v in service.upcoming(keyword="大赛")[0]] == [later.id]
    page, total = service.upcoming(offset=1, limit=1)
    assert [v.id for v in page] == [full.id] and total == 3


def test_a_filter_holding_nul_finds_nothing_rather_than_failing(service, activity):
    """PostgreSQL refuses NUL in a query (the API fuzzer sends one); no city or title holds it."""
    activity(days=2, title="健步走", city="宁波")
    assert service.upcoming(city="宁波\x00") == ([], 0)
    assert service.upcoming(keyword="健步\x00走") == ([], 0)


# ---- signing up --------------------------------------------------------------------------------


def test_sign_up_takes_a_place_once(service, activity, person):
    view, worker = activity(capacity=3), person()
    done = service.sign_up(worker, view.id)
    assert (done.status, done.position, done.activity_title) == ("confirmed", None, "职工羽毛球赛")
    assert service.get(view.id).places_left == 2
    with pytest.raises(AlreadySignedUp) as refused:
        service.sign_up(worker, view.id)
    assert refused.value.sign_up.status == "confirmed"
    assert service.get(view.id).places_left == 2


def test_a_full_activity_offers_the_waiting_list_while_it_has_room(service, activity, person):
    view = activity(capacity=1, waiting_list_size=1)
    service.sign_up(person(), view.id)
    with pytest.raises(ActivityFull) as full:
        service.sign_up(person(), view.id)
    assert full.value.waiting_list_open and full.value.activity_id == view.id
    waiting = service.join_waiting_list(person(), view.id)
    assert (waiting.status, waiting.position) == ("waiting", 1)
    with pytest.raises(ActivityFull) as full:
        service.sign_up(person(), view.id)
    assert not full.value.waiting_list_open
    with pytest.raises(ActivityFull):
        service.join_waiting_list(person(), view.id)


def test_an_activity_without_a_waiting_list_says_so(service, activity, person):
    view = activity(capacity=1, waiting_list_size=0)
    service.sign_up(person(), view.id)
    with pytest.raises(ActivityFull) as full:
        service.sign_up(person(), view.id)
    assert not full.value.waiting_list_open


def test_joining_the_waiting_list_with_a_free_place_takes_the_place(service, activity, person):
    view = activity(capacity=2)
    assert service.join_waiting_list(person(), view.id).status == "confirmed"
    assert service.get(view.id).confirmed_count == 1


@pytest.mark.parametrize("make, reason", [
    (lambda activity: activity(days=-0.1), "ended"),
    (lambda activity: activity(days=3, signup_deadline=NOW - timedelta(hours=1)), "closed"),
    (lambda activity: activity(days=3, status="closed"), "closed"),
    (lambda activity: activity(days=3, status="cancelled"), "cancelled"),
])
def test_no_sign_up_when_past_closed_or_cancelled(service, activity, person, make, reason):
    view = make(activity)
    with pytest.raises(ActivityClosed) as closed:
        service.sign_up(person(), view.id)
    assert closed.value.reason == reason
    with pytest.raises(ActivityClosed):
        service.join_waiting_list(person(), view.id)


def test_unknown_activity(service, person):
    with pytest.raises(ActivityNotFound):
        service.sign_up(person(), 424242)


def test_members_only_activities_need_a_member(runtime, service, activity, person):
    """The real membership service decides: an approved member gets a place, a follower does not."""
    from tests.handlers.member_factory import make_member

    member, other = make_member(runtime, "o_activity_member"), person()
    view = activity(members_only=True)
    assert service.sign_up(member, view.id).status == "confirmed"
    with pytest.raises(MembersOnly) as refused:
        service.sign_up(other, view.id)
    assert isinstance(refused.value, ActivityClosed) and refused.value.reason == "members_only"
    with pytest.raises(MembersOnly):
        service.join_waiting_list(other, view.id)
    assert service.sign_up_of(other, view.id) is None


def test_the_members_only_rule_cannot_be_left_out(runtime):
    """Without a membership service the activity service is not built at all: nothing is skipped silently."""
    with pytest.raises(TypeError, match="membership"):
        ActivityService(runtime.database, runtime.now, places=lambda: runtime.places, notifier=runtime.notifier,
                        background=runtime.background, replies=runtime.replies)


def test_a_broken_membership_check_refuses_rather_than_lets_in(runtime, activity, person):
    """A membership service that fails makes the sign-up fail; it never lets a non-member through."""
    class Broken:
        def is_member(self, person_id):
            raise AttributeError("is_member")

    service = ActivityService(runtime.database, runtime.now, places=lambda: runtime.places, membership=Broken(),
                              notifier=runtime.notifier, background=runtime.background, replies=runtime.replies)
    view, worker = activity(members_only=True), person()
    with pytest.raises(AttributeError):
        service.sign_up(worker, view.id)
    assert service.sign_up_of(worker, view.id) is None


# ---- cancelling and the waiting list -----------------------------------------------------------


def test_cancel_moves_the_first_waiting_up_and_tells_them(runtime, service, activity, person, fake_wechat):
    from tests.conftest import wait_until

    view = activity(capacity=1)
    first = person()
    service.sign_up(first, view.id)
    second, third = person("o_waiting_second"), person("o_waiting_third")
    assert service.join_waiting_list(second, view.id).position == 1
    assert service.join_waiting_list(third, view.id).position == 2

    cancelled = service.cancel(first, view.id)
    assert cancelled.status == "cancelled"
    moved = service.sign_up_of(second, view.id)
    assert (moved.status, moved.promoted) == ("confirmed", True)
    assert service.sign_up_of(third, view.id).position == 1
    assert _counts(runtime, view.id) == (1, 1, 1, 1)
    sent = wait_until(lambda: fake_wechat.calls("/cgi-bin/message/custom/send"))
    assert sent[0]["json"]["touser"] == "o_waiting_second"
    assert "职工羽毛球赛" in sent[0]["json"]["text"]["content"] and "有名额了" in sent[0]["json"]["text"]["content"]


def test_promotion_outside_the_48_hours_uses_the_template(runtime, activity, person, fake_wechat):
    from tests.conftest import wait_until

    service = ActivityService(runtime.database, runtime.now, places=lambda: runtime.places,
                              membership=runtime.membership, notifier=runtime.notifier, background=runtime.background,
                              replies=runtime.replies, promoted_template_id="TPL_TEST_PROMOTED")
    view = activity(capacity=1)
    first, waiting = person(), person("o_quiet_worker", wrote_minutes_ago=60 * 72)
    service.sign_up(first, view.id)
    service.join_waiting_list(waiting, view.id)
    service.cancel(first, view.id)
    sent = wait_until(lambda: fake_wechat.calls("/cgi-bin/message/template/send"))
    assert sent[0]["json"]["template_id"] == "TPL_TEST_PROMOTED" and sent[0]["json"]["touser"] == "o_quiet_worker"
    assert not fake_wechat.calls("/cgi-bin/message/custom/send")


def test_a_failing_notification_does_not_undo_the_promotion(runtime, service, activity, person, fake_wechat):
    fake_wechat.inject("/cgi-bin/message/custom/send", errcode=45015, times=5)
    view = activity(capacity=1)
    first, waiting = person(), person()
    service.sign_up(first, view.id)
    service.join_waiting_list(waiting, view.id)
    service.cancel(first, view.id)
    runtime.background.shutdown(wait=True)
    assert service.sign_up_of(waiting, view.id).status == "confirmed"


def test_cancelling_a_waiting_place_moves_the_others_forward(runtime, service, activity, person):
    view = activity(capacity=1)
    service.sign_up(person(), view.id)
    a, b = person(), person()
    service.join_waiting_list(a, view.id)
    service.join_waiting_list(b, view.id)
    assert service.cancel(a, view.id).status == "cancelled"
    assert service.sign_up_of(b, view.id).position == 1
    assert _counts(runtime, view.id) == (1, 1, 1, 1)


def test_cancel_frees_the_place_when_nobody_waits_and_allows_signing_up_again(service, activity, person):
    view, worker = activity(capacity=1), person()
    service.sign_up(worker, view.id)
    service.cancel(worker, view.id)
    assert service.get(view.id).places_left == 1
    with pytest.raises(NotSignedUp):
        service.cancel(worker, view.id)
    assert service.sign_up(worker, view.id).status == "confirmed"  # cancelled sign-ups are history
    assert len(service.my_sign_ups(worker, include_past=True)) == 2


def test_no_cancel_once_it_started(runtime, service, activity, person):
    view, worker = activity(days=1), person()
    service.sign_up(worker, view.id)
    runtime.clock = lambda: NOW + timedelta(days=1, minutes=5)
    with pytest.raises(ActivityClosed):
        service.cancel(worker, view.id)


def test_my_sign_ups_soonest_first_with_status(runtime, service, activity, person):
    worker = person()
    later, soon, full, past = activity(days=9, title="B"), activity(days=2, title="A"), activity(capacity=1, title="C"), \
        activity(days=0.5, title="D")
    service.sign_up(worker, later.id)
    service.sign_up(worker, soon.id)
    service.sign_up(person(), full.id)
    service.join_waiting_list(worker, full.id)
    service.sign_up(worker, past.id)
    runtime.clock = lambda: NOW + timedelta(days=1)
    mine = service.my_sign_ups(worker)
    assert [(s.activity_title, s.status, s.position) for s in mine] == [
        ("A", "confirmed", None), ("C", "waiting", 1), ("B", "confirmed", None)]
    assert [s.activity_title for s in service.my_sign_ups(worker, include_past=True)] == ["D", "A", "C", "B"]
    assert mine[1].to_dict()["starts_at"].endswith("+08:00")


def test_a_cancelled_activity_still_shows_in_my_sign_ups(service, activity, person):
    view, worker = activity(), person()
    service.sign_up(worker, view.id)
    service.cancel_activity(view.id)
    assert [s.activity_status for s in service.my_sign_ups(worker)] == ["cancelled"]
    assert service.upcoming()[1] == 0


def test_merging_two_people_moves_their_sign_ups(runtime, service, activity, person):
    official = person("o_merge_official")
    mini = runtime.people.person_id("miniprogram", "mp_merge_1")
    view = activity()
    service.sign_up(mini, view.id)
    runtime.people.link_phone(official, "13812345678")
    survivor = runtime.people.link_phone(mini, "13812345678")
    assert survivor == official
    assert service.sign_up_of(official, view.id).status == "confirmed"


# ---- for the push engine -----------------------------------------------------------------------


def test_participant_openids_are_the_confirmed_ones(service, activity, person):
    view = activity(capacity=2)
    for openid in ("o_part_1", "o_part_2"):
        service.sign_up(person(openid), view.id)
    service.join_waiting_list(person("o_part_waiting"), view.id)
    service.sign_up(person("o_part_other"), activity(title="别的").id)
    assert list(participant_openids(service.database, view.id)) == ["o_part_1", "o_part_2"]


def test_activities_starting_between_for_reminders(service, activity):
    tomorrow = activity(days=1, title="明天的")
    activity(days=3, title="后面的")
    service.cancel_activity(activity(days=1, title="取消的").id)
    rows = activities_starting_between(service.database, NOW + timedelta(hours=12), NOW + timedelta(hours=36))
    assert rows == [(tomorrow.id, "明天的", tomorrow.starts_at, tomorrow.place)]


# ---- demo content ------------------------------------------------------------------------------


def test_demo_activities_load_once_and_stay_upcoming(runtime, service):
    assert load_demo_activities(runtime).startswith("12 activities created")
    assert load_demo_activities(runtime) == "0 activities created, 0 moved forward, 12 kept"
    views, total = service.upcoming(limit=20)
    assert total == 12 and len({v.city for v in views}) >= 10
    assert all(v.status == "open" for v in views)
    runtime.clock = lambda: NOW + timedelta(days=40)  # the demo is started again weeks later
    assert load_demo_activities(runtime) == "0 activities created, 12 moved forward, 0 kept"
    assert service.upcoming(limit=20)[1] == 12


def test_demo_times_are_china_time():
    starts, ends, deadline = demo_times({"days_from_now": 3, "time": "14:00", "duration_hours": 2,
                                         "deadline_days_before": 1}, date(2026, 11, 27))
    assert to_local(starts) == datetime(2026, 11, 30, 14, 0) and ends - starts == timedelta(hours=2)
    assert starts - deadline == timedelta(days=1)


# ---- the CLI -----------------------------------------------------------------------------------


def test_cli_create_list_show_close(runtime, service, person):
    services = Services()
    services._config, services._runtime = runtime.config, runtime
    cli = CliRunner()
    from bot.cli.activities import activities as activities_cli

    made = cli.invoke(activities_cli, ["create", "--title", "法律讲座", "--city", "台州", "--starts", "2026-12-03 19:00",
                                       "--hours", "2", "--place", "椒江区职工之家", "--capacity", "2"], obj=services)
    assert made.exit_code == 0, made.output
    view = service.upcoming()[0][0]
    assert to_local(view.starts_at) == datetime(2026, 12, 3, 19, 0) and view.ends_at - view.starts_at == timedelta(hours=2)
    service.sign_up(person("o_cli_worker_12345678"), view.id)
    runtime.people.link_phone(runtime.people.person_id(OFFICIAL, "o_cli_worker_12345678"), "13812345678")
    listed = cli.invoke(activities_cli, ["list"], obj=services)
    assert "1/2" in listed.output and "法律讲座" in listed.output
    shown = cli.invoke(activities_cli, ["show", str(view.id)], obj=services)
    assert shown.exit_code == 0, shown.output
    assert "138****5678" in shown.output and "13812345678" not in shown.output
    assert "o_cli_worker_12345678" not in shown.output
    closed = cli.invoke(activities_cli, ["close", str(view.id)], obj=services)
    assert closed.exit_code == 0 and service.get(view.id).status == "closed"
    bad = cli.invoke(activities_cli, ["create", "--title", "x", "--city", "上海", "--starts", "2026-12-03 19:00",
                                      "--place", "p", "--capacity", "2"], obj=services)
    assert bad.exit_code != 0 and "city" in bad.output
    assert cli.invoke(activities_cli, ["show", "99999"], obj=services).exit_code != 0
    as_json = cli.invoke(activities_cli, ["list", "--json"], obj=services)
    assert json.loads(as_json.output.splitlines()[0])["title"] == "法律讲座"


# ---- parties: a sign-up and its companions take seats together ---------------------------------


def test_a_party_takes_its_seats_in_one_sign_up(runtime, service, activity, person):
    view = activity(capacity=5, max_companions=2)
    done = service.sign_up(person(), view.id, companions=2)
    assert (done.status, done.companions, done.seats) == ("confirmed", 2, 3)
    assert service.get(view.id).places_left == 2
    assert _counts(runtime, view.id) == (3, 3, 0, 0)
    with pytest.raises(TooManyCompanions) as refused:
        service.sign_up(person(), view.id, companions=3)
    assert (refused.value.asked, refused.value.allowed) == (3, 2)
    with pytest.raises(TooManyCompanions):  # none allowed: one place each, as before
        service.sign_up(person(), activity(capacity=5).id, companions=1)
    assert _counts(runtime, view.id) == (3, 3, 0, 0)


def test_a_party_that_does_not_fit_is_told_the_seats_left_and_may_wait_together(runtime, service, activity, person):
    view = activity(capacity=4, max_companions=3)
    service.sign_up(person(), view.id, companions=1)
    with pytest.raises(PartyTooLarge) as refused:
        service.sign_up(person(), view.id, companions=2)
    assert (refused.value.seats, refused.value.places_left, refused.value.waiting_list_open) == (3, 2, True)
    assert _counts(runtime, view.id) == (2, 2, 0, 0)  # nothing taken, not even part of the party
    family = person()
    waiting = service.join_waiting_list(family, view.id, companions=2)
    assert (waiting.status, waiting.position, waiting.companions) == ("waiting", 1, 2)
    assert _counts(runtime, view.id) == (2, 2, 3, 3)
    smaller = service.sign_up(person(), view.id, companions=1)  # fits the two seats left: no seat stays empty
    assert smaller.status == "confirmed" and _counts(runtime, view.id) == (4, 4, 3, 3)


def test_a_party_waits_only_if_the_waiting_list_has_room_for_all_of_it(runtime, service, activity, person):
    view = activity(capacity=1, max_companions=3, waiting_list_size=3)
    service.sign_up(person(), view.id)
    service.join_waiting_list(person(), view.id, companions=1)
    with pytest.raises(ActivityFull) as refused:
        service.join_waiting_list(person(), view.id, companions=1)  # 2 + 2 > 3 people
    assert refused.value.waiting_list_open is False
    assert service.join_waiting_list(person(), view.id).position == 2  # one more person fits
    assert _counts(runtime, view.id) == (1, 1, 3, 3)


def test_cancel_frees_the_whole_party_and_the_waiting_list_moves_up_as_far_as_it_fits(
        runtime, service, activity, person):
    view = activity(capacity=5, max_companions=3)
    big, single, other = person(), person(), person()
    service.sign_up(big, view.id, companions=2)
    service.sign_up(single, view.id)
    service.sign_up(other, view.id)
    family, late_one, late_two = person(), person(), person()
    service.join_waiting_list(family, view.id, companions=2)  # first in line, three people
    service.join_waiting_list(late_one, view.id)
    service.join_waiting_list(late_two, view.id)

    service.cancel(single, view.id)  # one seat: the family does not fit, the next who fits moves up
    assert service.sign_up_of(late_one, view.id).status == "confirmed"
    assert service.sign_up_of(family, view.id).position == 1  # keeps its place at the head
    assert service.sign_up_of(late_two, view.id).position == 2
    assert _counts(runtime, view.id) == (5, 5, 4, 4)

    service.cancel(big, view.id)  # three seats at once: the head of the line first
    assert service.sign_up_of(family, view.id).status == "confirmed"
    assert service.sign_up_of(family, view.id).promoted
    assert service.sign_up_of(late_two, view.id).status == "waiting"
    assert _counts(runtime, view.id) == (5, 5, 1, 1)


def test_changing_the_party_takes_or_frees_seats(runtime, service, activity, person):
    view = activity(capacity=4, max_companions=2)
    worker, other, waiting = person(), person(), person()
    service.sign_up(worker, view.id)
    service.sign_up(other, view.id, companions=1)
    assert service.change_companions(worker, view.id, 1).seats == 2  # 再加一个人
    assert _counts(runtime, view.id) == (4, 4, 0, 0)
    service.join_waiting_list(waiting, view.id)
    with pytest.raises(PartyTooLarge) as refused:
        service.change_companions(worker, view.id, 2)
    assert refused.value.places_left == 0
    with pytest.raises(TooManyCompanions):
        service.change_companions(worker, view.id, 3)
    service.change_companions(worker, view.id, 0)  # 我老婆不去了: her seat goes to the waiting list
    assert service.sign_up_of(waiting, view.id).status == "confirmed"
    assert _counts(runtime, view.id) == (4, 4, 0, 0)
    with pytest.raises(NotSignedUp):
        service.change_companions(person(), view.id, 1)


def test_capacity_never_goes_below_the_seats_taken_and_a_larger_one_promotes_parties(
        runtime, service, activity, person):
    view = activity(capacity=3, max_companions=2)
    service.sign_up(person(), view.id, companions=2)
    family, single = person(), person()
    service.join_waiting_list(family, view.id, companions=2)
    service.join_waiting_list(single, view.id)
    form = {"title": view.title, "city": view.city, "place": view.place, "max_companions": "2",
            "starts_at": f"{to_local(view.starts_at):%Y-%m-%d %H:%M}"}  # the editor's form, only capacity changes
    with pytest.raises(ActivityRejected) as refused:
        service.edit(view.id, dict(form, capacity="2"))
    assert "已有 3 人确认报名" in refused.value.fields["capacity"]
    service.edit(view.id, dict(form, capacity="5"))  # two more seats: the family of three waits, the single fits
    assert [service.sign_up_of(p, view.id).status for p in (family, single)] == ["waiting", "confirmed"]
    service.edit(view.id, dict(form, capacity="7"))
    assert service.sign_up_of(family, view.id).status == "confirmed"
    assert _counts(runtime, view.id) == (7, 7, 0, 0)


def test_a_merge_frees_the_seats_of_the_party_given_up(runtime, service, activity, person):
    from bot.services.activities import resolve_merge_conflicts

    view = activity(capacity=5, max_companions=2)
    official, mini = person("o_merge_party"), runtime.people.person_id("miniprogram", "mp_merge_party")
    queued = person()
    service.sign_up(official, view.id, companions=1)
    service.sign_up(mini, view.id, companions=2)  # the same person, twice, with two parties
    service.join_waiting_list(queued, view.id, companions=1)
    with runtime.database.session() as session:
        assert resolve_merge_conflicts(session, official, mini) == 1
    assert service.sign_up_of(official, view.id).companions == 1
    assert service.sign_up_of(queued, view.id).status == "confirmed"
    assert _counts(runtime, view.id) == (4, 4, 0, 0)


# ---- concurrency: capacity is exact ------------------------------------------------------------


def _run_together(count: int, action) -> list:
    """Run action(i) in count threads released at the same moment; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except Exception as exc:  # collected and checked by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_thirty_simultaneous_sign_ups_for_five_places(runtime, service, activity, person):
    view = activity(capacity=5)
    people = [person() for _ in range(30)]
    results = _run_together(30, lambda i: service.sign_up(people[i], view.id))
    confirmed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(confirmed) == 5 and all(r.status == "confirmed" for r in confirmed)
    assert len(refused) == 25 and all(isinstance(r, ActivityFull) for r in refused), refused[:3]
    assert _counts(runtime, view.id) == (5, 5, 0, 0)


def test_the_same_person_twice_at_once_gets_one_place(runtime, service, activity, person):
    view, worker = activity(capacity=5), person()
    results = _run_together(8, lambda i: service.sign_up(worker, view.id))
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, AlreadySignedUp) for r in results if isinstance(r, Exception))
    assert _counts(runtime, view.id) == (1, 1, 0, 0)


def test_concurrent_cancels_promote_exactly_one_each(runtime, service, activity, person):
    view = activity(capacity=5)
    confirmed = [person() for _ in range(5)]
    waiting = [person() for _ in range(10)]
    newcomers = [person() for _ in range(10)]
    for worker in confirmed:
        service.sign_up(worker, view.id)
    for worker in waiting:
        service.join_waiting_list(worker, view.id)

    def act(i: int):
        if i < 5:
            return service.cancel(confirmed[i], view.id)  # each frees a place
        if i < 8:
            return service.cancel(waiting[-(i - 4)], view.id)  # the last three leave the waiting list
        return service.sign_up(newcomers[i - 8], view.id)  # newcomers try to grab freed places

    results = _run_together(18, act)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, ActivityFull)], results
    assert _counts(runtime, view.id) == (5, 5, 2, 2)
    promoted = {s.person_id for s in _rows(runtime, view.id, "confirmed")}
    assert promoted == set(waiting[:5])  # first come, first served; newcomers never jump the queue
    assert [s.person_id for s in _rows(runtime, view.id, "waiting")] == waiting[5:7]


def test_parties_of_mixed_sizes_at_once_never_take_more_seats_than_there_are(runtime, service, activity, person):
    view = activity(capacity=7, max_companions=3, waiting_list_size=0)
    parties = [(person(), i % 4) for i in range(24)]  # 1 to 4 people each
    results = _run_together(24, lambda i: service.sign_up(parties[i][0], view.id, companions=parties[i][1]))
    confirmed = [r for r in results if not isinstance(r, Exception)]
    refused = [(i, r) for i, r in enumerate(results) if isinstance(r, Exception)]
    assert all(isinstance(r, ActivityFull) for _i, r in refused), refused[:3]
    taken = sum(r.seats for r in confirmed)
    assert taken <= 7 and _counts(runtime, view.id) == (taken, taken, 0, 0)
    # Seats only ever get fewer here, so each refused party was larger than what is left now: none wasted.
    assert all(parties[i][1] + 1 > 7 - taken for i, _r in refused)


def _rows(runtime, activity_id: int, status: str) -> list[ActivitySignUp]:
    with runtime.database.session() as session:
        return list(session.scalars(select(ActivitySignUp).where(
            ActivitySignUp.activity_id == activity_id, ActivitySignUp.status == status).order_by(ActivitySignUp.id)))


CHILD = """
import json, sys, threading, time
from datetime import datetime
from types import SimpleNamespace
from bot.services.activities import ActivityFull, ActivityService
from bot.content import Replies
from bot.services.places import Regions
from bot.storage import Database

url, activity_id, start_at, people = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
database = Database(url)
regions = Regions.load("content")
service = ActivityService(database, lambda: datetime.fromisoformat(sys.argv[5]), places=lambda: regions,
                          membership=SimpleNamespace(is_member=lambda person_id: True), notifier=None, background=None,
                          replies=Replies("content"))
results = [None] * len(people)

def run(i):
    time.sleep(max(0.0, start_at - time.time()))
    person, companions = (people[i], 0) if isinstance(people[i], int) else people[i]
    try:
        results[i] = service.sign_up(person, activity_id, companions=companions).status
    except ActivityFull:
        results[i] = "full"  # PartyTooLarge too: seats left, not enough for the party
    except Exception as exc:
        results[i] = "error: %r" % exc

threads = [threading.Thread(target=run, args=(i,)) for i in range(len(people))]
[t.start() for t in threads]
[t.join() for t in threads]
database.dispose()
print(json.dumps(results))
"""


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="several processes need PostgreSQL")
def test_two_processes_of_twenty_sign_ups_for_five_places(runtime, service, activity, person):
    view = activity(capacity=5)
    people = [person() for _ in range(40)]
    start_at = time.time() + 3  # both processes start, import and connect first, then fire together
    children = [subprocess.Popen(
        [sys.executable, "-c", CHILD, runtime.database.url, str(view.id), str(start_at),
         json.dumps(people[half * 20:(half + 1) * 20]), NOW.isoformat()],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for half in (0, 1)]
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        results += json.loads(out.strip().splitlines()[-1])
    assert results.count("confirmed") == 5 and results.count("full") == 35, results
    assert _counts(runtime, view.id) == (5, 5, 0, 0)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="several processes need PostgreSQL")
def test_two_processes_of_parties_of_mixed_sizes_fill_exactly_the_seats(runtime, service, activity, person):
    view = activity(capacity=9, max_companions=3, waiting_list_size=0)
    parties = [[person(), i % 4] for i in range(40)]  # 1 to 4 people each, 100 people for 9 seats
    start_at = time.time() + 3
    children = [subprocess.Popen(
        [sys.executable, "-c", CHILD, runtime.database.url, str(view.id), str(start_at),
         json.dumps(parties[half::2]), NOW.isoformat()],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for half in (0, 1)]
    results = {}
    for half, child in enumerate(children):
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        for (person_id, companions), result in zip(parties[half::2], json.loads(out.strip().splitlines()[-1])):
            results[person_id] = (companions, result)
    assert {r for _c, r in results.values()} <= {"confirmed", "full"}, results
    taken = sum(c + 1 for c, r in results.values() if r == "confirmed")
    assert taken <= 9 and _counts(runtime, view.id) == (taken, taken, 0, 0)
    assert all(c + 1 > 9 - taken for c, r in results.values() if r == "full")  # no seat left that a refused party fitted


def test_merge_conflicts_leave_one_live_sign_up(runtime, service, activity, person):
    """Two records of one person signed up for the same activity: the merge keeps the better sign-up."""
    from bot.services.activities import resolve_merge_conflicts

    both, waiting_only = activity(capacity=2, title="两人都报了"), activity(capacity=1, title="一个候补")
    official, mini = person("o_merge_double"), runtime.people.person_id("miniprogram", "mp_merge_double")
    other, queued = person(), person()
    service.sign_up(official, both.id)
    service.sign_up(mini, both.id)  # two places for one person
    service.join_waiting_list(queued, both.id)
    service.sign_up(other, waiting_only.id)
    service.join_waiting_list(mini, waiting_only.id)
    with runtime.database.session() as session:
        assert resolve_merge_conflicts(session, official, mini) == 1
    assert service.sign_up_of(official, both.id).status == "confirmed"
    assert service.sign_up_of(mini, both.id) is None
    assert service.sign_up_of(queued, both.id).status == "confirmed"  # the freed place went to the queue
    assert _counts(runtime, both.id) == (2, 2, 0, 0)
    assert service.sign_up_of(mini, waiting_only.id).status == "waiting"  # no conflict there: untouched


def test_a_promoted_party_is_told_how_many_people_are_confirmed(runtime, activity, person, fake_wechat):
    from tests.conftest import wait_until

    service = ActivityService(runtime.database, runtime.now, places=lambda: runtime.places,
                              membership=runtime.membership, notifier=runtime.notifier, background=runtime.background,
                              replies=runtime.replies, promoted_template_id="TPL_TEST_PROMOTED")
    view = activity(capacity=5, max_companions=2)
    first = person()
    service.sign_up(first, view.id, companions=2)
    service.sign_up(person(), view.id)
    chatting, quiet = person("o_family_chatting"), person("o_family_quiet", wrote_minutes_ago=60 * 72)
    service.join_waiting_list(chatting, view.id, companions=1)
    service.join_waiting_list(quiet, view.id, companions=1)
    service.cancel(first, view.id)  # four seats free: both pairs move up

    [chat] = wait_until(lambda: [c for c in fake_wechat.calls("/cgi-bin/message/custom/send")
                                 if c["json"]["touser"] == "o_family_chatting"])
    assert "有名额了" in chat["json"]["text"]["content"] and "共2人（本人和1位家属）" in chat["json"]["text"]["content"]
    [template] = wait_until(lambda: [c for c in fake_wechat.calls("/cgi-bin/message/template/send")
                                     if c["json"]["touser"] == "o_family_quiet"])
    assert "共2人（本人和1位家属）" in template["json"]["data"]["remark"]["value"]
