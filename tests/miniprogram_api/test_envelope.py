"""One error envelope for every failure under /api/v1, rate limits per member, pagination bounds."""
from __future__ import annotations

from datetime import datetime

import pytest

from bot.kv_store import StoreUnavailable
from tests.miniprogram_api.conftest import error_of


def test_flask_own_errors_use_the_envelope_under_the_api_only(client):
    assert error_of(client.get("/api/v1/no-such-thing"))["code"] == "not_found"
    wrong_method = client.put("/api/v1/auth/login")
    assert wrong_method.status_code == 405 and error_of(wrong_method)["code"] == "method_not_allowed"
    assert "POST" in wrong_method.headers["Allow"]
    outside = client.get("/no-such-page")
    assert outside.status_code == 404 and outside.mimetype != "application/json"


def test_a_bug_is_a_500_in_the_envelope(api, monkeypatch):
    from miniprogram_api.resources import legal

    member = api.login()
    monkeypatch.setattr(legal, "legal_faq", lambda: 1 / 0)
    response = member.get("/legal/topics")
    assert response.status_code == 500 and error_of(response)["code"] == "internal_error"


@pytest.fixture
def config(config):
    """A small limit to reach in a test."""
    return config.with_overrides(api_rate_limit_per_minute=5)


def test_rate_limit_per_member(api, runtime):
    runtime.clock = lambda: datetime.utcnow().replace(second=20, microsecond=0)  # all six inside one minute
    first, second = api.login("first"), api.login("second")
    statuses = [first.get("/consents").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = first.get("/consents")
    assert error_of(limited)["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
    assert second.get("/consents").status_code == 200  # the limit is per member


def test_rate_limit_fails_open_when_the_store_is_down(api, runtime, monkeypatch, caplog):
    member = api.login()

    def down(*args, **kwargs):
        raise StoreUnavailable("redis timeout")

    monkeypatch.setattr(runtime.store, "incr", down)
    monkeypatch.setattr(runtime.store, "get", down)
    assert [member.get("/consents").status_code for _ in range(8)] == [200] * 8
    assert "rate limit not applied" in caplog.text


def test_pagination_bounds(api):
    member = api.login("pager")
    assert member.get("/tickets?offset=-1").status_code == 422
    assert member.get("/tickets?limit=0").status_code == 422
    page = member.get("/tickets?offset=5&limit=3").get_json()
    assert page == {"items": [], "total": 0, "offset": 5, "limit": 3}


def test_every_error_code_the_code_raises_is_on_the_docs_page(client):
    import re
    from pathlib import Path

    import miniprogram_api
    from miniprogram_api.errors import ERROR_CODES

    source = "".join(p.read_text(encoding="utf-8") for p in Path(miniprogram_api.__file__).parent.rglob("*.py"))
    raised = set(re.findall(r'ApiError\(\d+, "(\w+)"', source))
    assert raised and raised <= set(ERROR_CODES), raised - set(ERROR_CODES)
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert all(f"<code>{code}</code>" in page for code in ERROR_CODES)


def test_a_body_over_the_server_limit_is_a_413_envelope(client):
    too_big = b"{" + b" " * (client.application.config["MAX_CONTENT_LENGTH"] + 1) + b"}"
    response = client.post("/api/v1/auth/login", data=too_big, content_type="application/json")
    assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"
