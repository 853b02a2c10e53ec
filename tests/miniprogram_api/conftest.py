"""Fixtures for the mini-program API: an API client that logs members in through the fake WeChat API."""
from __future__ import annotations

import pytest


class ApiClient:
    """The Flask test client with the member sign-in the mini-program would do."""

    def __init__(self, client):
        self.client = client

    def login(self, code: str = "member-a") -> "Member":
        """Log in with a wx.login code (the fake turns it into a deterministic openid)."""
        response = self.client.post("/api/v1/auth/login", json={"code": code})
        assert response.status_code == 200, response.get_json()
        return Member(self.client, response.get_json())

    def get(self, path: str, **kwargs):
        """GET without signing in."""
        return self.client.get("/api/v1" + path, **kwargs)

    def post(self, path: str, **kwargs):
        """POST without signing in."""
        return self.client.post("/api/v1" + path, **kwargs)


class Member:
    """A signed-in member: every request carries their access token."""

    def __init__(self, client, tokens: dict):
        self.client = client
        self.tokens = tokens

    @property
    def person_id(self) -> int:
        """The person id inside the access token (tests only; the API never shows it)."""
        from itsdangerous import URLSafeSerializer

        return URLSafeSerializer("unused").loads_unsafe(self.tokens["access_token"])[1]["sub"]

    @property
    def headers(self) -> dict:
        """The Authorization header."""
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}

    def request(self, method: str, path: str, **kwargs):
        """Send a request as this member."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs):
        """GET as this member."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        """POST as this member."""
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs):
        """DELETE as this member."""
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api(client) -> ApiClient:
    """The API as the mini-program sees it."""
    return ApiClient(client)


def error_of(response) -> dict:
    """The envelope's error, checking its shape."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"]), body
    return body["error"]
