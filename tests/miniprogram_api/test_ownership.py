"""A member only ever reads or changes their own records: every resource, tried with another member's id, is 404."""
from __future__ import annotations

import io
from datetime import timedelta

from tests.miniprogram_api.test_membership import application
from tests.miniprogram_api.test_tickets import PNG


def test_every_resource_with_another_members_id_is_404(api, runtime):
    owner, intruder = api.login("owner"), api.login("intruder")

    # The owner's records: an application, a ticket, an upload, a sign-up, consents.
    number = owner.post("/membership/applications", json=application()).get_json()["application_no"]
    upload_id = owner.post("/uploads", data={"file": (io.BytesIO(PNG), "a.png")},
                           content_type="multipart/form-data").get_json()["id"]
    spare_upload = owner.post("/uploads", data={"file": (io.BytesIO(PNG), "b.png")},
                              content_type="multipart/form-data").get_json()["id"]
    ticket = owner.post("/tickets", json={"kind": "complaint", "text": "单位拖欠工资", "contact_phone": "13800001111",
                                          "attachments": [upload_id]}).get_json()["number"]
    activity = runtime.activities.create(title="读书会", city="杭州", place="图书馆", capacity=5,
                                         starts_at=runtime.clock() + timedelta(days=2)).id
    assert owner.post(f"/activities/{activity}/sign-up").status_code == 201
    owner.post("/consents", json={"results": {"TPL_OWNER": "accept"}})

    # The intruder tries each with the owner's ids.
    attempts = [
        ("GET", f"/membership/applications/{number}", None),
        ("GET", f"/membership/applications/{number}/history", None),
        ("POST", f"/membership/applications/{number}/resubmit", {"occupation": "司机"}),
        ("POST", f"/membership/applications/{number}/withdraw", None),
        ("GET", f"/tickets/{ticket}", None),
        ("GET", f"/uploads/{upload_id}", None),
        ("GET", f"/uploads/{upload_id}/content", None),
        ("POST", "/tickets", {"kind": "consultation", "text": "借用别人的图片", "attachments": [spare_upload]}),
        ("DELETE", f"/activities/{activity}/sign-up", None),  # the intruder has no sign-up to cancel
    ]
    for method, path, body in attempts:
        response = intruder.request(method, path, json=body) if body is not None else intruder.request(method, path)
        assert response.status_code == 404, (method, path, response.get_json())
        assert number not in response.get_data(as_text=True) or path.endswith(number)

    # Lists show the intruder nothing of the owner's.
    assert intruder.get("/tickets").get_json()["total"] == 0
    assert intruder.get("/me/sign-ups").get_json()["total"] == 0
    assert intruder.get("/consents").get_json()["items"] == []
    assert intruder.get("/membership/application").status_code == 404
    assert intruder.get("/membership/card").status_code == 404
    me = intruder.get("/me").get_json()
    assert me["application"] is None and me["membership"] is None

    # And nothing of the owner's changed.
    assert owner.get(f"/membership/applications/{number}").get_json()["status"] == "submitted"
    assert owner.get(f"/activities/{activity}").get_json()["my_sign_up"]["status"] == "confirmed"
    assert owner.get(f"/uploads/{spare_upload}").status_code == 200
    assert owner.get(f"/tickets/{ticket}").status_code == 200
