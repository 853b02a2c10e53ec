"""The one WeChat API client: every call to the official-account and mini-program APIs goes here.

Timeouts on every call, `errcode` turned into typed exceptions, the base URL from
configuration (our fake in tests and the demo). The access token comes from the
`stable_token` API and is shared by every process through the Store; only one process at
a time refreshes it, under a store lock, because a forced refresh invalidates the token
every other process holds. When the store is down the client keeps working on a short
per-process cache.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests
from wechatpy.exceptions import WeChatClientException

from bot.security import mask_openid
from bot.kv_store import LockNotAcquired, Store, StoreUnavailable

log = logging.getLogger(__name__)

# Refresh the token this long before WeChat says it expires, so no call races the expiry.
TOKEN_MARGIN_SECONDS = 300
# A token read from the shared store is reused in-process this long before it is read again:
# it saves a store round trip per API call, and a 40001 (token replaced elsewhere) re-reads at once.
SHARED_TOKEN_REUSE_SECONDS = 20.0
# After the store fails, skip it for this long so every call does not pay its timeout again.
STORE_RETRY_AFTER_SECONDS = 5.0


class WeChatError(WeChatClientException):
    """WeChat answered with a non-zero errcode (or could not be reached: errcode -2)."""

    def __init__(self, errcode: int, errmsg: str, api: str = "", data: dict | None = None) -> None:
        super().__init__(errcode, errmsg)
        self.api = api
        self.data = data or {}  # WeChat's whole answer (some errors carry more than errcode and errmsg)

    def __str__(self) -> str:
        return f"{self.api or 'wechat'}: errcode {self.errcode}: {self.errmsg}"


class AccessTokenInvalid(WeChatError):
    """The access token is invalid, expired or superseded; the client refreshes once and retries."""


class RateLimited(WeChatError):
    """An API frequency or sending quota was exceeded; try again later."""


class DuplicateMassSend(WeChatError):
    """A mass send with this clientmsgid was already submitted (45065): the first one went out."""

    @property
    def msg_id(self) -> str:
        """The msg_id of the earlier mass send, when WeChat gave it."""
        return str(self.data.get("msg_id") or "")


class SystemBusy(WeChatError):
    """WeChat's system is busy (-1); try again later."""


class FollowerUnsubscribed(WeChatError):
    """The follower has unsubscribed; messages to them are refused."""


class NoSubscribeConsent(WeChatError):
    """The user has not agreed to receive this subscribe message."""


class OutsideServiceWindow(WeChatError):
    """The 48-hour customer-service window since the follower's last message has closed."""


class InvalidCode(WeChatError):
    """A mini-program login or phone-number code is invalid, expired or already used."""


class ContentRisky(WeChatError):
    """WeChat's content security judged the content risky."""


class WeChatUnavailable(WeChatError):
    """No usable answer: network error, timeout, HTTP 5xx or a body that is not JSON."""

    def __init__(self, errmsg: str, api: str = "") -> None:
        super().__init__(UNAVAILABLE_ERRCODE, errmsg, api)


class WeChatTimeout(WeChatUnavailable):
    """WeChat did not answer in time after receiving the request: it may have acted on it."""


UNAVAILABLE_ERRCODE = -2  # our own code; WeChat never sends it

ERROR_CLASSES: dict[int, type[WeChatError]] = {
    40001: AccessTokenInvalid,
    40014: AccessTokenInvalid,
    42001: AccessTokenInvalid,
    45009: RateLimited,
    45011: RateLimited,
    45047: RateLimited,
    45065: DuplicateMassSend,  # not transient: a retry would be refused again
    45066: RateLimited,  # the same clientmsgid retried within a minute
    -1: SystemBusy,
    43004: FollowerUnsubscribed,
    43101: NoSubscribeConsent,
    45015: OutsideServiceWindow,
    40029: InvalidCode,
    40163: InvalidCode,
    40226: InvalidCode,
    87014: ContentRisky,
}

TRANSIENT_ERRORS: tuple[type[WeChatError], ...] = (RateLimited, SystemBusy, WeChatUnavailable)

_SECRET_IN_URL = re.compile(r"(access_token|secret|js_code)=[^&\s'\"]+")


def error_for(errcode: int, errmsg: str, api: str = "", data: dict | None = None) -> WeChatError:
    """Return the typed exception for a WeChat errcode."""
    if errcode == UNAVAILABLE_ERRCODE:
        return WeChatUnavailable(errmsg, api)
    return ERROR_CLASSES.get(errcode, WeChatError)(errcode, errmsg, api, data)


@dataclass(frozen=True)
class _App:
    """One WeChat application whose token we manage: the official account or the mini-program."""

    app_id: str
    secret: str


class WeChatClient:
    """Every WeChat API call of the project (official account and mini-program)."""

    def __init__(self, config: Any, store: Store, http: requests.Session | None = None) -> None:
        self.base_url = str(config.wechat_api_base_url).rstrip("/")
        self.timeout = float(config.wechat_api_timeout_seconds)
        self.store = store
        self.http = http or requests.Session()
        self.official = _App(config.wechat_app_id, config.wechat_app_secret)
        mp_id = getattr(config, "miniprogram_app_id", "") or ""
        self.miniprogram = _App(mp_id, getattr(config, "miniprogram_app_secret", "") or "") if mp_id else None
        self._local_tokens: dict[str, tuple[str, float]] = {}  # app id -> (token, monotonic expiry)
        self._recent_reads: dict[str, tuple[str, float]] = {}  # app id -> (token, monotonic time read from the store)
        self._local_lock = threading.Lock()
        self._store_down_until = 0.0

    # ---- access token -------------------------------------------------------------------

    def access_token(self, force_refresh: bool = False) -> str:
        """Return the official account's access token, refreshing it when asked or missing."""
        return self._token(self.official, force=force_refresh)

    def _token(self, app: _App, force: bool = False, stale: str | None = None) -> str:
        if not force:
            token = self._cached_token(app)
            if token and token != stale:
                return token
        if self._store_usable():
            try:
                return self._refresh_shared(app, force=force or stale is not None, stale=stale)
            except StoreUnavailable as exc:
                self._mark_store_down(exc)
        return self._refresh_local(app, force=force or stale is not None, stale=stale)

    def _token_key(self, app: _App) -> str:
        return f"wechat:access_token:{app.app_id}"

    def _cached_token(self, app: _App) -> str | None:
        recent = self._recent_reads.get(app.app_id)
        if recent and time.monotonic() - recent[1] < SHARED_TOKEN_REUSE_SECONDS:
            return recent[0]
        if self._store_usable():
            try:
                token = self.store.get(self._token_key(app))
                if token:
                    self._recent_reads[app.app_id] = (token, time.monotonic())
                    return token
                return None
            except StoreUnavailable as exc:
                self._mark_store_down(exc)
        return self._local_token(app)

    def _local_token(self, app: _App) -> str | None:
        item = self._local_tokens.get(app.app_id)
        if item and item[1] > time.monotonic():
            return item[0]
        return None

    def _refresh_shared(self, app: _App, force: bool, stale: str | None) -> str:
        """Refresh under the store lock; a process that loses the race reads the winner's token."""
        lock_wait = self.timeout + 1.0
        try:
            with self.store.lock(f"wechat-token:{app.app_id}", ttl=self.timeout * 2 + 2, wait=lock_wait):
                # Another process may have refreshed while we waited for the lock.
                current = self.store.get(self._token_key(app))
                if current and current != stale and (not force or stale is not None):
                    self._remember_locally(app, current, 60.0)
                    return current
                token, expires_in = self._fetch_replacement(app, force=force, stale=stale)
                ttl = max(float(expires_in) - TOKEN_MARGIN_SECONDS, 60.0)
                self.store.set(self._token_key(app), token, ttl=ttl)
                self._remember_locally(app, token, ttl)
                return token
        except LockNotAcquired:
            current = self.store.get(self._token_key(app))
            if current and current != stale:
                return current
            # The holder did not finish in time; a non-forced stable_token call invalidates nothing.
            log.warning("token lock for %s not acquired; fetching without it", app.app_id)
            token, expires_in = self._fetch_stable_token(app, force=False)
            self._remember_locally(app, token, max(float(expires_in) - TOKEN_MARGIN_SECONDS, 60.0))
            return token

    def _refresh_local(self, app: _App, force: bool, stale: str | None) -> str:
        """Refresh with only a per-process cache (the store is unavailable)."""
        with self._local_lock:
            current = self._local_token(app)
            if current and current != stale and not (force and stale is None):
                return current
            token, expires_in = self._fetch_replacement(app, force=force, stale=stale)
            self._remember_locally(app, token, max(float(expires_in) - TOKEN_MARGIN_SECONDS, 60.0))
            return token

    def _fetch_replacement(self, app: _App, force: bool, stale: str | None) -> tuple[str, int]:
        """Fetch a token; for a rejected one, first ask without forcing, in case another process already refreshed."""
        if stale is not None:
            token, expires_in = self._fetch_stable_token(app, force=False)
            if token != stale:
                return token, expires_in
        return self._fetch_stable_token(app, force=force)

    def _remember_locally(self, app: _App, token: str, ttl: float) -> None:
        # Short, so a token another process replaced is not used for long when the store is down.
        self._local_tokens[app.app_id] = (token, time.monotonic() + min(ttl, 300.0))
        self._recent_reads[app.app_id] = (token, time.monotonic())

    def _store_usable(self) -> bool:
        return time.monotonic() >= self._store_down_until

    def _mark_store_down(self, exc: Exception) -> None:
        self._store_down_until = time.monotonic() + STORE_RETRY_AFTER_SECONDS
        log.warning("store unavailable for the WeChat access token, using a per-process cache: %s", exc)

    def _fetch_stable_token(self, app: _App, force: bool) -> tuple[str, int]:
        data = self._call("POST", "/cgi-bin/stable_token", api="stable_token", body={
            "grant_type": "client_credential", "appid": app.app_id, "secret": app.secret,
            "force_refresh": bool(force)})
        try:
            return str(data["access_token"]), int(data.get("expires_in", 7200))
        except (KeyError, TypeError, ValueError) as exc:
            raise WeChatUnavailable(f"stable_token answer without access_token: {exc}", "stable_token") from exc

    # ---- transport ----------------------------------------------------------------------

    def _call(self, method: str, path: str, *, api: str, app: _App | None = None,
              params: dict[str, Any] | None = None, body: Any = None, openid: str | None = None,
              files: dict | None = None) -> dict:
        """Call one API; with `app`, add its access token and retry once after refreshing it."""
        token = self._token(app) if app else None
        for attempt in (1, 2):
            try:
                return self._send(method, path, api=api, token=token, params=params, body=body, openid=openid,
                                  files=files)
            except AccessTokenInvalid:
                if app is None or attempt == 2:
                    raise
                log.info("wechat api %s: access token rejected, refreshing once", api)
                token = self._token(app, stale=token)
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, *, api: str, token: str | None, params: dict[str, Any] | None,
              body: Any, openid: str | None, files: dict | None = None) -> dict:
        query = dict(params or {})
        if token is not None:
            query["access_token"] = token
        data = None
        headers = {}
        if body is not None:
            # WeChat shows \uXXXX escapes literally, so Chinese text must be sent as UTF-8.
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        log.debug("wechat api %s %s openid=%s", api, path, mask_openid(openid))
        started = time.monotonic()
        try:
            response = self.http.request(method, self.base_url + path, params=query, data=data, files=files,
                                         headers=headers, timeout=self.timeout)
        except requests.ReadTimeout as exc:  # sent, but no answer: the outcome is unknown
            raise self._fail(WeChatTimeout(_redact(f"{type(exc).__name__}: {exc}"), api), openid)
        except requests.RequestException as exc:
            raise self._fail(WeChatUnavailable(_redact(f"{type(exc).__name__}: {exc}"), api), openid)
        if response.status_code >= 500:
            raise self._fail(WeChatUnavailable(f"HTTP {response.status_code}", api), openid)
        try:
            answer = json.loads(response.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise self._fail(WeChatUnavailable(f"HTTP {response.status_code}, body is not JSON", api), openid)
        if not isinstance(answer, dict):
            raise self._fail(WeChatUnavailable("answer is not a JSON object", api), openid)
        errcode = answer.get("errcode", 0)
        try:
            errcode = int(errcode)
        except (TypeError, ValueError):
            raise self._fail(WeChatUnavailable(f"errcode is not a number: {errcode!r}", api), openid)
        if errcode != 0:
            raise self._fail(error_for(errcode, str(answer.get("errmsg", "")), api, answer), openid)
        log.debug("wechat api %s ok in %.0f ms", api, (time.monotonic() - started) * 1000)
        return answer

    def _fail(self, error: WeChatError, openid: str | None) -> WeChatError:
        log.warning("wechat api %s failed: errcode=%s errmsg=%s openid=%s",
                    error.api, error.errcode, error.errmsg, mask_openid(openid))
        return error

    # ---- official account: messages -------------------------------------------------------

    def send_custom_message(self, openid: str, msgtype: str, content: dict) -> dict:
        """Send a customer-service message (within 48 hours of the follower's last message)."""
        return self._call("POST", "/cgi-bin/message/custom/send", api="message.custom.send", app=self.official,
                          openid=openid, body={"touser": openid, "msgtype": msgtype, msgtype: content})

    def send_text(self, openid: str, text: str) -> dict:
        """Send a customer-service text message."""
        return self.send_custom_message(openid, "text", {"content": text})

    def send_template(self, openid: str, template_id: str, data: dict, url: str | None = None,
                      miniprogram: dict | None = None, client_msg_id: str | None = None) -> dict:
        """Send a template message; return WeChat's answer with its msgid."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": _template_data(data)}
        if url:
            body["url"] = url
        if miniprogram:
            body["miniprogram"] = miniprogram
        if client_msg_id:
            body["client_msg_id"] = client_msg_id
        return self._call("POST", "/cgi-bin/message/template/send", api="message.template.send",
                          app=self.official, openid=openid, body=body)

    def send_subscribe_message(self, openid: str, template_id: str, data: dict, page: str | None = None) -> dict:
        """Send a one-off subscribe message the follower consented to."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": _template_data(data)}
        if page:
            body["page"] = page
        return self._call("POST", "/cgi-bin/message/subscribe/bizsend", api="message.subscribe.bizsend",
                          app=self.official, openid=openid, body=body)

    def mass_send_text(self, text: str, tag_id: int | None = None, clientmsgid: str | None = None) -> dict:
        """Mass-send a text to every follower, or to one tag; return msg_id and msg_data_id."""
        target = {"is_to_all": True} if tag_id is None else {"is_to_all": False, "tag_id": int(tag_id)}
        body: dict[str, Any] = {"filter": target, "msgtype": "text", "text": {"content": text}}
        if clientmsgid:
            body["clientmsgid"] = clientmsgid
        return self._call("POST", "/cgi-bin/message/mass/sendall", api="message.mass.sendall",
                          app=self.official, body=body)

    def mass_send_to_openids(self, openids: list[str], text: str, clientmsgid: str | None = None) -> dict:
        """Mass-send a text to a list of followers' openids."""
        body: dict[str, Any] = {"touser": list(openids), "msgtype": "text", "text": {"content": text}}
        if clientmsgid:
            body["clientmsgid"] = clientmsgid
        return self._call("POST", "/cgi-bin/message/mass/send", api="message.mass.send",
                          app=self.official, body=body)

    def mass_send_news_to_openids(self, openids: list[str], media_id: str, clientmsgid: str | None = None) -> dict:
        """Mass-send a news draft (mpnews) to a list of 2 to 10,000 followers' openids."""
        body: dict[str, Any] = {"touser": list(openids), "msgtype": "mpnews", "mpnews": {"media_id": media_id},
                                "send_ignore_reprint": 0}
        if clientmsgid:
            body["clientmsgid"] = clientmsgid
        return self._call("POST", "/cgi-bin/message/mass/send", api="message.mass.send",
                          app=self.official, body=body)

    # ---- official account: followers, tags, menu ----------------------------------------

    def user_info(self, openid: str) -> dict:
        """Return a follower's basic information."""
        return self._call("GET", "/cgi-bin/user/info", api="user.info", app=self.official, openid=openid,
                          params={"openid": openid, "lang": "zh_CN"})

    def create_tag(self, name: str) -> dict:
        """Create a follower tag; return {'tag': {'id', 'name'}}."""
        return self._call("POST", "/cgi-bin/tags/create", api="tags.create", app=self.official,
                          body={"tag": {"name": name}})

    def list_tags(self) -> list:
        """Return every follower tag as a list of {'id', 'name', 'count'}."""
        return self._call("GET", "/cgi-bin/tags/get", api="tags.get", app=self.official).get("tags", [])

    def tag_users(self, tag_id: int, openids: list[str]) -> dict:
        """Put up to 50 followers under a tag."""
        return self._call("POST", "/cgi-bin/tags/members/batchtagging", api="tags.members.batchtagging",
                          app=self.official, body={"openid_list": list(openids), "tagid": int(tag_id)})

    def list_followers(self, next_openid: str | None = None) -> dict:
        """Return one page of followers: total, count, data.openid and next_openid."""
        params = {"next_openid": next_openid} if next_openid else {}
        return self._call("GET", "/cgi-bin/user/get", api="user.get", app=self.official, params=params)

    def create_menu(self, menu: dict) -> dict:
        """Publish the custom menu (API JSON with 'button')."""
        return self._call("POST", "/cgi-bin/menu/create", api="menu.create", app=self.official, body=menu)

    def get_menu(self) -> dict:
        """Return the published custom menu."""
        return self._call("GET", "/cgi-bin/menu/get", api="menu.get", app=self.official)

    # ---- official account: parametric QR codes and the data cube -------------------------

    def create_qrcode(self, scene: str, expire_seconds: int | None = None) -> dict:
        """Create a QR code whose scans carry `scene` (permanent, or temporary for expire_seconds); return ticket, url."""
        body: dict[str, Any] = {"action_name": "QR_LIMIT_STR_SCENE" if expire_seconds is None else "QR_STR_SCENE",
                                "action_info": {"scene": {"scene_str": scene}}}
        if expire_seconds is not None:
            body["expire_seconds"] = int(expire_seconds)
        return self._call("POST", "/cgi-bin/qrcode/create", api="qrcode.create", app=self.official, body=body)

    def upload_image(self, filename: str, content: bytes, content_type: str = "image/jpeg") -> dict:
        """Upload a permanent image (an article's cover); return media_id and url."""
        return self._call("POST", "/cgi-bin/material/add_material", api="material.add_material", app=self.official,
                          params={"type": "image"}, files={"media": (filename, content, content_type)})

    def add_draft(self, articles: list[dict]) -> dict:
        """Store news articles (title, thumb_media_id, digest, content, content_source_url...) as a draft; return media_id."""
        return self._call("POST", "/cgi-bin/draft/add", api="draft.add", app=self.official, body={"articles": articles})

    def mass_send_news(self, media_id: str, tag_id: int | None = None, clientmsgid: str | None = None) -> dict:
        """Mass-send a news draft (mpnews) to all followers or a tag."""
        target = {"is_to_all": tag_id is None} | ({"tag_id": tag_id} if tag_id is not None else {})
        body: dict[str, Any] = {"filter": target, "mpnews": {"media_id": media_id}, "msgtype": "mpnews",
                                "send_ignore_reprint": 0}
        if clientmsgid:
            body["clientmsgid"] = clientmsgid
        return self._call("POST", "/cgi-bin/message/mass/sendall", api="message.mass.sendall",
                          app=self.official, body=body)

    def data_cube(self, kind: str, begin: date, end: date) -> list[dict]:
        """One data-cube report (usersummary, usercumulate, articlesummary...) for begin..end; return its rows."""
        answer = self._call("POST", f"/datacube/get{kind}", api=f"datacube.get{kind}", app=self.official,
                            body={"begin_date": begin.isoformat(), "end_date": end.isoformat()})
        return list(answer.get("list") or [])

    # ---- content security ---------------------------------------------------------------

    def check_text(self, openid: str, content: str) -> bool:
        """Return True when WeChat's content security passes the text, False when it is risky."""
        app = self.miniprogram or self.official
        try:
            answer = self._call("POST", "/wxa/msg_sec_check", api="wxa.msg_sec_check", app=app, openid=openid,
                                body={"content": content, "version": 2, "scene": 2, "openid": openid})
        except ContentRisky:
            return False
        return (answer.get("result") or {}).get("suggest", "pass") == "pass"

    # ---- mini-program -------------------------------------------------------------------

    def _require_miniprogram(self, api: str) -> _App:
        if self.miniprogram is None:
            raise WeChatError(40013, "mini-program app id is not configured (MINIPROGRAM_APP_ID)", api)
        return self.miniprogram

    def code_to_session(self, code: str) -> dict:
        """Exchange a mini-program login code for openid, session_key and (maybe) unionid."""
        app = self._require_miniprogram("sns.jscode2session")
        return self._call("GET", "/sns/jscode2session", api="sns.jscode2session", params={
            "appid": app.app_id, "secret": app.secret, "js_code": code, "grant_type": "authorization_code"})

    def phone_number(self, code: str) -> dict:
        """Exchange a mini-program phone-number code for phone_info."""
        app = self._require_miniprogram("wxa.getuserphonenumber")
        answer = self._call("POST", "/wxa/business/getuserphonenumber", api="wxa.getuserphonenumber",
                            app=app, body={"code": code})
        return answer.get("phone_info") or {}

    # ---- health -------------------------------------------------------------------------

    def ping(self) -> bool:
        """Return True when an access token can be had (cheap health probe)."""
        try:
            return bool(self.access_token())
        except WeChatError:
            return False


def _template_data(data: dict) -> dict:
    """Accept {'key': 'text'} or {'key': {'value': 'text', ...}} and return WeChat's shape."""
    return {key: value if isinstance(value, dict) else {"value": str(value)} for key, value in data.items()}


def _redact(text: str) -> str:
    return _SECRET_IN_URL.sub(r"\1=***", text)
