"""Every page and action checks the role on the server: allowed where it should be, 403 where not."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.console.accounts import ROLES
from bot.push import campaigns

from tests.console.conftest import post


@pytest.fixture
def records(runtime, application, ticket):
    """One of each record the pages show: an application, a complaint, a named report, an activity, a campaign."""
    from bot.services.activities import parse_local

    activity = runtime.activities.create(title="职工健步走", city="杭州", place="西湖边", capacity=20,
                                         starts_at=runtime.clock() + timedelta(days=3))
    campaign = campaigns.create(runtime, title="明天活动", text="明早九点健步走", channel="template", audience="all",
                                at=parse_local("2099-01-01 09:00"))
    return {"application": application(), "complaint": ticket("complaint"),
            "report": ticket("report", openid="o_reporter", details={"subject": "cadre"}),
            "activity": activity.id, "campaign": campaign.id}


PAGES = [  # (path template, roles allowed)
    ("/console/", set(ROLES)),
    ("/console/badge", set(ROLES)),
    ("/console/applications", {"admin", "reviewer"}),
    ("/console/applications/{application}", {"admin", "reviewer"}),
    ("/console/tickets", {"admin", "counsellor", "discipline"}),
    ("/console/tickets/{complaint}", {"admin", "counsellor"}),
    ("/console/tickets/{report}", {"admin", "discipline"}),
    ("/console/activities", {"admin", "editor"}),
    ("/console/activities/{activity}", {"admin", "editor"}),
    ("/console/activities/{activity}/sign-ups.csv", {"admin", "editor"}),
    ("/console/campaigns", {"admin", "editor"}),
    ("/console/campaigns/new", {"admin", "editor"}),
    ("/console/campaigns/{campaign}", {"admin", "editor"}),
    ("/console/campaigns/{campaign}/progress", {"admin", "editor"}),
    ("/console/audit", {"admin"}),
    ("/console/accounts", {"admin"}),
]

ACTIONS = [  # (path template, form, roles allowed); each refused one must leave no trace
    ("/console/applications/{application}/reveal", {}, {"admin", "reviewer"}),
    ("/console/applications/{application}/decide", {"decision": "need_info", "reason": "请补充单位全称"},
     {"admin", "reviewer"}),
    ("/console/tickets/{complaint}/reveal", {}, {"admin", "counsellor"}),
    ("/console/tickets/{complaint}/answer", {"text": "已联系单位，下周发放", "keep_open": "1"}, {"admin", "counsellor"}),
    ("/console/tickets/{report}/reveal", {}, {"admin", "discipline"}),
    ("/console/tickets/{report}/answer", {"text": "已受理", "keep_open": "1"}, {"admin", "discipline"}),
    ("/console/campaigns/audience-size", {"audience_kind": "all"}, {"admin", "editor"}),
    ("/console/campaigns/phone-preview", {"title": "t", "text": "x"}, {"admin", "editor"}),
    ("/console/campaigns", {"title": "周末活动", "text": "周六上午", "channel": "template", "audience_kind": "all",
                            "at": "2099-02-01T09:00"}, {"admin", "editor"}),
    ("/console/campaigns/{campaign}/pause", {}, {"admin", "editor"}),
    ("/console/accounts", {"username": "new-one", "password": "long-enough-1", "role": "editor"}, {"admin"}),
    ("/console/accounts/new-one/unlock", {}, {"admin"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_page_opens_for_its_roles_only(role, sign_in, records):
    client = sign_in(role)
    for template, allowed in PAGES:
        path = template.format(**records)
        status = client.get(path).status_code
        if role in allowed:
            assert status == 200, f"{role} should open {path}, got {status}"
        else:
            assert status == 403, f"{role} must be refused {path}, got {status}"


@pytest.mark.parametrize("role", ROLES)
def test_each_action_is_refused_to_the_wrong_roles_and_leaves_no_trace(role, sign_in, records, runtime):
    from bot.console import audit

    client = sign_in(role)
    for template, form, allowed in ACTIONS:
        path = template.format(**records)
        before = audit.search(runtime.database, actor=client.username)[1]
        status = post(client, path, form).status_code
        after = audit.search(runtime.database, actor=client.username)[1]
        if role in allowed:
            assert status in (200, 302), f"{role} should be able to POST {path}, got {status}"
        else:
            assert status == 403, f"{role} must be refused POST {path}, got {status}"
            assert after == before, f"a refused {path} must not be audited as done"
    if role not in ("admin", "reviewer"):
        assert runtime.membership.staff_application(records["application"])[0].status == "submitted"
    if role not in ("admin", "counsellor"):
        assert runtime.tickets.staff_view(records["complaint"]).replies == []
    if role not in ("admin", "editor"):
        assert [c["id"] for c in campaigns.list_campaigns(runtime)] == [records["campaign"]]
        assert campaigns.get(runtime, records["campaign"]).state == "scheduled"


def test_an_anonymous_report_is_visible_to_the_discipline_role_alone(sign_in, ticket):
    number = ticket("report", openid="o_whistle", anonymous=True, details={"subject": "funds"},
                    text="某工会经费被挪用发购物卡")
    for role in ("admin", "counsellor", "reviewer", "editor"):
        client = sign_in(role)
        assert number not in client.get("/console/tickets?status=").get_data(as_text=True), role
        assert number not in client.get("/console/tickets?kind=report&status=").get_data(as_text=True), role
        assert client.get(f"/console/tickets/{number}").status_code == 403, role
        assert post(client, f"/console/tickets/{number}/answer", {"text": "x"}).status_code == 403, role
    discipline = sign_in("discipline")
    assert number in discipline.get("/console/tickets").get_data(as_text=True)
    page = discipline.get(f"/console/tickets/{number}")
    assert page.status_code == 200 and "某工会经费被挪用发购物卡" in page.get_data(as_text=True)


def test_the_discipline_role_sees_reports_and_nothing_else(sign_in, ticket):
    complaint = ticket("complaint")
    report = ticket("report", openid="o_reporter", details={"subject": "cadre"})
    page = sign_in("discipline").get("/console/tickets").get_data(as_text=True)
    assert report in page and complaint not in page
    page = sign_in("counsellor").get("/console/tickets").get_data(as_text=True)
    assert complaint in page and report not in page


def test_a_reviewer_limited_to_a_city_sees_and_decides_only_its_applications(sign_in, application, runtime):
    hangzhou = application("o_hz", city="杭州", district="西湖区")
    ningbo = application("o_nb", city="宁波", district="海曙区")
    reviewer = sign_in("reviewer", city="宁波")
    page = reviewer.get("/console/applications").get_data(as_text=True)
    assert ningbo in page and hangzhou not in page
    assert reviewer.get(f"/console/applications/{hangzhou}").status_code == 403
    assert post(reviewer, f"/console/applications/{hangzhou}/decide", {"decision": "approve"}).status_code == 403
    assert post(reviewer, f"/console/applications/{hangzhou}/reveal").status_code == 403
    assert runtime.membership.staff_application(hangzhou)[0].status == "submitted"
    assert post(reviewer, f"/console/applications/{ningbo}/decide", {"decision": "approve"}).status_code == 302
    assert runtime.membership.staff_application(ningbo)[0].status == "approved"


def test_a_counsellor_limited_to_a_department_sees_only_its_tickets(sign_in, ticket):
    wages = ticket("complaint")  # 维权部
    letter = ticket("mailbox", openid="o_letter", text="建议食堂延长开放时间",  # 办公室·主席信箱
                    details={"subject_type": "建议"})
    counsellor = sign_in("counsellor", department="维权部")
    page = counsellor.get("/console/tickets").get_data(as_text=True)
    assert wages in page and letter not in page
    assert counsellor.get(f"/console/tickets/{letter}").status_code == 403


def test_an_editor_limited_to_a_city_may_only_send_to_its_members(sign_in, runtime):
    editor = sign_in("editor", city="杭州")
    answer = post(editor, "/console/campaigns", {"title": "全省推送", "text": "x", "channel": "template",
                                                 "audience_kind": "all", "at": "2099-02-01T09:00"})
    assert answer.status_code == 422 and "只能向杭州的会员发送" in answer.get_data(as_text=True)
    answer = post(editor, "/console/campaigns", {"title": "杭州推送", "text": "x", "channel": "template",
                                                 "audience_kind": "city", "audience_value": "杭州",
                                                 "at": "2099-02-01T09:00"})
    assert answer.status_code == 302
    assert [c["audience"] for c in campaigns.list_campaigns(runtime)] == ["city:杭州"]
