"""The "done when" story: a mini-program developer, with nothing but the API and its docs page."""
from __future__ import annotations

from datetime import timedelta

from tests.miniprogram_api.test_membership import application


def test_docs_login_apply_sign_up_consult_and_see_only_my_records(client, runtime):
    # 1. The docs page and the document.
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and docs.mimetype == "text/html"
    page = docs.get_data(as_text=True)
    for path in ("/api/v1/auth/login", "/api/v1/membership/applications", "/api/v1/activities/{activity_id}/sign-up",
                 "/api/v1/tickets"):
        assert path in page
    assert "<script src=" not in page and "cdn" not in page.lower()
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.") and "/api/v1/auth/login" in document["paths"]

    # 2. Log in with a code from the fake WeChat (what wx.login gives the mini-program).
    tokens = client.post("/api/v1/auth/login", json={"code": "story-code-0001"}).get_json()
    me = {"Authorization": f"Bearer {tokens['access_token']}"}

    # 3. Apply for membership.
    applied = client.post("/api/v1/membership/applications", json=application(), headers=me)
    assert applied.status_code == 201
    application_no = applied.get_json()["application_no"]

    # 4. Sign up for an activity.
    activity = runtime.activities.create(title="职工健步走", city="杭州", place="西湖文化广场", capacity=30,
                                         starts_at=runtime.clock() + timedelta(days=4)).id
    listed = client.get("/api/v1/activities?city=杭州&has_places=true", headers=me).get_json()
    assert [a["id"] for a in listed["items"]] == [activity]
    assert client.post(f"/api/v1/activities/{activity}/sign-up", headers=me).status_code == 201

    # 5. File a consultation.
    filed = client.post("/api/v1/tickets", headers=me, json={
        "kind": "consultation", "text": "公司让我每天加班到晚上十点，不给加班费，合法吗？", "contact_phone": "13912345678"})
    assert filed.status_code == 201
    ticket = filed.get_json()["number"]

    # 6. See my own records ...
    assert client.get("/api/v1/membership/application", headers=me).get_json()["application_no"] == application_no
    assert [s["activity_id"] for s in client.get("/api/v1/me/sign-ups", headers=me).get_json()["items"]] == [activity]
    assert [t["number"] for t in client.get("/api/v1/tickets", headers=me).get_json()["items"]] == [ticket]

    # ... and only mine: another member sees none of them.
    other = {"Authorization": "Bearer " + client.post("/api/v1/auth/login", json={"code": "story-other"})
             .get_json()["access_token"]}
    assert client.get("/api/v1/tickets", headers=other).get_json()["total"] == 0
    assert client.get(f"/api/v1/tickets/{ticket}", headers=other).status_code == 404
    assert client.get(f"/api/v1/membership/applications/{application_no}", headers=other).status_code == 404
    assert client.get("/api/v1/me/sign-ups", headers=other).get_json()["total"] == 0
