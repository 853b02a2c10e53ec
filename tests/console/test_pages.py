"""Staff stories through the console pages: review, answer, reveal, the door list, campaigns, alerts, the audit log."""
from __future__ import annotations

import csv as csv_module
import io
from datetime import timedelta

from bot.console import audit
from bot.push import campaigns
from bot.storage.models import MiniprogramUpload, Ticket

from tests.console.conftest import post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _rows(page) -> str:
    """The rows of the page's table (not its filters or messages)."""
    return page.get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def _entries(runtime, **filters):
    return audit.search(runtime.database, **filters)[0]


def test_a_reviewer_approves_an_application_the_worker_is_told_and_it_is_audited(sign_in, application, runtime,
                                                                                  fake_wechat):
    number = application()
    reviewer = sign_in("reviewer", username="wang")
    queue = reviewer.get("/console/applications").get_data(as_text=True)
    assert number in queue and "李**" in queue and "李建国" not in queue  # masked in the list
    answer = post(reviewer, f"/console/applications/{number}/decide", {"decision": "approve"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/applications"
    assert number not in _rows(reviewer.get("/console/applications"))
    view, history = runtime.membership.staff_application(number)
    assert view.status == "approved" and history[-1].actor == "wang"
    sent = [c for c in fake_wechat.calls("/cgi-bin/message/custom/send") if "入会申请" in str(c["json"])]
    assert sent and sent[0]["json"]["touser"] == "o_applicant"
    [entry] = _entries(runtime, actor="wang", action="application.")
    assert (entry.action, entry.target, entry.role) == ("application.approve", number, "reviewer")
    assert entry.detail["member_no"] == view.member_no


def test_rejecting_needs_a_reason_which_the_worker_reads(sign_in, application, runtime):
    number = application()
    reviewer = sign_in("reviewer")
    answer = post(reviewer, f"/console/applications/{number}/decide", {"decision": "reject"}, follow_redirects=True)
    assert "请写明原因" in answer.get_data(as_text=True)
    assert runtime.membership.staff_application(number)[0].status == "submitted"
    post(reviewer, f"/console/applications/{number}/decide", {"decision": "reject", "reason": "非浙江省内就业"})
    view = runtime.membership.staff_application(number)[0]
    assert (view.status, view.reason) == ("rejected", "非浙江省内就业")
    assert _entries(runtime, action="application.reject")[0].detail["reason"] == "非浙江省内就业"


def test_the_queue_filters_by_city_and_district_oldest_first(sign_in, application, clock):
    first = application("o_a", city="杭州", district="西湖区")
    clock.advance(minutes=5)
    second = application("o_b", city="杭州", district="滨江区")
    clock.advance(minutes=5)
    other = application("o_c", city="宁波", district="海曙区")
    reviewer = sign_in("reviewer")
    page = reviewer.get("/console/applications").get_data(as_text=True)
    assert page.index(first) < page.index(second) < page.index(other)
    page = reviewer.get("/console/applications?city=杭州市").get_data(as_text=True)
    assert first in page and second in page and other not in page
    page = reviewer.get("/console/applications?city=杭州市&district=滨江区").get_data(as_text=True)
    assert second in page and first not in page


def test_revealing_an_applicants_numbers_is_audited_without_the_numbers(sign_in, application, runtime):
    number = application()
    reviewer = sign_in("reviewer", username="wang")
    page = reviewer.get(f"/console/applications/{number}").get_data(as_text=True)
    phone = runtime.membership.own_fields(runtime.people.person_id("official", "o_applicant"), number)["phone"]
    assert phone not in page and phone[:3] + "****" + phone[-4:] in page
    revealed = post(reviewer, f"/console/applications/{number}/reveal").get_data(as_text=True)
    assert phone in revealed
    [entry] = _entries(runtime, actor="wang", action="application.reveal")
    assert entry.target == number and phone not in str(entry.detail)


def test_a_counsellor_calls_back_then_answers_and_the_worker_reads_it(sign_in, ticket, runtime, fake_wechat):
    number = ticket()
    counsellor = sign_in("counsellor", username="zhao")
    page = counsellor.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "公司拖欠我三个月工资" in page and "138****5678" in page and "13812345678" not in page
    assert "13812345678" in post(counsellor, f"/console/tickets/{number}/reveal").get_data(as_text=True)
    answer = post(counsellor, f"/console/tickets/{number}/answer", {"text": "已联系贵公司，工资将于本周五前补发。"})
    assert answer.status_code == 302
    person_id = runtime.people.person_id("official", "o_ticket_worker")
    mine = runtime.tickets.get(person_id, number)
    assert mine.status == "closed" and mine.replies[-1][1] == "已联系贵公司，工资将于本周五前补发。"
    assert any("工资将于本周五前补发" in str(c["json"]) for c in fake_wechat.calls("/cgi-bin/message/custom/send"))
    assert [e.action for e in _entries(runtime, actor="zhao", target=number)] == ["ticket.answer", "ticket.reveal_phone"]


def test_an_empty_answer_is_refused_with_the_services_reason(sign_in, ticket, runtime):
    number = ticket()
    counsellor = sign_in("counsellor")
    page = post(counsellor, f"/console/tickets/{number}/answer", {"text": "  "}, follow_redirects=True)
    assert "答复内容不能为空" in page.get_data(as_text=True)
    assert runtime.tickets.staff_view(number).status == "open"


def test_the_ticket_queue_puts_overdue_first_and_filters_by_kind_and_status(sign_in, ticket, clock, runtime):
    old = ticket("callback", openid="o_old", text="请回电", contact_phone="13900001111")  # due in one working day
    clock.advance(days=5)
    fresh = ticket("complaint", openid="o_new")
    counsellor = sign_in("counsellor")
    page = counsellor.get("/console/tickets").get_data(as_text=True)
    assert page.index(old) < page.index(fresh) and "超期" in page
    page = counsellor.get("/console/tickets?kind=complaint").get_data(as_text=True)
    assert fresh in page and old not in page
    page = counsellor.get("/console/tickets?overdue=1").get_data(as_text=True)
    assert old in page and fresh not in page
    runtime.tickets.answer(fresh, "已处理", staff="x")
    assert fresh not in counsellor.get("/console/tickets").get_data(as_text=True)
    assert fresh in counsellor.get("/console/tickets?status=closed").get_data(as_text=True)


def test_tickets_filter_by_the_workers_city(sign_in, ticket, runtime):
    from tests.handlers.member_factory import make_member

    make_member(runtime, "o_nb_member", city="宁波")
    ningbo = ticket("complaint", openid="o_nb_member")
    hangzhou = ticket("hardship", openid="o_hz_worker", text="家里有病人", details={"city": "杭州", "aid_type": "大病救助"})
    counsellor = sign_in("counsellor")
    page = counsellor.get("/console/tickets?city=宁波").get_data(as_text=True)
    assert ningbo in page and hangzhou not in page
    limited = sign_in("counsellor", city="杭州")
    page = limited.get("/console/tickets").get_data(as_text=True)
    assert hangzhou in page and ningbo not in page


def test_the_home_page_and_badge_count_new_and_overdue_requests(sign_in, ticket, application, clock):
    late = ticket("callback", openid="o_late", text="请回电", contact_phone="13900001111")
    clock.advance(days=5)
    ticket("complaint", openid="o_new")
    counsellor = sign_in("counsellor")
    page = counsellor.get("/console/").get_data(as_text=True)
    assert 'data-testid="count-tickets-new">1<' in page and 'data-testid="count-tickets-overdue">1<' in page
    assert late in page  # the overdue list
    assert 'data-testid="badge">2<' in counsellor.get("/console/badge").get_data(as_text=True)
    application()
    reviewer_page = sign_in("reviewer").get("/console/").get_data(as_text=True)
    assert 'data-testid="count-applications">1<' in reviewer_page and "count-tickets" not in reviewer_page


def test_attachments_are_shown_as_images(sign_in, worker, runtime, tmp_path):
    person_id = worker("o_photo")
    uploads = tmp_path / "var" / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "abc.png").write_bytes(PNG)
    with runtime.database.session() as session:
        session.add(MiniprogramUpload(public_id="up1", person_id=person_id, stored_name="abc.png",
                                      content_type="image/png", size=len(PNG)))
    number = runtime.tickets.open(person_id, "complaint", "工资条照片", employer="某厂", contact_phone="13812345678",
                                  attachments=["up1", {"media_id": "m1", "url": "http://127.0.0.1:9/pic.jpg"}]).number
    counsellor = sign_in("counsellor")
    page = counsellor.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert f'src="/console/tickets/{number}/attachments/0"' in page
    image = counsellor.get(f"/console/tickets/{number}/attachments/0")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    assert counsellor.get(f"/console/tickets/{number}/attachments/1").headers["Location"] == "http://127.0.0.1:9/pic.jpg"
    assert counsellor.get(f"/console/tickets/{number}/attachments/2").status_code == 404
    assert sign_in("discipline").get(f"/console/tickets/{number}/attachments/0").status_code == 403


def test_the_door_list_shows_names_in_full_is_audited_and_prints_as_csv(sign_in, runtime):
    from tests.handlers.member_factory import make_member

    activity = runtime.activities.create(title="职工运动会", city="杭州", place="黄龙体育中心", capacity=1,
                                         starts_at=runtime.clock() + timedelta(days=2))
    first = make_member(runtime, "o_first", city="杭州")
    second = make_member(runtime, "o_second", city="杭州")
    runtime.activities.sign_up(first, activity.id)
    runtime.activities.join_waiting_list(second, activity.id)
    editor = sign_in("editor", username="chen")
    page = editor.get(f"/console/activities/{activity.id}").get_data(as_text=True)
    assert page.count("王芳") == 2 and "候补第 1 位" in page and "139" in page
    csv = editor.get(f"/console/activities/{activity.id}/sign-ups.csv")
    text = csv.data.decode("utf-8-sig")
    assert csv.mimetype == "text/csv" and text.splitlines()[1].startswith("1,王芳,139")
    assert [e.action for e in _entries(runtime, actor="chen")][:2] == ["activity.export", "activity.participants"]
    assert sign_in("editor", city="宁波").get(f"/console/activities/{activity.id}").status_code == 403


def test_the_sign_up_list_and_its_csv_show_each_party_and_the_seats_taken(sign_in, runtime):
    from tests.handlers.member_factory import make_member

    activity = runtime.activities.create(title="职工亲子游园", city="杭州", place="杭州动物园", capacity=4,
                                         max_companions=2, starts_at=runtime.clock() + timedelta(days=2))
    family = make_member(runtime, "o_family", city="杭州")
    single = make_member(runtime, "o_single", city="杭州")
    late = make_member(runtime, "o_late_family", city="杭州")
    runtime.activities.sign_up(family, activity.id, companions=2)
    runtime.activities.sign_up(single, activity.id)
    runtime.activities.join_waiting_list(late, activity.id, companions=1)
    editor = sign_in("editor")
    page = editor.get(f"/console/activities/{activity.id}").get_data(as_text=True)
    assert "已确认 4 / 4 人，候补 2 人" in page and "本人 + 2 位同行人" in page
    assert "合计：已确认 2 份报名共 4 人；候补 1 份报名共 2 人。" in page
    rows = list(csv_module.reader(io.StringIO(
        editor.get(f"/console/activities/{activity.id}/sign-ups.csv").data.decode("utf-8-sig"))))
    assert rows[0][3] == "人数" and [row[3] for row in rows[1:4]] == ["3", "1", "2"]
    assert rows[-1] == ["合计：已确认 2 份报名共 4 人；候补 1 份报名共 2 人。"]


def test_an_editor_previews_schedules_pauses_resumes_and_cancels_a_campaign(sign_in, runtime):
    from tests.handlers.member_factory import make_member

    make_member(runtime, "o_hz_1", city="杭州")
    make_member(runtime, "o_hz_2", city="杭州")
    editor = sign_in("editor", username="chen")
    size = post(editor, "/console/campaigns/audience-size", {"audience_kind": "city", "audience_value": "杭州"})
    assert "现在约 <strong>2</strong> 人" in size.get_data(as_text=True)
    bad = post(editor, "/console/campaigns/audience-size", {"audience_kind": "city", "audience_value": "上海"})
    assert "不是浙江省的地级市" in bad.get_data(as_text=True)
    phone = post(editor, "/console/campaigns/phone-preview", {"title": "明天活动", "text": "明早九点运动会"})
    assert "明早九点运动会" in phone.get_data(as_text=True)
    answer = post(editor, "/console/campaigns", {"title": "明天活动", "text": "明早九点运动会", "channel": "template",
                                                 "audience_kind": "city", "audience_value": "杭州",
                                                 "at": "2099-03-01T09:00"})
    assert answer.status_code == 302
    campaign_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    found = campaigns.get(runtime, campaign_id)
    assert (found.state, found.audience, found.audience_size, found.created_by) == ("scheduled", "city:杭州", 2, "chen")
    assert campaigns.local_text(found.send_at) == "2099-03-01 09:00"
    page = editor.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    assert "2099-03-01 09:00" in page and "明早九点运动会" in page and 'aria-valuenow="0"' in page
    for action, state in (("pause", "paused"), ("resume", "scheduled"), ("cancel", "cancelled")):
        post(editor, f"/console/campaigns/{campaign_id}/{action}")
        assert campaigns.get(runtime, campaign_id).state == state
    refused = post(editor, f"/console/campaigns/{campaign_id}/pause", follow_redirects=True)
    assert "不能暂停" in refused.get_data(as_text=True)
    actions = [e.action for e in _entries(runtime, actor="chen", target=str(campaign_id))]
    assert actions == ["campaign.cancel", "campaign.resume", "campaign.pause", "campaign.schedule"]


def test_a_campaign_refused_by_the_push_engine_keeps_the_draft(sign_in):
    editor = sign_in("editor")
    answer = post(editor, "/console/campaigns", {"title": "过去的推送", "text": "内容", "channel": "template",
                                                 "audience_kind": "all", "at": "2001-01-01T09:00"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "已经过去" in page and "过去的推送" in page


def test_the_progress_bar_reaches_100_when_every_delivery_is_done(sign_in, runtime):
    from bot.storage.models import Delivery

    campaign = campaigns.create(runtime, title="t", text="x", channel="template", audience="all",
                                at=runtime.clock() + timedelta(hours=1))
    with runtime.database.session() as session:
        session.add_all([Delivery(campaign_id=campaign.id, openid="a", status="sent"),
                         Delivery(campaign_id=campaign.id, openid="b", status="failed", reason="blocked")])
        session.get(type(campaign), campaign.id).state = "done"
        session.get(type(campaign), campaign.id).materialized_at = runtime.clock()
    bar = sign_in("editor").get(f"/console/campaigns/{campaign.id}/progress").get_data(as_text=True)
    assert 'aria-valuenow="100"' in bar and "失败 1" in bar


def test_the_audit_log_filters_by_person_action_and_record(sign_in, application, ticket, runtime):
    number = application()
    complaint = ticket()
    reviewer = sign_in("reviewer", username="wang")
    post(reviewer, f"/console/applications/{number}/decide", {"decision": "approve"})
    counsellor = sign_in("counsellor", username="zhao")
    post(counsellor, f"/console/tickets/{complaint}/reveal")
    admin = sign_in("admin", username="boss")
    rows = _rows(admin.get("/console/audit?actor=zhao"))
    assert "ticket.reveal_phone" in rows and "application.approve" not in rows
    rows = _rows(admin.get("/console/audit?action=application."))
    assert "application.approve" in rows and number in rows and "ticket.reveal_phone" not in rows
    rows = _rows(admin.get(f"/console/audit?target={complaint}"))
    assert "zhao" in rows and "wang" not in rows


def test_an_administrator_creates_an_account_in_the_page(sign_in, runtime, app):
    admin = sign_in("admin")
    answer = post(admin, "/console/accounts", {"username": "hz-reviewer", "password": "long-enough-1",
                                               "role": "reviewer", "city": "杭州市"})
    assert answer.status_code == 302
    from bot.console.accounts import find_account

    made = find_account(runtime.database, "hz-reviewer")
    assert (made.role, made.city) == ("reviewer", "杭州")
    answer = post(admin, "/console/accounts", {"username": "x", "password": "short", "role": "reviewer"})
    assert answer.status_code == 422 and "账号没有创建" in answer.get_data(as_text=True)


def test_flagged_text_is_shown_to_staff_with_a_warning(sign_in, ticket, runtime):
    number = ticket()
    with runtime.database.session() as session:
        session.query(Ticket).filter_by(number=number).update({"flagged": True, "check_status": "risky"})
    page = sign_in("counsellor").get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "未通过微信内容安全检查" in page and "公司拖欠我三个月工资" in page
