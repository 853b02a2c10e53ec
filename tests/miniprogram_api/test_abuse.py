"""Forged tokens and guessed codes are slowed per address; uploads are never sniffed as another type."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest

from tests.miniprogram_api.conftest import error_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PROBE = "/consents"


@pytest.fixture
def stopped_clock(runtime):
    """Time stands at 20 s past a minute, so a test's requests never straddle two minutes by chance."""
    moment = {"now": datetime.utcnow().replace(second=20, microsecond=0)}
    runtime.clock = lambda: moment["now"]
    return moment


def test_an_address_sending_forged_tokens_is_rate_limited(api, runtime, stopped_clock):
    limit = runtime.config.api_auth_failures_per_minute
    for _ in range(limit):
        assert api.get(PROBE, headers={"Authorization": "Bearer forged.token"}).status_code == 401
    response = api.get(PROBE, headers={"Authorization": "Bearer forged.token"})
    assert response.status_code == 429 and response.headers["Retry-After"]
    assert error_of(response)["code"] == "rate_limited"
    # Another address is not affected.
    other = api.get(PROBE, headers={"Authorization": "Bearer forged.token"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 401


def test_an_address_guessing_login_codes_is_rate_limited(api, runtime, stopped_clock):
    limit = runtime.config.api_auth_failures_per_minute
    for n in range(limit):
        assert api.post("/auth/login", json={"code": f"invalid-{n}"}).status_code == 401
    assert api.post("/auth/login", json={"code": "invalid-last"}).status_code == 429


def test_guesses_spread_across_a_minute_boundary_are_still_limited(api, runtime, stopped_clock):
    limit = runtime.config.api_auth_failures_per_minute
    stopped_clock["now"] = stopped_clock["now"].replace(second=58)
    for n in range(limit):
        assert api.post("/auth/login", json={"code": f"invalid-{n}"}).status_code == 401
    stopped_clock["now"] += timedelta(seconds=4)  # a new minute has begun, the guesses have not stopped
    statuses = [api.post("/auth/login", json={"code": f"invalid-next-{n}"}).status_code for n in range(10)]
    assert statuses.count(401) <= 2 and statuses[-1] == 429  # not a fresh allowance of 30
    stopped_clock["now"] += timedelta(seconds=70)  # a quiet minute later the address may try again
    assert api.post("/auth/login", json={"code": "invalid-later"}).status_code == 401


def test_uploads_are_served_with_nosniff_and_their_own_type_only(api):
    member = api.login()
    created = member.post("/uploads", data={"file": (io.BytesIO(PNG), "photo.png")},
                          content_type="multipart/form-data")
    assert created.status_code == 201
    assert created.headers["X-Content-Type-Options"] == "nosniff"
    image_id = created.get_json()["id"]
    for path in (f"/uploads/{image_id}", f"/uploads/{image_id}/content"):
        response = member.get(path)
        assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff"
    content = member.get(f"/uploads/{image_id}/content")
    assert content.mimetype == "image/png" and "sandbox" in content.headers["Content-Security-Policy"]
    assert member.get("/uploads/nope/content").headers["X-Content-Type-Options"] == "nosniff"
