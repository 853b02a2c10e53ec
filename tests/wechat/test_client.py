"""The WeChat API client against the fake: token sharing, typed errors, timeouts, a store that fails."""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid

import pytest

from bot.kv_store import MemoryStore, RedisStore, Store, StoreUnavailable
from bot.wechat.client import (
    TRANSIENT_ERRORS, AccessTokenInvalid, ContentRisky, DuplicateMassSend, FollowerUnsubscribed, InvalidCode,
    NoSubscribeConsent, OutsideServiceWindow, RateLimited, SystemBusy, WeChatClient, WeChatError, WeChatUnavailable,
    error_for)

TOKEN_PATH = "/cgi-bin/stable_token"
SEND_PATH = "/cgi-bin/message/custom/send"


class BrokenStore(Store):
    """A store whose every call fails, as Redis does when it is down."""

    def __init__(self) -> None:
        self.attempts = 0

    def _fail(self, *args, **kwargs):
        self.attempts += 1
        raise StoreUnavailable("redis is down")

    get = set = delete = incr = delete_if_equal = ping = _fail


@pytest.fixture
def wechat(wechat_config):
    """A client on an in-process store, talking to the fake."""
    return WeChatClient(wechat_config, MemoryStore())


def test_token_comes_from_stable_token_and_is_cached_in_the_store(wechat, fake_wechat):
    token = wechat.access_token()

    assert token.startswith("FAKE_")
    assert wechat.access_token() == token
    calls = fake_wechat.calls(TOKEN_PATH)
    assert len(calls) == 1
    assert calls[0]["json"]["grant_type"] == "client_credential"
    assert calls[0]["json"]["force_refresh"] is False
    assert wechat.store.get("wechat:access_token:" + wechat.official.app_id) == token


def test_two_clients_on_one_store_share_the_token(wechat_config, fake_wechat):
    store = MemoryStore()
    first, second = WeChatClient(wechat_config, store), WeChatClient(wechat_config, store)

    first.send_text("o_worker_1", "你好")
    second.send_text("o_worker_2", "你好")

    assert len(fake_wechat.calls(TOKEN_PATH)) == 1
    sent = fake_wechat.calls(SEND_PATH)
    assert [c["query"]["access_token"] for c in sent] == [first.access_token()] * 2
    assert sent[0]["json"] == {"touser": "o_worker_1", "msgtype": "text", "text": {"content": "你好"}}


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set")
def test_two_clients_share_the_token_through_redis(wechat_config, fake_wechat):
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    stores = [RedisStore(os.environ["TEST_REDIS_URL"], prefix=prefix) for _ in range(2)]
    try:
        first, second = (WeChatClient(wechat_config, s) for s in stores)
        first.user_info("o_worker_1")
        second.user_info("o_worker_1")
        assert len(fake_wechat.calls(TOKEN_PATH)) == 1
        assert first.access_token() == second.access_token()
    finally:
        stores[0].flush()


def test_concurrent_refresh_makes_one_stable_token_call(wechat_config, fake_wechat):
    fake_wechat.inject(TOKEN_PATH, latency_ms=200)  # the first fetch is slow; the other thread waits on the lock
    store = MemoryStore()
    clients = [WeChatClient(wechat_config, store) for _ in range(2)]
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda c=c: tokens.append(c.access_token())) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(fake_wechat.calls(TOKEN_PATH)) == 1
    assert len(set(tokens)) == 1


def test_invalid_token_is_refreshed_once_and_the_call_retried(wechat, fake_wechat):
    old = wechat.access_token()
    fake_wechat.inject(SEND_PATH, errcode=40001, times=1)

    assert wechat.send_text("o_worker_1", "你好")["errcode"] == 0

    # A plain call first (another process may have refreshed already), then the forced refresh.
    token_calls = fake_wechat.calls(TOKEN_PATH)
    assert [c["json"]["force_refresh"] for c in token_calls] == [False, False, True]
    new = wechat.access_token()
    assert new != old
    assert [c["errcode"] for c in fake_wechat.calls(SEND_PATH)] == [40001, 0]


def test_a_token_refreshed_by_another_process_is_picked_up_without_a_second_refresh(wechat_config, fake_wechat):
    store = MemoryStore()
    first, second = WeChatClient(wechat_config, store), WeChatClient(wechat_config, store)
    stale = first.access_token()
    fresh = second.access_token(force_refresh=True)  # invalidates `stale` at WeChat, as a real force refresh does

    # first still holds `stale` for its call: WeChat answers 40001; the store already has `fresh`.
    assert first._token(first.official, stale=stale) == fresh
    assert len(fake_wechat.calls(TOKEN_PATH)) == 2


def test_token_invalid_twice_raises(wechat, fake_wechat):
    fake_wechat.inject(SEND_PATH, errcode=40001, times=2)
    with pytest.raises(AccessTokenInvalid):
        wechat.send_text("o_worker_1", "你好")


@pytest.mark.parametrize("errcode, error_class", [
    (45009, RateLimited), (45047, RateLimited), (-1, SystemBusy), (43004, FollowerUnsubscribed),
    (43101, NoSubscribeConsent), (45015, OutsideServiceWindow), (99999, WeChatError),
])
def test_errcodes_become_typed_errors(wechat, fake_wechat, errcode, error_class):
    fake_wechat.inject(SEND_PATH, errcode=errcode)
    with pytest.raises(error_class) as caught:
        wechat.send_text("o_worker_1", "你好")
    assert type(caught.value) is error_class
    assert caught.value.errcode == errcode
    assert caught.value.api == "message.custom.send"


def test_transient_errors_are_the_retryable_ones():
    assert isinstance(error_for(45009, "x"), TRANSIENT_ERRORS)
    assert isinstance(error_for(-1, "x"), TRANSIENT_ERRORS)
    assert isinstance(error_for(-2, "x"), WeChatUnavailable)
    assert not isinstance(error_for(43004, "x"), TRANSIENT_ERRORS)


def test_unsubscribed_follower_is_reported(wechat):
    with pytest.raises(FollowerUnsubscribed):
        wechat.send_text("unsub_worker", "你好")


def test_timeout_becomes_wechat_unavailable(wechat_config, fake_wechat):
    client = WeChatClient(wechat_config.with_overrides(wechat_api_timeout_seconds=0.2), MemoryStore())
    client.access_token()
    fake_wechat.inject(SEND_PATH, latency_ms=600)
    with pytest.raises(WeChatUnavailable) as caught:
        client.send_text("o_worker_1", "你好")
    assert caught.value.errcode == -2
    assert "access_token=" not in str(caught.value) or "access_token=***" in str(caught.value)
    # Let the fake finish the slow answer, so it is not logged into the next test's calls.
    deadline = time.monotonic() + 5
    while not fake_wechat.calls(SEND_PATH) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_http_5xx_and_unreachable_become_wechat_unavailable(wechat, wechat_config, fake_wechat):
    fake_wechat.inject(SEND_PATH, status=502)
    with pytest.raises(WeChatUnavailable):
        wechat.send_text("o_worker_1", "你好")
    unreachable = WeChatClient(wechat_config.with_overrides(wechat_api_base_url="http://127.0.0.1:9"), MemoryStore())
    with pytest.raises(WeChatUnavailable):
        unreachable.access_token()
    assert unreachable.ping() is False


def test_store_unavailable_still_works_on_a_process_cache(wechat_config, fake_wechat, caplog):
    store = BrokenStore()
    client = WeChatClient(wechat_config, store)
    with caplog.at_level(logging.WARNING, logger="bot.wechat.client"):
        client.send_text("o_worker_1", "你好")
        client.send_text("o_worker_1", "再见")

    assert len(fake_wechat.calls(SEND_PATH)) == 2
    assert len(fake_wechat.calls(TOKEN_PATH)) == 1
    assert store.attempts == 1  # the store is skipped for a while after failing
    assert "store unavailable" in caplog.text


def test_errors_are_logged_with_the_openid_masked(wechat, fake_wechat, caplog):
    fake_wechat.inject(SEND_PATH, errcode=45009)
    with caplog.at_level(logging.WARNING, logger="bot.wechat.client"), pytest.raises(RateLimited):
        wechat.send_text("oWorkerOpenid123456", "你好")
    assert "errcode=45009" in caplog.text
    assert "oWorkerOpenid123456" not in caplog.text


def test_template_subscribe_and_mass_sends(wechat, fake_wechat):
    answer = wechat.send_template("o_worker_1", "TPL_1", {"first": "您的入会申请已通过", "remark": {"value": "谢谢"}},
                                  url="https://example.invalid/x")
    assert answer["msgid"]
    body = fake_wechat.calls("/cgi-bin/message/template/send")[0]["json"]
    assert body["data"] == {"first": {"value": "您的入会申请已通过"}, "remark": {"value": "谢谢"}}

    wechat.send_subscribe_message("o_worker_1", "SUB_1", {"thing1": "活动提醒"}, page="pages/index")
    with pytest.raises(NoSubscribeConsent):
        wechat.send_subscribe_message("noconsent_worker", "SUB_1", {"thing1": "活动提醒"})

    to_all = wechat.mass_send_text("工会通知", clientmsgid="c-1")
    assert to_all["msg_id"] and to_all["msg_data_id"]
    assert fake_wechat.calls("/cgi-bin/message/mass/sendall")[0]["json"]["filter"] == {"is_to_all": True}
    assert wechat.mass_send_to_openids(["o_1", "o_2"], "工会通知", clientmsgid="c-2")["msg_id"]
    with pytest.raises(DuplicateMassSend) as repeated:
        wechat.mass_send_text("工会通知", clientmsgid="c-1")
    assert repeated.value.msg_id == str(to_all["msg_id"])
    assert not isinstance(repeated.value, TRANSIENT_ERRORS)  # retrying would only be refused again


def test_followers_and_tags(wechat):
    tag = wechat.create_tag("杭州会员")["tag"]
    wechat.tag_users(tag["id"], ["o_1", "o_2"])
    assert wechat.list_tags() == [{"id": tag["id"], "name": "杭州会员", "count": 2}]
    assert wechat.user_info("o_1")["tagid_list"] == [tag["id"]]
    page = wechat.list_followers()
    assert page["data"]["openid"] == ["o_1", "o_2"]
    assert wechat.list_followers(next_openid="o_2")["count"] == 0
    assert wechat.mass_send_text("杭州的通知", tag_id=tag["id"])["msg_id"]


def test_content_security(wechat, fake_wechat):
    assert wechat.check_text("o_1", "请问怎么入会") is True
    assert wechat.check_text("o_1", "可以代开发票") is False
    fake_wechat.inject("/wxa/msg_sec_check", errcode=87014)
    assert wechat.check_text("o_1", "随便") is False
    fake_wechat.inject("/wxa/msg_sec_check", errcode=-1)
    with pytest.raises(SystemBusy):
        wechat.check_text("o_1", "随便")
    # the mini-program's own token is used, not the official account's
    token_apps = {c["json"]["appid"] for c in fake_wechat.calls(TOKEN_PATH)}
    assert token_apps == {wechat.miniprogram.app_id}


def test_mini_program_login_and_phone(wechat, fake_wechat):
    session = wechat.code_to_session("code-abc")
    assert session["openid"].startswith("mp_") and session["session_key"]
    assert "unionid" not in session
    assert wechat.code_to_session("code-abc") == session  # deterministic
    assert wechat.code_to_session("code-union-1")["unionid"].startswith("u_")
    with pytest.raises(InvalidCode):
        wechat.code_to_session("invalid-code")

    phone = wechat.phone_number("phone-code-1")
    assert phone["purePhoneNumber"].startswith("138") and len(phone["purePhoneNumber"]) == 11
    with pytest.raises(InvalidCode):
        wechat.phone_number("invalid-phone-code")
    query = fake_wechat.calls("/sns/jscode2session")[0]["query"]
    assert query["appid"] == wechat.miniprogram.app_id and query["grant_type"] == "authorization_code"


def test_ping(wechat_config, fake_wechat):
    assert WeChatClient(wechat_config, MemoryStore()).ping() is True
    fake_wechat.inject(TOKEN_PATH, errcode=-1)
    assert WeChatClient(wechat_config, MemoryStore()).ping() is False


def test_content_risky_error_is_typed():
    assert isinstance(error_for(87014, "risky"), ContentRisky)


def test_without_the_store_a_rejected_token_does_not_set_off_a_chain_of_forced_refreshes(wechat_config, fake_wechat):
    first, second = WeChatClient(wechat_config, BrokenStore()), WeChatClient(wechat_config, BrokenStore())
    first.access_token()
    second.access_token(force_refresh=True)  # invalidates first's token at WeChat

    first.send_text("o_worker_1", "你好")  # 40001, then a plain stable_token call finds second's token
    second.send_text("o_worker_2", "你好")  # still valid: first did not force another refresh

    assert [c["json"]["force_refresh"] for c in fake_wechat.calls(TOKEN_PATH)] == [False, True, False]
    assert [c["errcode"] for c in fake_wechat.calls(SEND_PATH)] == [40001, 0, 0]
