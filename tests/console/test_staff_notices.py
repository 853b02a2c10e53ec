"""Staff bind their WeChat with a one-time code and hear of new, handed-over, reopened and overdue tickets."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.console import audit
from bot.push.scheduler import PERIODIC_JOBS
from bot.storage.models import StaffNotice

from tests.console.conftest import post
from tests.console.test_ticket_handling import chat


def _bind(admin, client, username: str, openid: str) -> str:
    """An administrator issues the code on the accounts page; the staff member sends it from their WeChat."""
    page = post(admin, f"/console/accounts/{username}/wechat/bind_code", follow_redirects=True).get_data(as_text=True)
    code = re.search(r"绑定 (\d{8})", page).group(1)
    return chat(client, openid, f"绑定 {code}")


def _notices(fake_wechat, openid: str) -> list[dict]:
    return [c["json"] for c in fake_wechat.calls("/cgi-bin/message/template/send") if c["json"]["touser"] == openid]


def _first(notice: dict) -> str:
    return notice["data"]["first"]["value"]


def test_a_staff_member_binds_their_wechat_with_a_one_time_code(sign_in, runtime, client):
    admin = sign_in("admin", username="boss")
    sign_in("counsellor", username="zhou")
    assert "绑定成功" in _bind(admin, client, "zhou", "o_staff_zhou")
    assert runtime.staff_notices.bound_usernames() == {"zhou": True}
    assert "已绑定·通知开" in admin.get("/console/accounts").get_data(as_text=True)
    # The code works once; a guess is refused, and guessing stops after a few tries.
    assert "绑定码不正确" in chat(client, "o_stranger", "绑定 12345678")
    for _ in range(5):
        chat(client, "o_stranger", "绑定 00000000")
    code = runtime.staff_notices.issue_code("zhou")
    assert "绑定码不正确" in chat(client, "o_stranger", f"绑定 {code}")  # even the right code, after the guesses
    assert runtime.staff_notices.bound_usernames() == {"zhou": True}
    actions = [e.action for e in audit.search(runtime.database, target="zhou")[0]]
    assert "account.bind_code" in actions and "account.wechat_bound" in actions
    assert not any(code in str(e.detail) for e in audit.search(runtime.database)[0])


def test_an_expired_code_is_refused(sign_in, runtime, client, clock):
    sign_in("counsellor", username="wu")
    code = runtime.staff_notices.issue_code("wu")
    clock.advance(hours=25)
    assert "绑定码不正确" in chat(client, "o_staff_wu", f"绑定 {code}")
    assert runtime.staff_notices.bound_usernames() == {}


def test_new_and_overdue_tickets_reach_the_staff_whose_queue_they_are_in_once(
        sign_in, ticket, runtime, client, clock, fake_wechat):
    admin = sign_in("admin", username="boss")
    sign_in("counsellor", username="rights", department="维权部")
    sign_in("counsellor", username="legal", department="法律服务中心")
    sign_in("discipline", username="jijian")
    for username in ("rights", "legal", "jijian"):
        _bind(admin, client, username, f"o_staff_{username}")
    number = ticket()  # a complaint for 维权部
    notices = runtime.staff_notices
    assert notices.send_ticket_notices() == 1
    assert notices.send_ticket_notices() == 0  # the job runs again: nothing twice
    [new] = _notices(fake_wechat, "o_staff_rights")
    assert _first(new) == "您的待办中有一件新工单" and number in new["data"]["keyword2"]["value"]
    assert "拖欠" not in str(new)  # never the worker's words in a staff notice
    assert _notices(fake_wechat, "o_staff_legal") == [] and _notices(fake_wechat, "o_staff_jijian") == []

    runtime.tickets.transfer(number, "rights", "请法律服务中心跟进", department="法律服务中心")
    assert notices.send_ticket_notices() == 1
    [handed] = _notices(fake_wechat, "o_staff_legal")
    assert _first(handed) == "有一件工单转交给您所在的部门"

    clock.now = runtime.tickets.staff_view(number).due_at + timedelta(minutes=5)
    assert notices.send_ticket_notices() == 1 and notices.send_ticket_notices() == 0
    assert _first(_notices(fake_wechat, "o_staff_legal")[-1]) == "有一件工单已超过办理期限，请尽快处理"
    assert len(_notices(fake_wechat, "o_staff_rights")) == 1


def test_a_reopened_ticket_notifies_the_queue(sign_in, ticket, runtime, client, fake_wechat):
    admin = sign_in("admin", username="boss")
    counsellor = sign_in("counsellor", username="rights", department="维权部")
    _bind(admin, client, "rights", "o_staff_rights")
    number = ticket()
    runtime.staff_notices.send_ticket_notices()
    post(counsellor, f"/console/tickets/{number}/answer", {"text": "已处理。"})
    chat(client, "o_ticket_worker", "3")  # 不满意
    assert runtime.staff_notices.send_ticket_notices() == 1
    assert _first(_notices(fake_wechat, "o_staff_rights")[-1]) == "职工对答复不满意，工单已退回重新办理"


def test_the_daily_digest_counts_open_and_overdue_and_goes_once_a_day(
        sign_in, ticket, runtime, client, clock, fake_wechat):
    admin = sign_in("admin", username="boss")
    sign_in("counsellor", username="rights", department="维权部")
    sign_in("editor", username="bianji")
    _bind(admin, client, "rights", "o_staff_rights")
    _bind(admin, client, "bianji", "o_staff_bianji")
    old = ticket("complaint", openid="o_first")
    clock.advance(days=10)
    ticket("complaint", openid="o_second")
    digests = runtime.staff_notices
    assert digests.send_digest() == 1 and digests.send_digest() == 0
    [digest] = [n for n in _notices(fake_wechat, "o_staff_rights") if _first(n) == "今日待办汇总"]
    assert digest["data"]["keyword2"]["value"] == "待办 2 件，其中超期 1 件"
    assert _notices(fake_wechat, "o_staff_bianji") == []  # an editor has no ticket queue
    clock.advance(days=1)
    runtime.tickets.close(old, "rights", "resolved")
    assert digests.send_digest() == 1
    assert _notices(fake_wechat, "o_staff_rights")[-1]["data"]["keyword2"]["value"] == "待办 1 件，其中超期 0 件"
    assert {job.id for job in PERIODIC_JOBS} >= {"staff.ticket_notices", "staff.daily_digest"}


def test_quotas_turned_off_and_unbound_staff_get_nothing_more(sign_in, ticket, runtime, client, fake_wechat):
    admin = sign_in("admin", username="boss")
    sign_in("counsellor", username="rights")
    _bind(admin, client, "rights", "o_staff_rights")
    runtime.staff_notices.per_person_per_day = 2
    for n in range(3):
        ticket(openid=f"o_worker_{n}")
    assert runtime.staff_notices.send_ticket_notices() == 2
    with runtime.database.session() as session:
        assert sorted(session.scalars(select(StaffNotice.delivery))) == ["quota", "sent", "sent"]
    post(admin, "/console/accounts/rights/wechat/notices_off")
    ticket(openid="o_worker_later")
    before = len(_notices(fake_wechat, "o_staff_rights"))
    assert runtime.staff_notices.send_ticket_notices() == 0 and runtime.staff_notices.send_digest() == 0
    post(admin, "/console/accounts/rights/wechat/unbind")
    assert runtime.staff_notices.bound_usernames() == {}
    assert len(_notices(fake_wechat, "o_staff_rights")) == before
