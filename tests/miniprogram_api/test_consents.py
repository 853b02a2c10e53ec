"""Subscribe-message consent: what the member agreed to receive, where the push side reads it."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import SubscribeConsent
from tests.miniprogram_api.conftest import error_of


def test_each_accept_allows_one_message_and_a_ban_ends_them(api, runtime):
    member = api.login()
    assert member.get("/consents").get_json() == {"items": []}
    response = member.post("/consents", json={"results": {"TPL_ACTIVITY": "accept", "TPL_TICKET": "reject",
                                                          "TPL_FILTERED": "filter"}, "scene": "activity_detail"})
    assert response.status_code == 200
    items = {c["template_id"]: c for c in response.get_json()["items"]}
    assert set(items) == {"TPL_ACTIVITY", "TPL_TICKET"}
    assert items["TPL_ACTIVITY"]["remaining"] == 1 and items["TPL_ACTIVITY"]["status"] == "accept"
    assert items["TPL_TICKET"]["remaining"] == 0 and items["TPL_TICKET"]["status"] == "reject"

    member.post("/consents", json={"results": {"TPL_ACTIVITY": "accept"}})
    assert {c["template_id"]: c["remaining"] for c in member.get("/consents").get_json()["items"]}["TPL_ACTIVITY"] == 2
    with runtime.database.session() as session:
        row = session.scalar(select(SubscribeConsent).where(SubscribeConsent.template_id == "TPL_ACTIVITY"))
        assert row.openid.startswith("mp_") and row.source == "miniprogram" and row.remaining == 2

    member.post("/consents", json={"results": {"TPL_ACTIVITY": "ban"}})
    assert {c["template_id"]: c["remaining"] for c in member.get("/consents").get_json()["items"]}["TPL_ACTIVITY"] == 0


def test_consents_are_the_members_own(api):
    first, second = api.login("first"), api.login("second")
    first.post("/consents", json={"results": {"TPL_ACTIVITY": "accept"}})
    assert second.get("/consents").get_json() == {"items": []}


def test_bad_consent_answers_are_422(api):
    member = api.login()
    assert api.post("/consents", json={"results": {"T": "accept"}}).status_code == 401
    response = member.post("/consents", json={"results": {"TPL": "maybe"}})
    assert response.status_code == 422 and error_of(response)["fields"]
    assert member.post("/consents", json={"results": {}}).status_code == 422
