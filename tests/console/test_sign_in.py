"""Signing in: argon2 hashes, CSRF on every form, the session cookie, lock-out, idle time-out, audit."""
from __future__ import annotations

from bot.console import accounts, audit
from bot.storage.models import StaffAccount

from tests.console.conftest import PASSWORD, csrf_token, post


def _try(client, username, password, token=None):
    return client.post("/console/sign-in", data={"username": username, "password": password,
                                                 "csrf_token": token or csrf_token(client)})


def test_passwords_are_stored_as_argon2id_hashes(runtime, make_account):
    make_account("admin", username="boss")
    with runtime.database.session() as session:
        stored = session.query(StaffAccount).filter_by(username="boss").one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_pages_send_strangers_to_the_sign_in_form(client):
    answer = client.get("/console/tickets")
    assert answer.status_code == 302 and "/console/sign-in" in answer.headers["Location"]


def test_signing_in_sets_a_secure_http_only_same_site_cookie_and_is_audited(app, runtime, make_account):
    make_account("reviewer", username="li")
    client = app.test_client()
    answer = _try(client, "li", PASSWORD)
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/"
    cookie = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith("zgzj_console="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert client.get("/console/").status_code == 200
    entries, _ = audit.search(runtime.database, actor="li", action="sign_in")
    assert [e.action for e in entries] == ["sign_in.ok"]


def test_the_secure_flag_can_be_turned_off_for_the_local_http_demo(runtime, make_account):
    from bot import create_app

    app = create_app(runtime.config.with_overrides(console_cookie_secure=False), runtime=runtime)
    make_account("reviewer", username="li")
    client = app.test_client()
    cookie = next(h for h in _try(client, "li", PASSWORD).headers.getlist("Set-Cookie") if h.startswith("zgzj_console="))
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_a_form_without_its_csrf_token_is_refused(client, make_account):
    make_account("reviewer", username="li")
    client.get("/console/sign-in")
    answer = client.post("/console/sign-in", data={"username": "li", "password": PASSWORD})
    assert answer.status_code == 400 and "页面已过期" in answer.get_data(as_text=True)
    assert client.get("/console/").status_code == 302  # not signed in


def test_an_action_with_a_forged_token_is_refused_and_nothing_happens(sign_in, application, runtime):
    number = application()
    reviewer = sign_in("reviewer")
    answer = reviewer.post(f"/console/applications/{number}/decide",
                           data={"decision": "approve", "csrf_token": "forged"})
    assert answer.status_code == 400
    assert runtime.membership.staff_application(number)[0].status == "submitted"
    answer = post(reviewer, f"/console/applications/{number}/decide", {"decision": "approve"})
    assert answer.status_code == 302
    assert runtime.membership.staff_application(number)[0].status == "approved"


def test_htmx_requests_carry_the_token_in_a_header(sign_in, ticket):
    number = ticket()
    counsellor = sign_in("counsellor")
    assert counsellor.post(f"/console/tickets/{number}/reveal").status_code == 400
    token = csrf_token(counsellor, "/console/")
    answer = counsellor.post(f"/console/tickets/{number}/reveal", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert answer.status_code == 200 and "13812345678" in answer.get_data(as_text=True)


def test_the_webhook_and_the_api_need_no_csrf_token(client):
    answer = client.post("/api/v1/auth/login", json={"code": "x"})  # the fake's wx.login accepts any code
    assert answer.status_code == 200 and "access_token" in answer.get_json()
    answer = client.post("/wechat?signature=x&timestamp=1&nonce=1", data=b"<xml></xml>")
    assert answer.status_code == 403  # refused for its WeChat signature, not for a CSRF token


def test_wrong_passwords_lock_the_account_even_for_the_right_one(client, runtime, make_account, clock):
    make_account("reviewer", username="li")
    for _ in range(4):
        answer = _try(client, "li", "wrong-password")
        assert answer.status_code == 401 and "用户名或密码不对" in answer.get_data(as_text=True)
    answer = _try(client, "li", "wrong-password")
    assert answer.status_code == 429 and "已被暂时锁定" in answer.get_data(as_text=True)
    assert _try(client, "li", PASSWORD).status_code == 429  # guessing right does not help while locked
    clock.advance(minutes=16)
    assert _try(client, "li", PASSWORD).status_code == 302
    actions = [e.action for e in audit.search(runtime.database, actor="li")[0]]
    assert actions.count("sign_in.bad") == 4 and actions.count("sign_in.locked") == 2 and "sign_in.ok" in actions


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(client):
    answer = _try(client, "nobody", "whatever-it-is")
    assert answer.status_code == 401 and "用户名或密码不对" in answer.get_data(as_text=True)


def test_an_administrator_can_unlock_an_account(sign_in, client, make_account, runtime):
    make_account("reviewer", username="li")
    for _ in range(5):
        _try(client, "li", "wrong-password")
    admin = sign_in("admin")
    assert post(admin, "/console/accounts/li/unlock").status_code == 302
    assert _try(client, "li", PASSWORD).status_code == 302


def test_an_idle_session_ends_and_must_sign_in_again(sign_in, clock, runtime):
    reviewer = sign_in("reviewer")
    clock.advance(minutes=29)
    assert reviewer.get("/console/").status_code == 200
    clock.advance(minutes=29)  # 29 minutes after the last request: still fine
    assert reviewer.get("/console/").status_code == 200
    clock.advance(minutes=31)
    answer = reviewer.get("/console/applications")
    assert answer.status_code == 302 and "/console/sign-in" in answer.headers["Location"]
    assert "较长时间没有操作" in reviewer.get(answer.headers["Location"]).get_data(as_text=True)
    assert reviewer.get("/console/").status_code == 302
    assert audit.search(runtime.database, action="session.idle_timeout")[1] == 1


def test_disabling_an_account_ends_its_sessions(sign_in, runtime):
    reviewer = sign_in("reviewer", username="li")
    assert reviewer.get("/console/").status_code == 200
    accounts.set_active(runtime.database, "li", False)
    assert reviewer.get("/console/").status_code == 302


def test_signing_out_ends_the_session(sign_in):
    reviewer = sign_in("reviewer")
    assert post(reviewer, "/console/sign-out").status_code == 302
    assert reviewer.get("/console/").status_code == 302


def test_the_next_page_after_sign_in_stays_on_the_console(client, make_account):
    make_account("reviewer", username="li")
    token = csrf_token(client)
    answer = client.post("/console/sign-in", data={"username": "li", "password": PASSWORD, "csrf_token": token,
                                                   "next": "https://evil.example/console/"})
    assert answer.headers["Location"] == "/console/"


def test_the_badge_polling_does_not_keep_an_idle_session_alive(sign_in, clock):
    reviewer = sign_in("reviewer")
    for _ in range(4):
        clock.advance(minutes=10)
        reviewer.get("/console/badge")  # the menu polls it every minute by itself
    assert reviewer.get("/console/").status_code == 302
