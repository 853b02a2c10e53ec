"""Joining the union from the mini-program: the same form rules as the chat, the application, the card."""
from __future__ import annotations

from bot.services.identity_checks import id_check_digit
from tests.miniprogram_api.conftest import error_of


def id_number(serial: str = "123") -> str:
    """A valid 18-character ID number of someone born in 1990 in Hangzhou."""
    body = f"33010619900101{serial}"
    return body + id_check_digit(body)


def application(**changes) -> dict:
    """A complete join form."""
    form = {"name": "张三", "phone": "13812345678", "id_number": id_number(), "employer": "杭州某某物流有限公司",
            "no_fixed_employer": False, "city": "杭州市", "district": "西湖区", "industry": "交通运输",
            "occupation": "货车司机", "consent": True}
    return {**form, **changes}


def test_form_apply_see_history_and_card(api, runtime):
    member = api.login()
    form = member.get("/membership/form").get_json()
    assert "杭州市" in form["cities"] and "西湖区" in form["cities"]["杭州市"] and form["consent_notice"]
    assert member.get("/membership/application").status_code == 404
    assert member.get("/membership/card").status_code == 404

    response = member.post("/membership/applications", json=application())
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    number = created["application_no"]
    assert created["status"] == "submitted" and number in created["message"]
    assert created["id_number"].startswith("330106") and "*" in created["id_number"] and "*" in created["phone"]
    assert member.get("/membership/application").get_json()["application_no"] == number
    assert member.get(f"/membership/applications/{number}").get_json()["status"] == "submitted"
    history = member.get(f"/membership/applications/{number}/history").get_json()
    assert [step["to_status"] for step in history["items"]] == ["submitted"]
    me = member.get("/me").get_json()
    assert me["is_member"] is False and me["application"]["application_no"] == number

    runtime.membership.review(number, "approve")
    card = member.get("/membership/card").get_json()
    assert card["name"] == "张三" and card["member_no"]
    assert card["perks"] and "回复" not in card["perks"], card["perks"]  # chat instructions stay in the chat
    me = member.get("/me").get_json()
    assert me["is_member"] is True and me["city"] == "杭州" and me["membership"]["member_no"] == card["member_no"]
    benefits = member.get("/benefits").get_json()
    assert benefits["is_member"] is True and benefits["city"] == "杭州"


def test_the_chat_rules_apply(api):
    member = api.login()
    refused = member.post("/membership/applications", json=application(consent=False))
    assert refused.status_code == 422 and error_of(refused)["code"] == "consent_required"
    bad = member.post("/membership/applications", json=application(id_number="330106199001011234", phone="123"))
    assert bad.status_code == 422 and set(error_of(bad)["fields"]) >= {"id_number", "phone"}
    elsewhere = member.post("/membership/applications", json=application(city="火星", employer="某"))
    hints = error_of(elsewhere)["fields"]
    assert "city" in hints and "employer" in hints and not any("回复" in hint for hint in hints.values()), hints
    missing = member.post("/membership/applications", json={"consent": True})
    assert missing.status_code == 422 and "name" in error_of(missing)["fields"]

    assert member.post("/membership/applications", json=application()).status_code == 201
    again = member.post("/membership/applications", json=application())
    assert again.status_code == 409 and error_of(again)["code"] == "duplicate_application"
    # Someone else with the same ID number is refused too, without learning whose it is.
    other = api.login("other")
    duplicate = other.post("/membership/applications", json=application(name="李四"))
    assert duplicate.status_code == 409 and "RH" not in error_of(duplicate)["message"]
    assert "回复" not in error_of(duplicate)["message"] and "12351" in error_of(duplicate)["message"]


def test_need_info_resubmit_and_withdraw(api, runtime):
    member = api.login()
    number = member.post("/membership/applications", json=application()).get_json()["application_no"]
    assert member.post(f"/membership/applications/{number}/resubmit", json={"occupation": "司机"}).status_code == 409
    runtime.membership.review(number, "need_info", reason="请填写单位全称")
    assert member.get("/membership/application").get_json()["reason"] == "请填写单位全称"
    response = member.post(f"/membership/applications/{number}/resubmit", json={"employer": "杭州某某物流股份有限公司"})
    assert response.status_code == 200 and response.get_json()["status"] == "submitted"
    withdrawn = member.post(f"/membership/applications/{number}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert member.post(f"/membership/applications/{number}/withdraw").status_code == 409
    steps = member.get(f"/membership/applications/{number}/history").get_json()["items"]
    assert [s["to_status"] for s in steps] == ["submitted", "need_info", "submitted", "withdrawn"]
