"""Consultations, complaints and the rest from the mini-program: file with images, list my own, read replies."""
from __future__ import annotations

import io

from tests.miniprogram_api.conftest import error_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def upload(member, data=PNG, name="photo.png"):
    """Upload one image as wx.uploadFile does."""
    return member.post("/uploads", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_file_a_consultation_with_an_image_and_read_the_reply(api, runtime):
    member = api.login()
    uploaded = upload(member)
    assert uploaded.status_code == 201
    image = uploaded.get_json()
    assert image["content_type"] == "image/png" and image["size"] == len(PNG)
    assert member.get(f"/uploads/{image['id']}").get_json()["id"] == image["id"]
    content = member.get(f"/uploads/{image['id']}/content")
    assert content.status_code == 200 and content.data == PNG and content.mimetype == "image/png"

    response = member.post("/tickets", json={"kind": "consultation", "text": "公司拖欠我三个月工资，怎么办？",
                                             "contact_phone": "13800001234", "attachments": [image["id"]]})
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    assert ticket["number"].startswith("ZX") and ticket["status"] == "open"
    assert ticket["contact_phone"] == "138****1234" and ticket["attachments"] == [
        {"upload_id": image["id"], "media_id": None, "url": None, "name": None}]
    assert ticket["number"] in ticket["message"]
    assert "回复" not in ticket["message"], ticket["message"]  # the chat's "reply with the number" is not for the app

    runtime.tickets.answer(ticket["number"], "您可以先向劳动监察大队投诉，我们也会联系您。")
    detail = member.get(f"/tickets/{ticket['number']}").get_json()
    assert detail["status"] in ("answered", "closed") and detail["replies"][0]["text"].startswith("您可以先")
    page = member.get("/tickets").get_json()
    assert page["total"] == 1 and page["items"][0]["number"] == ticket["number"]
    assert member.get("/tickets?kind=complaint").get_json()["total"] == 0

    # An upload is attached once.
    again = member.post("/tickets", json={"kind": "consultation", "text": "再问一次", "attachments": [image["id"]]})
    assert again.status_code == 404 and "attachments" in error_of(again)["fields"]


def test_each_kind_files_through_the_same_resource(api):
    member = api.login()
    kinds = member.get("/tickets/kinds").get_json()["items"]
    assert {k["kind"] for k in kinds} >= {"consultation", "complaint", "report", "mailbox", "hardship"}
    by_kind = {k["kind"]: k for k in kinds}
    details = {"complaint": {}, "report": {"subject": by_kind["report"]["choices"]["subject"][0]["key"]},
               "mailbox": {"subject_type": "建议"}, "hardship": {"aid_type": "送温暖", "city": "宁波"}}
    assert by_kind["hardship"]["required_details"] == ["aid_type", "city"]
    for kind in ("complaint", "report", "mailbox", "hardship"):
        response = member.post("/tickets", json={"kind": kind, "text": "具体情况是这样的，请帮忙。",
                                                 "employer": "某某科技有限公司", "contact_phone": "13900002222",
                                                 "details": details[kind]})
        assert response.status_code == 201, (kind, response.get_json())
    assert member.get("/tickets").get_json()["total"] == 4
    assert member.get("/tickets?limit=2").get_json()["total"] == 4
    assert len(member.get("/tickets?limit=2").get_json()["items"]) == 2


def test_the_service_rules_come_back_as_field_hints(api):
    member = api.login()
    response = member.post("/tickets", json={"kind": "complaint", "text": "单位不给交社保", "anonymous": True,
                                             "contact_phone": "13900002222"})
    assert response.status_code == 422 and "anonymous" in error_of(response)["fields"]
    response = member.post("/tickets", json={"kind": "complaint", "text": "单位不给交社保", "contact_phone": "12345"})
    assert response.status_code == 422 and "contact_phone" in error_of(response)["fields"]
    response = member.post("/tickets", json={"kind": "gossip", "text": "x"})
    assert response.status_code == 422 and "kind" in error_of(response)["fields"]
    response = member.post("/tickets", json={"kind": "consultation", "text": "x" * 2001})
    assert error_of(response)["fields"] == {"text": "最多只能填 2000 个字。"}
    response = member.post("/tickets", json={"kind": "consultation", "text": "好", "colour": "red"})
    assert error_of(response)["fields"] == {"colour": "不认识这一项，请去掉。"}


def _stored_tickets(runtime) -> int:
    from sqlalchemy import func, select

    from bot.storage.models import Ticket

    with runtime.database.session() as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def test_the_chat_rules_apply_to_the_mini_program_too(api, runtime):
    """The same TicketService rules the chat form follows: a real story, a listed aid type, a city in Zhejiang."""
    member = api.login()
    short = member.post("/tickets", json={"kind": "complaint", "text": "欠", "employer": "某某科技有限公司",
                                          "contact_phone": "13900002222"})
    assert short.status_code == 422 and short.is_json
    assert error_of(short)["code"] == "validation_failed" and "至少5个字" in error_of(short)["fields"]["text"]

    hardship = {"kind": "hardship", "text": "家里老人生病住院，开销很大", "contact_phone": "13900002222"}
    unknown_aid = member.post("/tickets", json={**hardship, "details": {"aid_type": "买房补贴", "city": "杭州"}})
    assert unknown_aid.status_code == 422
    assert set(error_of(unknown_aid)["fields"]) == {"aid_type"}
    assert "大病救助" in error_of(unknown_aid)["fields"]["aid_type"]

    outside = member.post("/tickets", json={**hardship, "details": {"aid_type": "大病救助", "city": "上海"}})
    assert outside.status_code == 422
    assert set(error_of(outside)["fields"]) == {"city"} and "浙江" in error_of(outside)["fields"]["city"]

    assert _stored_tickets(runtime) == 0 and member.get("/tickets").get_json()["total"] == 0
    fine = member.post("/tickets", json={**hardship, "details": {"aid_type": "大病救助", "city": "杭州市"}})
    assert fine.status_code == 201 and fine.get_json()["details"] == {"aid_type": "大病救助", "city": "杭州"}


def test_uploads_are_checked_for_type_and_size(api, runtime):
    member = api.login()
    assert upload(member, JPEG, "a.jpg").get_json()["content_type"] == "image/jpeg"
    refused = upload(member, b"%PDF-1.4 not an image", "a.pdf")
    assert refused.status_code == 415 and error_of(refused)["code"] == "unsupported_media_type"
    too_big = upload(member, PNG + b"\x00" * runtime.config.api_upload_max_bytes, "big.png")
    assert too_big.status_code == 413 and error_of(too_big)["code"] == "payload_too_large"
    missing = member.post("/uploads", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert member.post("/uploads", json={"file": "x"}).status_code == 415
    stored = list((runtime.config.var_dir and __import__("pathlib").Path(runtime.config.var_dir) / "uploads").iterdir())
    assert len(stored) == 1 and stored[0].suffix == ".jpg" and stored[0].stem not in ("a", "photo")
