"""Counsellors transfer and close tickets in the console; workers rate answers in the chat (满意 / 基本满意 / 不满意)."""
from __future__ import annotations

from sqlalchemy import select

from bot.config import DEMO_TOKEN
from bot.console import audit
from bot.storage.models import TicketRating

from tests.console.conftest import post
from tests.webhook.signing import post as post_to_webhook, text_xml


def chat(client, openid: str, text: str) -> str:
    """What a follower reads after writing `text` to the account (through the signed webhook)."""
    answer = post_to_webhook(client, DEMO_TOKEN, text_xml(openid, text))
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def queue(client) -> str:
    """The rows of the signed-in account's ticket queue (not its filters or messages)."""
    page = client.get("/console/tickets").get_data(as_text=True)
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def _actions(runtime, number: str) -> list[str]:
    return [e.action for e in audit.search(runtime.database, target=number)[0]]


def test_a_transfer_moves_the_ticket_to_the_other_departments_queue_and_the_worker_sees_it(
        sign_in, ticket, runtime, client):
    number = ticket()  # a wage complaint: 维权部
    rights = sign_in("counsellor", department="维权部", username="rights")
    legal = sign_in("counsellor", department="法律服务中心", username="legal")
    assert number in queue(rights)
    assert number not in queue(legal)

    done = post(rights, f"/console/tickets/{number}/transfer",
                {"department": "法律服务中心", "note": "涉及劳动仲裁，请法律服务中心跟进"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "已转交法律服务中心" in page and "已从您的待办中移出" in page
    assert number not in queue(rights)
    assert rights.get(f"/console/tickets/{number}").status_code == 403
    theirs = legal.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "涉及劳动仲裁，请法律服务中心跟进" in theirs and "维权部 → 法律服务中心" in theirs
    assert number in queue(legal)

    assert "状态：已转交法律服务中心办理" in chat(client, "o_ticket_worker", number)
    [entry] = audit.search(runtime.database, action="ticket.transfer", target=number)[0]
    assert entry.actor == "rights" and entry.detail["department"] == "法律服务中心"


def test_a_city_counsellor_hands_a_ticket_to_another_city(sign_in, ticket, runtime):
    number = ticket("hardship", text="家里有病人，生活困难", details={"city": "杭州", "aid_type": "大病救助"})
    hangzhou = sign_in("counsellor", city="杭州", username="hz")
    ningbo = sign_in("counsellor", city="宁波", username="nb")
    assert number not in queue(ningbo)
    post(hangzhou, f"/console/tickets/{number}/transfer", {"city": "宁波", "note": "职工已回宁波老家居住"})
    assert number not in queue(hangzhou)
    assert number in queue(ningbo)
    assert runtime.tickets.staff_view(number).status_name == "已转交宁波帮扶中心办理"


def test_a_transfer_needs_a_note_and_a_real_destination(sign_in, ticket, runtime):
    number = ticket()
    counsellor = sign_in("counsellor")
    page = post(counsellor, f"/console/tickets/{number}/transfer", {"department": "法律服务中心", "note": " "},
                follow_redirects=True).get_data(as_text=True)
    assert "请写一句转交说明" in page
    page = post(counsellor, f"/console/tickets/{number}/transfer", {"department": "财务部", "note": "试试"},
                follow_redirects=True).get_data(as_text=True)
    assert "请从列表中选择要转交的部门" in page
    page = post(counsellor, f"/console/tickets/{number}/transfer", {"department": "维权部", "note": "原地"},
                follow_redirects=True).get_data(as_text=True)
    assert "请选择另一个部门或城市" in page
    assert runtime.tickets.staff_view(number).department == "维权部"
    assert "ticket.transfer" not in _actions(runtime, number)


def test_roles_outside_the_ticket_cannot_transfer_or_close_it(sign_in, ticket, runtime):
    number = ticket()
    for role in ("discipline", "editor", "reviewer"):
        outsider = sign_in(role)
        assert post(outsider, f"/console/tickets/{number}/transfer",
                    {"department": "法律服务中心", "note": "越权"}).status_code == 403
        assert post(outsider, f"/console/tickets/{number}/close", {"reason": "duplicate"}).status_code == 403
    other_department = sign_in("counsellor", department="法律服务中心")
    assert post(other_department, f"/console/tickets/{number}/close", {"reason": "duplicate"}).status_code == 403
    assert runtime.tickets.staff_view(number).status == "open"
    assert _actions(runtime, number) == []


def test_closing_with_a_reason_tells_the_worker_and_shows_in_the_chat_and_the_api(
        sign_in, ticket, runtime, client, fake_wechat):
    number = ticket()
    counsellor = sign_in("counsellor", username="qian")
    page = post(counsellor, f"/console/tickets/{number}/close", {"reason": ""}, follow_redirects=True)
    assert "请选择办结原因" in page.get_data(as_text=True)
    page = post(counsellor, f"/console/tickets/{number}/close", {"reason": "duplicate", "note": "与上周的工单相同"},
                follow_redirects=True).get_data(as_text=True)
    assert f"工单 {number} 已办结（重复提交）" in page and "办结原因：重复提交" in page
    sent = [str(c["json"]) for c in fake_wechat.calls("/cgi-bin/message/custom/send")]
    assert any(number in s and "已办结：重复提交" in s for s in sent)
    assert "状态：已办结（重复提交）" in chat(client, "o_ticket_worker", number)
    [entry] = audit.search(runtime.database, action="ticket.close", target=number)[0]
    assert (entry.actor, entry.detail) == ("qian", {"reason": "duplicate", "note": "与上周的工单相同"})
    again = post(counsellor, f"/console/tickets/{number}/close", {"reason": "resolved"}, follow_redirects=True)
    assert "已经办结" in again.get_data(as_text=True) or "办结原因" in again.get_data(as_text=True)
    assert runtime.tickets.staff_view(number).close_reason == "duplicate"


def test_the_api_shows_the_new_status_in_chinese(runtime, client):
    login = client.post("/api/v1/auth/login", json={"code": "ops-member"}).get_json()
    me = {"Authorization": f"Bearer {login['access_token']}"}
    filed = client.post("/api/v1/tickets", headers=me, json={
        "kind": "consultation", "text": "公司让我每天加班到晚上十点，不给加班费，合法吗？", "contact_phone": "13912345678"})
    number = filed.get_json()["number"]
    runtime.tickets.transfer(number, "staff", "请法律服务中心答复", department="维权部")
    shown = client.get(f"/api/v1/tickets/{number}", headers=me).get_json()
    assert (shown["status"], shown["status_name"]) == ("open", "已转交维权部办理")
    runtime.tickets.close(number, "staff", "not_union")
    listed = client.get("/api/v1/tickets", headers=me).get_json()["items"]
    assert [(t["status"], t["status_name"]) for t in listed] == [("closed", "已办结（不属于工会受理范围）")]


# ---- satisfaction ------------------------------------------------------------------------------------

def _answer(counsellor, number: str) -> None:
    assert post(counsellor, f"/console/tickets/{number}/answer", {"text": "已联系贵公司，工资将于本周五前补发。"}
                ).status_code == 302


def _rating(runtime):
    with runtime.database.session() as session:
        return [(r.score, r.comment) for r in session.scalars(select(TicketRating))]


def test_an_answer_asks_the_three_choice_question_and_2_means_basically_satisfied(
        sign_in, ticket, runtime, client, fake_wechat):
    number = ticket()
    _answer(sign_in("counsellor"), number)
    [message] = [c["json"]["text"]["content"] for c in fake_wechat.calls("/cgi-bin/message/custom/send")]
    assert "1 满意" in message and "2 基本满意" in message and "3 不满意" in message and "一般" not in message
    assert "谢谢您的评价" in chat(client, "o_ticket_worker", "2")
    assert _rating(runtime) == [(4, None)]  # 基本满意 counts as satisfied
    other = ticket(openid="o_so_so_worker")
    _answer(sign_in("counsellor", username="zhou"), other)
    assert "谢谢您的评价" in chat(client, "o_so_so_worker", "还行")  # the old middle word is still the middle choice
    assert _rating(runtime) == [(4, None), (4, None)]
    assert runtime.tickets.staff_view(number).status == "closed"


def test_unsatisfied_reopens_the_ticket_and_the_next_sentence_is_the_reason(sign_in, ticket, runtime, client):
    number = ticket()
    counsellor = sign_in("counsellor")
    _answer(counsellor, number)
    reply = chat(client, "o_ticket_worker", "3")
    assert f"工单 {number} 已退回重新办理" in reply and "说说哪里不满意" in reply
    view = runtime.tickets.staff_view(number)
    assert (view.status, view.status_name) == ("open", "重新办理中") and view.reopened_at is not None
    assert "收到，您的意见已附在工单" in chat(client, "o_ticket_worker", "工资到现在还没发，企业根本没理")
    assert _rating(runtime) == [(1, "工资到现在还没发，企业根本没理")]
    rows = queue(counsellor)
    assert number in rows and "职工不满意·重办" in rows
    assert {"ticket.reopen", "ticket.reopen_reason"} <= set(_actions(runtime, number))
    # The reason was taken once: the next message is an ordinary one again.
    assert "收到，您的意见" not in chat(client, "o_ticket_worker", "我要入会")


def test_the_choice_in_words_and_a_new_request_instead_of_a_reason(sign_in, ticket, runtime, client):
    number = ticket()
    _answer(sign_in("counsellor"), number)
    assert "已退回重新办理" in chat(client, "o_ticket_worker", "不满意")
    reply = chat(client, "o_ticket_worker", "有什么活动")
    assert "收到，您的意见" not in reply
    assert _rating(runtime) == [(1, None)]
    other = ticket(openid="o_happy_worker")
    _answer(sign_in("counsellor", username="sun"), other)
    assert "谢谢您的评价" in chat(client, "o_happy_worker", "很满意！")
    assert sorted(_rating(runtime)) == [(1, None), (5, None)]
    assert runtime.tickets.staff_view(other).status == "closed"


def test_the_old_rating_words_still_work_and_a_low_score_reopens(sign_in, ticket, runtime, client):
    number = ticket()
    _answer(sign_in("counsellor"), number)
    assert "您打了 5 分" in chat(client, "o_ticket_worker", "评分 5")
    assert runtime.tickets.staff_view(number).status == "closed"
    assert "已退回重新办理" in chat(client, "o_ticket_worker", f"评价 {number} 1 电话一直打不通")
    assert _rating(runtime) == [(1, "电话一直打不通")]
    assert runtime.tickets.staff_view(number).status == "open"


def test_erasure_removes_the_reason_and_the_transfer_note(sign_in, ticket, runtime, client):
    from bot.storage.models import TicketTransfer

    number = ticket()
    counsellor = sign_in("counsellor")
    post(counsellor, f"/console/tickets/{number}/transfer", {"department": "法律服务中心", "note": "王师傅说老板姓李"})
    runtime.tickets.answer(number, "已处理。", staff="legal")
    chat(client, "o_ticket_worker", "不满意")
    chat(client, "o_ticket_worker", "李老板还是没发钱")
    person_id = runtime.people.person_id("official", "o_ticket_worker")
    runtime.personal_data.erase(person_id, actor="admin")
    with runtime.database.session() as session:
        assert [(r.score, r.comment, r.person_id) for r in session.scalars(select(TicketRating))] == [(1, None, None)]
        assert [t.note for t in session.scalars(select(TicketTransfer))] == [""]
    assert not any("李老板" in str(e.detail) for e in audit.search(runtime.database)[0])


def test_a_ticket_closed_by_staff_asks_the_question_and_unsatisfied_reopens_it(
        sign_in, ticket, runtime, client, fake_wechat):
    number = ticket()
    chat(client, "o_ticket_worker", "你好")  # the worker wrote lately: the notice goes by customer-service message
    counsellor = sign_in("counsellor", username="qian")
    post(counsellor, f"/console/tickets/{number}/close", {"reason": "resolved", "note": "电话回访已解决"})
    [message] = [c["json"]["text"]["content"] for c in fake_wechat.calls("/cgi-bin/message/custom/send")
                 if number in c["json"]["text"]["content"]]
    assert "已办结：问题已解决" in message and "1 满意" in message and "2 基本满意" in message
    reply = chat(client, "o_ticket_worker", "3")
    assert f"工单 {number} 已退回重新办理" in reply
    view = runtime.tickets.staff_view(number)
    assert (view.status, view.close_reason, view.status_name) == ("open", None, "重新办理中")
    assert number in queue(counsellor)


def test_a_duplicate_close_asks_nothing(sign_in, ticket, runtime, client, fake_wechat):
    number = ticket()
    chat(client, "o_ticket_worker", "你好")
    post(sign_in("counsellor"), f"/console/tickets/{number}/close", {"reason": "duplicate"})
    [message] = [c["json"]["text"]["content"] for c in fake_wechat.calls("/cgi-bin/message/custom/send")
                 if number in c["json"]["text"]["content"]]
    assert "已办结：重复提交" in message and "满意" not in message
    assert "已退回重新办理" not in chat(client, "o_ticket_worker", "3")
    assert runtime.tickets.staff_view(number).status == "closed" and _rating(runtime) == []
