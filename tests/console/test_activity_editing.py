"""Editors create and change activities in the console; those signed up hear of a new time or place."""
from __future__ import annotations

import re
from datetime import timedelta

from bot.console import audit
from bot.services.activities import to_local
from bot.storage.models import Activity

from tests.console.conftest import post

FORM = {"title": "职工羽毛球赛", "city": "杭州", "place": "黄龙体育中心", "starts_at": "2026-12-20 14:00",
        "ends_at": "2026-12-20T17:00", "signup_deadline": "", "capacity": "3", "members_only": "1",
        "summary": "单打，自带球拍。"}


def _activity_id(response) -> int:
    return int(re.search(r"/console/activities/(\d+)", response.headers["Location"]).group(1))


def test_an_editor_creates_an_activity_workers_then_see(sign_in, runtime, clock):
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    editor = sign_in("editor", username="bian")
    assert "新建活动" in editor.get("/console/activities").get_data(as_text=True)
    created = post(editor, "/console/activities/new", FORM)
    assert created.status_code == 302
    activity = runtime.activities.get(_activity_id(created))
    assert (activity.title, activity.city, activity.place, activity.capacity, activity.members_only) == (
        "职工羽毛球赛", "杭州", "黄龙体育中心", 3, True)
    assert activity.starts_at.hour == 6 and activity.ends_at.hour == 9  # 14:00 and 17:00 China time, stored in UTC
    page = editor.get(f"/console/activities/{activity.id}").get_data(as_text=True)
    assert "职工羽毛球赛" in page
    [entry] = audit.search(runtime.database, action="activity.create")[0]
    assert entry.actor == "bian" and entry.target == str(activity.id)


def test_mistakes_are_named_in_chinese_and_nothing_is_stored(sign_in, runtime, clock):
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    editor = sign_in("editor")
    wrong = dict(FORM, title=" ", city="上海", starts_at="12月20日下午", capacity="0")
    answer = post(editor, "/console/activities/new", wrong)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    for sentence in ("请填写活动标题", "请选择活动所在城市", "时间请按“2026-12-20 14:00”的格式填写", "名额请填写 1 到"):
        assert sentence in page
    assert 'value="黄龙体育中心"' in page  # what was typed stays in the form
    past = post(editor, "/console/activities/new", dict(FORM, starts_at="2026-11-20 14:00"))
    assert "开始时间已经过去了" in past.get_data(as_text=True)
    late = post(editor, "/console/activities/new", dict(FORM, signup_deadline="2026-12-21 09:00"))
    assert "报名截止时间不能晚于活动开始时间" in late.get_data(as_text=True)
    with runtime.database.session() as session:
        assert session.query(Activity).count() == 0


def test_only_editors_and_their_city(sign_in, runtime, clock):
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    for role in ("counsellor", "reviewer", "discipline"):
        assert post(sign_in(role), "/console/activities/new", FORM).status_code == 403
    ningbo_editor = sign_in("editor", city="宁波")
    assert post(ningbo_editor, "/console/activities/new", FORM).status_code == 403
    made = post(sign_in("editor", username="hz"), "/console/activities/new", FORM)
    assert ningbo_editor.get(f"/console/activities/{_activity_id(made)}/edit").status_code == 403


def test_capacity_cannot_go_below_the_sign_ups_and_a_larger_one_moves_the_waiting_list_up(
        sign_in, runtime, clock, worker):
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    editor = sign_in("editor")
    activity_id = _activity_id(post(editor, "/console/activities/new", dict(FORM, members_only="")))
    people = [worker(f"o_player_{n}") for n in range(4)]
    for person in people[:3]:
        runtime.activities.sign_up(person, activity_id)
    runtime.activities.join_waiting_list(people[3], activity_id)
    refused = post(editor, f"/console/activities/{activity_id}/edit", dict(FORM, members_only="", capacity="2"))
    assert refused.status_code == 422 and "已有 3 人确认报名，名额不能少于 3" in refused.get_data(as_text=True)
    assert runtime.activities.get(activity_id).capacity == 3
    post(editor, f"/console/activities/{activity_id}/edit", dict(FORM, members_only="", capacity="5"))
    view = runtime.activities.get(activity_id)
    assert (view.capacity, view.confirmed_count, view.waiting_count) == (5, 4, 0)


def test_a_new_time_or_place_is_told_to_everyone_signed_up(sign_in, runtime, clock, worker, fake_wechat):
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    editor = sign_in("editor", username="bian")
    activity_id = _activity_id(post(editor, "/console/activities/new", dict(FORM, members_only="")))
    for n in range(2):
        runtime.activities.sign_up(worker(f"o_fan_{n}"), activity_id)
    calls = lambda: [c["json"] for c in fake_wechat.calls("/cgi-bin/message/custom/send")]  # noqa: E731
    saved = post(editor, f"/console/activities/{activity_id}/edit", dict(FORM, members_only="", summary="改为双打"),
                 follow_redirects=True)
    assert "已保存" in saved.get_data(as_text=True) and calls() == []  # only the description changed
    moved = post(editor, f"/console/activities/{activity_id}/edit",
                 dict(FORM, members_only="", place="浙江大学紫金港体育馆", starts_at="2026-12-21 09:00",
                      ends_at=""), follow_redirects=True)
    assert "已通知 2 位报名的职工" in moved.get_data(as_text=True)
    runtime.background.submit(lambda: None).result()  # the notices are sent off the request path
    from tests.conftest import wait_until
    wait_until(lambda: len(calls()) == 2)
    assert sorted(c["touser"] for c in calls()) == ["o_fan_0", "o_fan_1"]
    assert all("浙江大学紫金港体育馆" in c["text"]["content"] and "12月21日 09:00" in c["text"]["content"]
               for c in calls())
    entries = audit.search(runtime.database, action="activity.edit")[0]
    assert entries[0].detail == {"changed": "ends_at,place,starts_at,summary", "told": 2}
    assert timedelta(0) < runtime.activities.get(activity_id).starts_at - clock.now


def _chat(runtime, openid: str, text: str) -> str:
    """What the worker reads in WeChat after writing text."""
    from bot import dialogue
    from bot.messages import Inbound
    return dialogue.respond(runtime, Inbound(openid, "text", text=text)).reply.as_text()


def test_the_waiting_list_is_none_unlimited_or_a_size_and_workers_feel_it(sign_in, runtime, clock, worker):
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    editor = sign_in("editor")
    assert 'name="waiting_list" value="unlimited" checked' in editor.get("/console/activities/new").get_data(
        as_text=True)  # the default, as before the form had the choice
    wrong = post(editor, "/console/activities/new", dict(FORM, waiting_list="size", waiting_list_size="0"))
    assert wrong.status_code == 422 and "候补人数请填写 1 到" in wrong.get_data(as_text=True)
    none_id = _activity_id(post(editor, "/console/activities/new",
                                dict(FORM, members_only="", capacity="1", waiting_list="none")))
    assert runtime.activities.get(none_id).waiting_list_size == 0
    runtime.activities.sign_up(worker("o_first"), none_id)
    worker("o_late")
    details = _chat(runtime, "o_late", "职工羽毛球赛")
    assert "这个活动不设候补" in details and "加入候补" not in details
    assert 'value="none" checked' in editor.get(f"/console/activities/{none_id}/edit").get_data(as_text=True)
    # A size of one: one worker waits, the next is told the waiting list is full.
    post(editor, f"/console/activities/{none_id}/edit",
         dict(FORM, members_only="", capacity="1", waiting_list="size", waiting_list_size="1"))
    assert runtime.activities.get(none_id).waiting_list_size == 1
    runtime.activities.join_waiting_list(worker("o_second"), none_id)
    worker("o_third")
    assert "候补名单也满了" in _chat(runtime, "o_third", "职工羽毛球赛")
    shrink = post(editor, f"/console/activities/{none_id}/edit",
                  dict(FORM, members_only="", capacity="1", waiting_list="none"))
    assert shrink.status_code == 422 and "已有 1 人在候补" in shrink.get_data(as_text=True)
    assert runtime.activities.get(none_id).waiting_list_size == 1
    post(editor, f"/console/activities/{none_id}/edit",
         dict(FORM, members_only="", capacity="1", waiting_list="unlimited"))
    assert runtime.activities.get(none_id).waiting_list_size is None
    assert "加入候补" in _chat(runtime, "o_third", "职工羽毛球赛")


def test_an_online_activity_needs_an_https_link_that_only_workers_with_a_place_read(sign_in, runtime, clock, worker):
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    editor = sign_in("editor")
    online = dict(FORM, members_only="", place="", mode="online", capacity="1", waiting_list="unlimited")
    for link in ("", "http://meeting.example.cn/j/123", "javascript:alert(1)", "https://meeting example.cn/j",
                 "https://localhost/j"):
        refused = post(editor, "/console/activities/new", dict(online, join_url=link))
        assert refused.status_code == 422 and "以 https:// 开头的参加链接" in refused.get_data(as_text=True), link
    on_site_without_place = post(editor, "/console/activities/new", dict(FORM, place=""))
    assert on_site_without_place.status_code == 422 and "请填写活动地点" in on_site_without_place.get_data(as_text=True)
    link = "https://meeting.example.cn/j/2026?pwd=union"
    activity_id = _activity_id(post(editor, "/console/activities/new", dict(online, join_url=link)))
    view = runtime.activities.get(activity_id)
    assert (view.mode, view.place, view.join_url) == ("online", "", link)
    form = editor.get(f"/console/activities/{activity_id}/edit").get_data(as_text=True)
    assert 'value="online" checked' in form and link.replace("&", "&amp;") in form

    worker("o_online_fan")
    details = _chat(runtime, "o_online_fan", "职工羽毛球赛")
    assert "线上活动" in details and link not in details and "地点：" not in details
    signed = _chat(runtime, "o_online_fan", "报名")
    assert "报名成功" in signed and f"参加链接：{link}" in signed and "地点" not in signed
    assert f"参加链接：{link}" in _chat(runtime, "o_online_fan", "职工羽毛球赛")
    worker("o_online_waiting")
    waiting = runtime.activities.join_waiting_list(runtime.people.person_id("official", "o_online_waiting"),
                                                   activity_id)
    assert waiting.status == "waiting" and waiting.join_url is None  # no place yet, no link

    # Back on site: a place is required again and the link is dropped.
    post(editor, f"/console/activities/{activity_id}/edit", dict(online, mode="onsite", place="工人文化宫",
                                                                   join_url=link))
    view = runtime.activities.get(activity_id)
    assert (view.mode, view.place, view.join_url) == ("onsite", "工人文化宫", None)


def test_the_companions_a_sign_up_may_bring_are_set_in_the_form(sign_in, runtime, clock):
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    editor = sign_in("editor")
    assert 'name="max_companions" min="0" max="10" value="0"' in editor.get("/console/activities/new").get_data(
        as_text=True)
    for wrong in ("-1", "两个", "11"):
        refused = post(editor, "/console/activities/new", dict(FORM, max_companions=wrong))
        assert refused.status_code == 422 and "可带家属人数请填写 0 到 10" in refused.get_data(as_text=True), wrong
    activity_id = _activity_id(post(editor, "/console/activities/new", dict(FORM, max_companions="2")))
    assert runtime.activities.get(activity_id).max_companions == 2
    assert 'value="2"' in editor.get(f"/console/activities/{activity_id}/edit").get_data(as_text=True)
    post(editor, f"/console/activities/{activity_id}/edit", dict(FORM, max_companions="0"))
    assert runtime.activities.get(activity_id).max_companions == 0


def test_a_weekly_series_is_created_at_once_listed_together_and_each_session_edited_alone(sign_in, runtime, clock):
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    editor = sign_in("editor")
    wrong = post(editor, "/console/activities/new", dict(FORM, weeks="27"))
    assert wrong.status_code == 422 and "场次请填写 1 到 26" in wrong.get_data(as_text=True)
    other = _activity_id(post(editor, "/console/activities/new", dict(FORM, title="职工书法展", starts_at="2026-12-21 10:00",
                                                                     ends_at="")))
    made = post(editor, "/console/activities/new", dict(FORM, weeks="3"), follow_redirects=True)
    assert "每周一场，共 3 场" in made.get_data(as_text=True)
    listed = queries_of(runtime)
    series = [v for v in listed if v.title == "职工羽毛球赛"]
    assert len(series) == 3 and len({v.series_key for v in series}) == 1 and series[0].series_key
    assert [(v.starts_at - series[0].starts_at).days for v in series] == [0, 7, 14]
    assert [v.title for v in listed] == ["职工羽毛球赛"] * 3 + ["职工书法展"]  # together, though 书法展 is on the 21st
    assert runtime.activities.get(other).series_key is None
    page = editor.get("/console/activities").get_data(as_text=True)
    assert page.count('data-testid="series"') == 3 and page.index("职工书法展") > page.rindex("职工羽毛球赛")
    second = series[1]
    post(editor, f"/console/activities/{second.id}/edit", dict(FORM, place="浙江大学紫金港体育馆",
                                                              starts_at="2026-12-27 14:00", ends_at="2026-12-27 17:00"))
    assert runtime.activities.get(second.id).place == "浙江大学紫金港体育馆"
    assert [runtime.activities.get(v.id).place for v in (series[0], series[2])] == ["黄龙体育中心"] * 2
    assert runtime.activities.get(second.id).series_key == series[0].series_key


def test_a_series_on_chosen_dates_is_created_at_the_same_time_of_day(sign_in, runtime, clock):
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    editor = sign_in("editor")
    assert 'name="dates"' in editor.get("/console/activities/new").get_data(as_text=True)
    for dates, sentence in (("12月32日", "其他日期“12月32日”没看懂"),
                            ("2026-12-27\n12月27日", "2026年12月27日 重复了"),
                            ("2026-12-20", "2026年12月20日 重复了（和开始时间是同一天"),
                            ("2026-11-30", "2026年11月30日 这一场的时间已经过去了"),
                            ("\n".join(f"2027-01-{d:02d}" for d in range(1, 27)), "一次最多创建 26 场")):
        refused = post(editor, "/console/activities/new", dict(FORM, dates=dates))
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422 and sentence in page, dates
        assert "请修改以下内容" in page
    early = post(editor, "/console/activities/new", dict(FORM, signup_deadline="2026-12-10 14:00", dates="2026-12-05"))
    assert "2026年12月5日 这一场，按同样提前量算的报名截止时间已经过去了" in early.get_data(as_text=True)
    both = post(editor, "/console/activities/new", dict(FORM, weeks="2", dates="2026-12-27"))
    assert both.status_code == 422 and "“场次”和“其他日期”请只用一种" in both.get_data(as_text=True)
    with runtime.database.session() as session:
        assert session.query(Activity).count() == 0  # nothing is created when one date is wrong

    made = post(editor, "/console/activities/new", dict(FORM, dates="2027年1月3日\n十二月二十七号， 2026/12/23"),
                follow_redirects=True)
    assert "共 4 场：12月20日、12月23日、12月27日、1月3日" in made.get_data(as_text=True)
    series = [v for v in queries_of(runtime) if v.title == "职工羽毛球赛"]
    assert [f"{to_local(v.starts_at):%Y-%m-%d %H:%M}" for v in series] == [
        "2026-12-20 14:00", "2026-12-23 14:00", "2026-12-27 14:00", "2027-01-03 14:00"]
    assert all(v.ends_at - v.starts_at == timedelta(hours=3) for v in series)
    assert len({v.series_key for v in series}) == 1 and series[0].series_key


def queries_of(runtime):
    """The activities list of the console, as an editor of every city sees it."""
    from bot.console import queries
    from bot.console.accounts import Staff
    return queries.staff_activities(runtime, Staff(id=0, username="x", role="editor", city=None, department=None,
                                                  active=True, session_version=0))
