"""The door's check-in page: staff find a worker by name or phone ending, check them in with one tap (htmx),
undo it, and see the counts; organisers see full names, other staff masked ones; a city limit holds."""
from __future__ import annotations

import zlib
from datetime import timedelta

from bot.console import audit
from bot.services.people import OFFICIAL

from tests.console.conftest import post
from tests.console.test_browser import chromium, console_url, page, sign_in_as  # noqa: F401  (fixtures)


def door(runtime, application, city: str = "杭州", people=(("o_li", "李建国"), ("o_zhao", "赵小红"))):
    """An activity starting in an hour with the people signed up; returns (activity, {openid: (person_id, phone)})."""
    activity = runtime.activities.create(title="亲子手工课", city=city, place="职工服务中心三楼", capacity=10,
                                         starts_at=runtime.clock() + timedelta(hours=1))
    found = {}
    for openid, name in people:
        application(openid, city=city, district="西湖区" if city == "杭州" else "海曙区", name=name)
        person_id = runtime.people.person_id(OFFICIAL, openid)
        runtime.activities.sign_up(person_id, activity.id)
        found[openid] = (person_id, f"137{zlib.crc32(openid.encode()) % 100000:08d}")  # as the application fixture
    return activity, found


def test_an_editor_finds_a_worker_by_phone_ending_and_checks_them_in(sign_in, runtime, clock, application):
    activity, people = door(runtime, application)
    person_id, phone = people["o_zhao"]
    editor = sign_in("editor")
    page = editor.get(f"/console/checkin/{activity.id}").get_data(as_text=True)
    assert "已报名 2 人，已到场 0 人" in page and "李建国" in page and "赵小红" in page

    found = editor.get(f"/console/checkin/{activity.id}?q={phone[-4:]}", headers={"HX-Request": "true"})
    body = found.get_data(as_text=True)
    assert "赵小红" in body and "李建国" not in body and phone in body

    done = post(editor, f"/console/checkin/{activity.id}/{person_id}", headers={"HX-Request": "true"})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "已签到" in body and 'hx-swap-oob="true"' in body and "已到场 1 人" in body
    twice = post(editor, f"/console/checkin/{activity.id}/{person_id}", headers={"HX-Request": "true"})
    assert "已经签到过了" in twice.get_data(as_text=True)
    assert runtime.attendance.turnout(activity.id).arrived == 1

    undone = post(editor, f"/console/checkin/{activity.id}/{person_id}/undo", headers={"HX-Request": "true"})
    assert "已到场 0 人" in undone.get_data(as_text=True)
    actions = [e.action for e in audit.search(runtime.database, target=str(activity.id))[0]]
    assert actions[:2] == ["activity.check_in_undo", "activity.check_in"] and "activity.checkin_list" in actions


def test_a_reviewer_helping_at_the_door_sees_masked_names_and_a_city_limit_holds(sign_in, runtime, clock, application):
    activity, people = door(runtime, application)
    helper = sign_in("reviewer")
    body = helper.get(f"/console/checkin/{activity.id}").get_data(as_text=True)
    assert "李**" in body and "李建国" not in body and people["o_li"][1] not in body
    assert post(helper, f"/console/checkin/{activity.id}/{people['o_li'][0]}").status_code == 200
    assert runtime.attendance.turnout(activity.id).arrived == 1

    ningbo = sign_in("editor", city="宁波")
    assert ningbo.get(f"/console/checkin/{activity.id}").status_code == 403
    assert post(ningbo, f"/console/checkin/{activity.id}/{people['o_zhao'][0]}").status_code == 403
    assert sign_in("discipline").get("/console/checkin").status_code == 403
    assert runtime.attendance.turnout(activity.id).arrived == 1


def test_the_door_qr_code_comes_from_wechat(sign_in, runtime, clock, application, fake_wechat):
    activity, _ = door(runtime, application, people=())
    image = sign_in("editor").get(f"/console/checkin/{activity.id}/qr.png")
    assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    created = fake_wechat.calls("/cgi-bin/qrcode/create")[-1]["json"]
    assert created["action_info"]["scene"]["scene_str"] == f"checkin_{activity.id}" and created["expire_seconds"] > 0


def test_staff_check_in_a_worker_on_a_phone_and_the_count_changes(page, console_url, make_account, runtime,  # noqa: F811
                                                                    clock, application):
    from playwright.sync_api import expect

    activity, people = door(runtime, application)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone held at the door
    make_account("editor", username="door-chen")
    sign_in_as(page, console_url, "door-chen")
    page.get_by_role("navigation").get_by_role("link", name="签到", exact=True).click()
    page.get_by_role("link", name="亲子手工课").click()
    expect(page.get_by_test_id("checkin-turnout")).to_contain_text("已报名 2 人，已到场 0 人")

    page.get_by_label("姓名或手机尾号").fill(people["o_zhao"][1][-4:])
    expect(page.get_by_test_id("checkin-person")).to_have_count(1)
    expect(page.get_by_test_id("checkin-person")).to_contain_text("赵小红")
    page.get_by_role("button", name="签到").click()
    expect(page.get_by_test_id("checkin-turnout")).to_contain_text("已到场 1 人")
    expect(page.get_by_test_id("checkin-person")).to_contain_text("已签到")

    page.get_by_role("button", name="撤销").click()
    expect(page.get_by_test_id("checkin-turnout")).to_contain_text("已到场 0 人")
    assert runtime.attendance.turnout(activity.id).arrived == 0


def test_checking_in_a_worker_marks_their_whole_party_arrived(sign_in, runtime, clock, application):
    _door, people = door(runtime, application)  # two workers with applications (names, phones)
    family = runtime.activities.create(title="亲子游园", city="杭州", place="杭州动物园", capacity=10, max_companions=3,
                                       starts_at=runtime.clock() + timedelta(hours=1))
    (li, _phone), (zhao, _phone2) = people["o_li"], people["o_zhao"]
    runtime.activities.sign_up(li, family.id, companions=2)
    runtime.activities.sign_up(zhao, family.id)
    editor = sign_in("editor")
    page = editor.get(f"/console/checkin/{family.id}").get_data(as_text=True)
    assert "已报名 4 人，已到场 0 人" in page and "一行 3 人（本人 + 2 位同行人）" in page
    done = post(editor, f"/console/checkin/{family.id}/{li}", headers={"HX-Request": "true"})
    assert "已到场 3 人" in done.get_data(as_text=True)
    assert (runtime.attendance.turnout(family.id).signed_up, runtime.attendance.turnout(family.id).arrived) == (4, 3)
