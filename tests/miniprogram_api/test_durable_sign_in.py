"""Logout and revocation are kept in the database: a Redis outage or restart never revives a token."""
from __future__ import annotations

from datetime import timedelta

from bot.kv_store import RedisStore
from tests.miniprogram_api.conftest import error_of

PROBE = "/consents"


def _dead_store():
    return RedisStore("redis://127.0.0.1:1/0", timeout=0.2)


def test_a_logout_during_a_redis_outage_ends_the_token_and_stays_ended_after(api, runtime):
    member = api.login()
    assert member.get(PROBE).status_code == 200  # the cache now says "signed in"
    live = runtime.store
    runtime.store = _dead_store()
    assert member.post("/auth/logout").status_code == 204
    assert error_of(member.get(PROBE))["code"] == "token_revoked"  # during the outage
    runtime.store = live
    live.flush()  # Redis restarted empty
    assert error_of(member.get(PROBE))["code"] == "token_revoked"
    assert api.post("/auth/refresh", json={"refresh_token": member.tokens["refresh_token"]}).status_code == 401


def test_a_redis_restart_does_not_revive_a_logged_out_token(api, runtime):
    member = api.login()
    assert member.post("/auth/logout").status_code == 204
    runtime.store.flush()
    assert error_of(member.get(PROBE))["code"] == "token_revoked"


def test_a_redis_restart_does_not_revive_a_sign_in_ended_for_refresh_token_theft(api, runtime):
    member = api.login()
    stolen = member.tokens["refresh_token"]
    member.tokens = api.post("/auth/refresh", json={"refresh_token": stolen}).get_json()
    later = runtime.clock() + timedelta(minutes=1)
    runtime.clock = lambda: later
    assert api.post("/auth/refresh", json={"refresh_token": stolen}).status_code == 401  # the copy: sign-in ends
    runtime.store.flush()
    assert error_of(member.get(PROBE))["code"] == "token_revoked"


def test_with_redis_down_a_signed_in_member_still_works(api, runtime):
    member = api.login()
    runtime.store = _dead_store()
    assert member.get(PROBE).status_code == 200
