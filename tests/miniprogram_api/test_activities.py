"""Activities from the mini-program: the list, detail, sign-up with exact places, waiting list, cancel."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from tests.miniprogram_api.conftest import error_of


@pytest.fixture
def make_activity(runtime):
    """Create an activity through the service the staff use; returns its id."""
    def make(title="职工健步走", city="杭州", days=7, capacity=10, **fields):
        starts = runtime.clock().replace(microsecond=0) + timedelta(days=days)
        return runtime.activities.create(title=title, city=city, place="西湖文化广场", starts_at=starts,
                                         capacity=capacity, summary="一起走一走", **fields).id
    return make


def test_list_filters_and_pages(api, make_activity):
    make_activity("杭州健步走", "杭州", days=3)
    make_activity("宁波读书会", "宁波", days=5)
    full = make_activity("杭州插花", "杭州", days=10, capacity=1)
    member = api.login()
    other = api.login("someone-else")
    assert other.post(f"/activities/{full}/sign-up").status_code == 201

    page = member.get("/activities").get_json()
    assert page["total"] == 3 and [a["title"] for a in page["items"]] == ["杭州健步走", "宁波读书会", "杭州插花"]
    assert page["items"][0]["starts_at"].endswith("+08:00")
    assert [a["title"] for a in member.get("/activities?city=杭州").get_json()["items"]] == ["杭州健步走", "杭州插花"]
    assert [a["title"] for a in member.get("/activities?has_places=true").get_json()["items"]] == ["杭州健步走", "宁波读书会"]
    assert [a["title"] for a in member.get("/activities?has_places=false").get_json()["items"]] == ["杭州插花"]
    second = member.get("/activities?offset=1&limit=1").get_json()
    assert second["total"] == 3 and second["offset"] == 1 and [a["title"] for a in second["items"]] == ["宁波读书会"]
    day = (datetime.utcnow() + timedelta(days=5, hours=8)).date().isoformat()
    assert [a["title"] for a in member.get(f"/activities?date_from={day}&date_to={day}").get_json()["items"]] == ["宁波读书会"]
    response = member.get("/activities?limit=500")
    assert response.status_code == 422 and "limit" in error_of(response)["fields"]
    assert member.get("/activities?date_from=tomorrow").status_code == 422


def test_detail_sign_up_twice_cancel(api, make_activity):
    activity = make_activity(capacity=2)
    member = api.login()
    detail = member.get(f"/activities/{activity}").get_json()
    assert detail["places_left"] == 2 and detail["my_sign_up"] is None

    response = member.post(f"/activities/{activity}/sign-up")
    assert response.status_code == 201
    assert response.get_json()["status"] == "confirmed" and "报名成功" in response.get_json()["message"]
    assert member.get(f"/activities/{activity}").get_json()["my_sign_up"]["status"] == "confirmed"

    again = member.post(f"/activities/{activity}/sign-up")
    assert again.status_code == 409 and error_of(again)["code"] == "already_signed_up"
    mine = member.get("/me/sign-ups").get_json()
    assert mine["total"] == 1 and mine["items"][0]["activity_id"] == activity

    cancelled = member.delete(f"/activities/{activity}/sign-up")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert member.get("/me/sign-ups").get_json()["total"] == 0
    assert member.get("/me/sign-ups?include_past=true").get_json()["total"] == 1
    assert member.delete(f"/activities/{activity}/sign-up").status_code == 404


def test_full_activity_waiting_list_and_promotion(api, make_activity):
    activity = make_activity(capacity=1, waiting_list_size=5)
    first, second = api.login("first"), api.login("second")
    assert first.post(f"/activities/{activity}/sign-up").status_code == 201
    full = second.post(f"/activities/{activity}/sign-up")
    assert full.status_code == 409 and error_of(full)["code"] == "activity_full" and "候补" in error_of(full)["message"]
    waiting = second.post(f"/activities/{activity}/waiting-list")
    assert waiting.status_code == 201 and waiting.get_json()["status"] == "waiting" and waiting.get_json()["position"] == 1

    assert first.delete(f"/activities/{activity}/sign-up").status_code == 200
    [promoted] = second.get("/me/sign-ups").get_json()["items"]
    assert promoted["status"] == "confirmed" and promoted["promoted"] is True


def test_unknown_activities_are_404(api):
    member = api.login()
    for path in ("/activities/999999", "/activities/0", "/activities/99999999999999999999"):
        assert member.get(path).status_code == 404, path
    assert error_of(member.post("/activities/999999/sign-up"))["code"] == "not_found"
    assert member.post("/activities/999999/waiting-list").status_code == 404


def test_concurrent_sign_ups_for_the_last_places_never_overbook(app, api, runtime, make_activity):
    """Runs on PostgreSQL when TEST_DATABASE_URL is set, on SQLite otherwise."""
    places, people = 3, 12
    activity = make_activity(capacity=places)
    members = [api.login(f"racer-{i}") for i in range(people)]
    statuses: list[int] = []
    barrier = threading.Barrier(people)

    def race(member):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/activities/{activity}/sign-up", headers=member.headers)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=race, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [201] * places + [409] * (people - places)
    view = runtime.activities.get(activity)
    assert view.confirmed_count == places and view.places_left == 0


def test_an_online_activity_gives_its_link_only_with_a_confirmed_place(api, runtime):
    link = "https://meeting.example.cn/j/88"
    starts = runtime.clock().replace(microsecond=0) + timedelta(days=3)
    activity = runtime.activities.create(title="线上法律讲座", city="杭州", starts_at=starts, capacity=1,
                                         mode="online", join_url=link).id
    member, late = api.login(), api.login("late-comer")
    before = member.get(f"/activities/{activity}").get_json()
    assert before["mode"] == "online" and before["place"] == "" and link not in str(before)
    assert member.post(f"/activities/{activity}/sign-up").get_json()["join_url"] == link
    assert member.get(f"/activities/{activity}").get_json()["my_sign_up"]["join_url"] == link
    assert late.post(f"/activities/{activity}/waiting-list").get_json()["join_url"] is None
    assert link not in str(late.get(f"/activities/{activity}").get_json())
    with pytest.raises(ValueError, match="join_url"):
        runtime.activities.create(title="线上讲座", city="杭州", starts_at=starts, capacity=1, mode="online",
                                  join_url="http://meeting.example.cn/j/88")


def test_a_member_signs_up_with_companions_who_take_seats(api, make_activity):
    activity = make_activity(capacity=4, max_companions=2, waiting_list_size=5)
    member, other, late = api.login("with-family"), api.login("other"), api.login("late")
    assert member.get(f"/activities/{activity}").get_json()["max_companions"] == 2

    response = member.post(f"/activities/{activity}/sign-up", json={"companions": 2})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["companions"], body["seats"]) == (2, 3) and "共 3 人" in body["message"]
    assert member.get(f"/activities/{activity}").get_json()["places_left"] == 1
    assert member.get("/me/sign-ups").get_json()["items"][0]["seats"] == 3

    too_many = other.post(f"/activities/{activity}/sign-up", json={"companions": 1})
    assert too_many.status_code == 409 and error_of(too_many)["code"] == "not_enough_places"
    assert "只剩 1 个名额" in error_of(too_many)["message"]
    waiting = other.post(f"/activities/{activity}/waiting-list", json={"companions": 1})
    assert waiting.status_code == 201 and waiting.get_json()["status"] == "waiting"

    for wrong in ({"companions": 3}, {"companions": 11}, {"companions": -1}, {"companions": "2"}, {"guests": 1}):
        refused = late.post(f"/activities/{activity}/sign-up", json=wrong)
        assert refused.status_code == 422, wrong
    over = error_of(late.post(f"/activities/{activity}/sign-up", json={"companions": 3}))
    assert over["code"] == "too_many_companions" and "最多可带 2 位" in over["message"]
    assert error_of(late.post(f"/activities/{activity}/sign-up", json={"companions": -1}))["fields"]["companions"]

    changed = member.request("PATCH", f"/activities/{activity}/sign-up", json={"companions": 0})  # two stay at home
    assert changed.status_code == 200 and changed.get_json()["seats"] == 1
    [moved_up] = other.get("/me/sign-ups").get_json()["items"]
    assert moved_up["status"] == "confirmed" and moved_up["seats"] == 2  # the freed seats went to the waiting party
    assert member.get(f"/activities/{activity}").get_json()["places_left"] == 1
