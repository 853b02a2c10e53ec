"""Signing in from the mini-program: code2session through the fake WeChat API, our own tokens."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.people import MINIPROGRAM, OFFICIAL
from bot.storage.models import MiniprogramSession
from tests.miniprogram_api.conftest import error_of

PROBE = "/consents"  # any endpoint that needs a signed-in member


def test_login_with_a_good_code_returns_our_tokens_and_keeps_the_session_key(api, runtime, fake_wechat):
    response = api.post("/auth/login", json={"code": "good-code-1"})
    assert response.status_code == 200
    tokens = response.get_json()
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == runtime.config.api_token_ttl_seconds
    assert "session_key" not in response.get_data(as_text=True)
    [call] = fake_wechat.calls("/sns/jscode2session")
    assert call["query"]["js_code"] == "good-code-1"
    with runtime.database.session() as session:
        row = session.scalar(select(MiniprogramSession))
        assert row.session_key_encrypted and "session_key" not in row.session_key_encrypted
        assert row.refresh_hash != tokens["refresh_token"]  # only the hash is stored
    assert api.get(PROBE, headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200


def test_the_same_code_owner_is_the_same_person_across_logins(api):
    first, second = api.login("same-person"), api.login("same-person")
    assert first.tokens["access_token"] != second.tokens["access_token"]
    assert first.person_id == second.person_id


def test_an_invalid_code_is_a_clear_401(api):
    response = api.post("/auth/login", json={"code": "invalid-code"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "login_code_invalid"


def test_a_wechat_outage_is_a_503_with_a_chinese_message(api, fake_wechat):
    fake_wechat.inject("/sns/jscode2session", status=502, times=1)
    response = api.post("/auth/login", json={"code": "good-code"})
    assert response.status_code == 503
    assert error_of(response)["code"] == "wechat_unavailable"
    assert response.headers["Retry-After"]
    fake_wechat.inject("/sns/jscode2session", errcode=-1, times=1)  # system busy
    assert api.post("/auth/login", json={"code": "good-code"}).status_code == 503
    assert api.post("/auth/login", json={"code": "good-code"}).status_code == 200


def test_login_needs_a_code(api):
    response = api.post("/auth/login", json={})
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"code": "这一项必须填写。"}
    assert error_of(api.post("/auth/login", data="{not json", content_type="application/json"))["code"] == "invalid_json"


def test_missing_forged_and_expired_tokens_are_401(api, runtime):
    assert error_of(api.get(PROBE))["code"] == "token_missing"
    member = api.login()
    forged = member.tokens["access_token"][:-2] + ("AA" if not member.tokens["access_token"].endswith("AA") else "BB")
    response = api.get(PROBE, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401 and error_of(response)["code"] == "token_invalid"
    response = api.get(PROBE, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401 and error_of(response)["code"] == "token_invalid"

    later = runtime.clock() + timedelta(seconds=runtime.config.api_token_ttl_seconds + 1)
    runtime.clock = lambda: later
    response = member.get(PROBE)
    assert response.status_code == 401 and error_of(response)["code"] == "token_expired"


def test_a_token_signed_with_another_key_is_refused(api, runtime):
    from itsdangerous import URLSafeSerializer

    from miniprogram_api.auth import ACCESS_SALT

    member = api.login()
    payload = URLSafeSerializer(runtime.config.secret_key, salt=ACCESS_SALT).loads(member.tokens["access_token"])
    payload["sub"] += 1  # someone else's person id
    forged = URLSafeSerializer("another-secret-key-0123456789", salt=ACCESS_SALT).dumps(payload)
    assert api.get(PROBE, headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_sign_in(api, runtime):
    member = api.login()
    old_refresh = member.tokens["refresh_token"]
    response = api.post("/auth/refresh", json={"refresh_token": old_refresh})
    assert response.status_code == 200
    new = response.get_json()
    assert new["refresh_token"] != old_refresh
    member.tokens = new
    assert member.get(PROBE).status_code == 200

    # Presented again at once, it is a duplicate request: refused, nothing else happens.
    assert api.post("/auth/refresh", json={"refresh_token": old_refresh}).status_code == 401
    assert member.get(PROBE).status_code == 200

    # Presented again later: it was copied, so the whole sign-in ends.
    later = runtime.clock() + timedelta(seconds=30)
    runtime.clock = lambda: later
    response = api.post("/auth/refresh", json={"refresh_token": old_refresh})
    assert response.status_code == 401 and error_of(response)["code"] == "refresh_invalid"
    assert api.post("/auth/refresh", json={"refresh_token": new["refresh_token"]}).status_code == 401
    assert error_of(member.get(PROBE))["code"] == "token_revoked"
    assert api.post("/auth/refresh", json={"refresh_token": "made-up"}).status_code == 401


def test_an_expired_refresh_token_is_refused(api, runtime):
    member = api.login()
    later = runtime.clock() + timedelta(seconds=runtime.config.api_refresh_ttl_seconds + 1)
    runtime.clock = lambda: later
    response = api.post("/auth/refresh", json={"refresh_token": member.tokens["refresh_token"]})
    assert response.status_code == 401


def test_logout_ends_access_and_refresh(api):
    member = api.login()
    assert member.post("/auth/logout").status_code == 204
    assert error_of(member.get(PROBE))["code"] == "token_revoked"
    assert api.post("/auth/refresh", json={"refresh_token": member.tokens["refresh_token"]}).status_code == 401


def test_unionid_links_the_miniprogram_to_the_service_account(api, runtime, fake_wechat):
    code = "with-union-1"
    answer = runtime.wechat.code_to_session(code)  # what WeChat will say for this code
    official = runtime.people.person_id(OFFICIAL, "o_official_1", answer["unionid"])
    member = api.login(code)
    assert member.get("/me").get_json()["official_account_linked"] is True
    assert runtime.people.person_id(MINIPROGRAM, answer["openid"]) == official


def test_a_verified_phone_links_and_merges_with_the_service_account_record(api, runtime, fake_wechat):
    member = api.login("phone-person")
    response = member.post("/auth/phone", json={"code": "phone-code-1"})
    assert response.status_code == 200
    body = response.get_json()
    assert "****" in body["phone"] and body["tokens"] is None
    assert member.get("/me").get_json()["phone_verified"] is True

    # The same phone verified in the chat earlier: the chat person is older, the records merge.
    first_phone_person = runtime.people.person_id(OFFICIAL, "o_official_3")
    runtime.people.link_phone(first_phone_person, runtime.wechat.phone_number("phone-code-2")["purePhoneNumber"])
    other = api.login("second-phone-person")
    assert other.person_id != first_phone_person
    response = other.post("/auth/phone", json={"code": "phone-code-2"})
    body = response.get_json()
    assert body["tokens"] is not None and "合并" in body["message"]
    old_tokens = other.tokens
    other.tokens = body["tokens"]
    assert other.person_id == first_phone_person
    assert other.get(PROBE).status_code == 200
    assert error_of(other.client.get("/api/v1" + PROBE, headers={
        "Authorization": f"Bearer {old_tokens['access_token']}"}))["code"] == "token_expired"


def test_an_invalid_phone_code_is_a_400(api):
    member = api.login()
    response = member.post("/auth/phone", json={"code": "invalid-phone"})
    assert response.status_code == 400 and error_of(response)["code"] == "phone_code_invalid"


def test_two_refreshes_racing_with_one_token_give_one_new_pair(app, api):
    import threading

    member = api.login()
    results: list[int] = []
    barrier = threading.Barrier(4)

    def refresh():
        client = app.test_client()
        barrier.wait()
        results.append(client.post("/api/v1/auth/refresh", json={"refresh_token": member.tokens["refresh_token"]})
                       .status_code)

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results)[0] == 200 and results.count(200) == 1


def test_a_wechat_outage_while_verifying_the_phone_is_a_503(api, fake_wechat):
    member = api.login()
    fake_wechat.inject("/wxa/business/getuserphonenumber", status=500, times=5)
    response = member.post("/auth/phone", json={"code": "phone-code-9"})
    assert response.status_code == 503 and error_of(response)["code"] == "wechat_unavailable"
