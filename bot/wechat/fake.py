"""A fake of the WeChat APIs the project calls, for tests, the demo and benchmarks.

It answers as WeChat does (same JSON shapes, errcode 0 omitted where WeChat omits it),
checks the access token on every call, keeps every call it received (GET /_fake/calls,
?path= &limit= &count=1; DELETE clears) and can be told to inject errcodes, HTTP errors
and latency (POST /_fake/faults {"path", "errcode", "times", "latency_ms", "status"}).

Test conventions: an openid starting with "unsub" has unfollowed (43004), one starting with
"noconsent" refuses subscribe messages (43101); a mini-program code starting with "invalid"
is refused (40029), one starting with "used" was used already (40163).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import secrets
import threading
import time
from collections import deque
from typing import Any, Callable

from flask import Flask, Response, request

MAX_CALLS_KEPT = 200_000
TOKEN_LIFETIME_SECONDS = 7200
RISKY_WORDS = ("赌博", "代开发票", "毒品", "枪支", "色情", "办证")

ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40013: "invalid appid",
    40014: "invalid access_token",
    40016: "invalid button size",
    40029: "invalid code",
    40032: "invalid openid list size",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41008: "missing code",
    42001: "access_token expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    45065: "clientmsgid exist",
    45157: "invalid tag name",
    45159: "invalid tag id",
    46003: "menu no exist",
    47001: "data format error",
    87014: "risky content",
}


class _Reply(Exception):
    """Raised by an endpoint to answer with a WeChat error."""

    def __init__(self, errcode: int, errmsg: str | None = None, extra: dict | None = None):
        super().__init__(errcode)
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "error")
        self.extra = extra or {}


class FakeWeChatState:
    """Everything the fake remembers; thread-safe."""

    def __init__(self, app_secrets: dict[str, str] | None = None, latency_ms: float = 0.0) -> None:
        self.app_secrets = dict(app_secrets) if app_secrets else None
        self.latency_ms = latency_ms
        self._mutex = threading.Lock()
        # Endpoints change menu and tags in place; one at a time (faults and latency sleep outside it).
        self.endpoint_lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget calls, faults, tokens, menu, tags and sent messages."""
        with self._mutex:
            self._calls: deque[dict] = deque(maxlen=MAX_CALLS_KEPT)
            self._faults: list[dict] = []
            self.tokens: dict[str, tuple[str, float]] = {}  # token -> (app id, expiry)
            self.stable_tokens: dict[str, str] = {}  # app id -> current stable token
            self.menu: dict | None = None
            self.tags: dict[int, dict] = {}
            self.tag_members: dict[int, set[str]] = {}
            self.followers: list[str] = []
            self.clientmsgids: dict[str, int] = {}  # clientmsgid -> msg_id of the mass send
            self.qrcodes: dict[str, str] = {}  # ticket -> scene of the QR codes created
            self.materials: dict[str, dict] = {}  # media_id -> {filename, size, type} of uploaded images
            self.drafts: dict[str, list] = {}  # media_id -> articles of news drafts
            self._ids = itertools.count(1000000001)

    # ---- calls and faults ---------------------------------------------------------------

    def record(self, call: dict) -> None:
        """Remember one call."""
        with self._mutex:
            self._calls.append(call)

    def calls(self, path: str | None = None) -> list[dict]:
        """Return the calls received, oldest first, optionally for one path."""
        with self._mutex:
            return [dict(c) for c in self._calls if path is None or c["path"] == path]

    def clear_calls(self) -> None:
        """Forget the calls received."""
        with self._mutex:
            self._calls.clear()

    def add_fault(self, path: str = "*", errcode: int | None = None, times: int | None = 1,
                  latency_ms: float = 0.0, status: int | None = None) -> None:
        """Make the next `times` calls to `path` (or '*') answer `errcode` or HTTP `status` after a delay."""
        if times is not None and int(times) < 1:
            raise ValueError("times must be at least 1, or null for always")
        times = None if times is None else int(times)
        errcode = None if errcode is None else int(errcode)
        with self._mutex:
            self._faults.append({"path": path or "*", "errcode": errcode, "times": times,
                                 "latency_ms": float(latency_ms or 0), "status": status})

    def clear_faults(self) -> None:
        """Remove every fault."""
        with self._mutex:
            self._faults.clear()

    def faults(self) -> list[dict]:
        """Return the faults still armed."""
        with self._mutex:
            return [dict(f) for f in self._faults]

    def take_fault(self, path: str) -> dict | None:
        """Return the first fault that applies to path, using up one of its times."""
        with self._mutex:
            for fault in self._faults:
                if fault["path"] in ("*", path):
                    if fault["times"] is not None:
                        fault["times"] -= 1
                        if fault["times"] <= 0:
                            self._faults.remove(fault)
                    return dict(fault)
        return None

    # ---- tokens -------------------------------------------------------------------------

    def check_app(self, app_id: str | None, secret: str | None) -> None:
        """Refuse an unknown app id or a wrong secret (when the fake was given secrets)."""
        if not app_id:
            raise _Reply(40013)
        if not secret:
            raise _Reply(40125)
        if self.app_secrets is not None:
            if app_id not in self.app_secrets:
                raise _Reply(40013)
            if self.app_secrets[app_id] != secret:
                raise _Reply(40125)

    def issue_token(self, app_id: str) -> str:
        """Issue a new token for app_id (the /cgi-bin/token way: older tokens stay valid)."""
        token = f"FAKE_{secrets.token_urlsafe(24)}"
        with self._mutex:
            self.tokens[token] = (app_id, time.time() + TOKEN_LIFETIME_SECONDS)
        return token

    def stable_token(self, app_id: str, force: bool) -> tuple[str, int]:
        """Return the app's stable token; a forced refresh replaces and invalidates it."""
        now = time.time()
        with self._mutex:
            current = self.stable_tokens.get(app_id)
            if current and not force and current in self.tokens and self.tokens[current][1] > now:
                return current, int(self.tokens[current][1] - now)
            if current:
                self.tokens.pop(current, None)
            token = f"FAKE_{secrets.token_urlsafe(24)}"
            self.tokens[token] = (app_id, now + TOKEN_LIFETIME_SECONDS)
            self.stable_tokens[app_id] = token
            return token, TOKEN_LIFETIME_SECONDS

    def check_token(self, token: str | None) -> str:
        """Return the app id a valid token belongs to, or raise 41001/40001/42001."""
        if not token:
            raise _Reply(41001)
        with self._mutex:
            item = self.tokens.get(token)
        if item is None:
            raise _Reply(40001)
        if item[1] <= time.time():
            raise _Reply(42001)
        return item[0]

    def invalidate_tokens(self) -> None:
        """Invalidate every token issued so far (as if another system refreshed them)."""
        with self._mutex:
            self.tokens.clear()
            self.stable_tokens.clear()

    def next_id(self) -> int:
        """Return a fresh message id."""
        with self._mutex:
            return next(self._ids)

    def mass_send(self, clientmsgid: str | None) -> dict:
        """Submit a mass send; refuse a clientmsgid used before (45065, with the first msg_id)."""
        with self._mutex:
            if clientmsgid and clientmsgid in self.clientmsgids:
                raise _Reply(45065, extra={"msg_id": self.clientmsgids[clientmsgid]})
            msg_id, msg_data_id = next(self._ids), next(self._ids)
            if clientmsgid:
                self.clientmsgids[clientmsgid] = msg_id
        return {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id, "msg_data_id": msg_data_id}

    def add_followers(self, openids: list[str]) -> None:
        """Add openids to the followers list (user/get), keeping order and uniqueness."""
        with self._mutex:
            known = set(self.followers)
            for openid in openids:
                if openid not in known:
                    known.add(openid)
                    self.followers.append(openid)


# ---- endpoints ----------------------------------------------------------------------------
# Each takes (state, query, body) and returns the JSON answer; raise _Reply for an errcode.

Endpoint = Callable[[FakeWeChatState, dict, Any], dict]


def _body(body: Any) -> dict:
    if not isinstance(body, dict):
        raise _Reply(44002 if body is None else 47001)
    return body


def _ok(**extra: Any) -> dict:
    return {"errcode": 0, "errmsg": "ok", **extra}


def _token(state: FakeWeChatState, query: dict, body: Any) -> dict:
    if query.get("grant_type") != "client_credential":
        raise _Reply(40002, "invalid grant_type")
    state.check_app(query.get("appid"), query.get("secret"))
    return {"access_token": state.issue_token(query["appid"]), "expires_in": TOKEN_LIFETIME_SECONDS}


def _stable_token(state: FakeWeChatState, query: dict, body: Any) -> dict:
    body = _body(body)
    if body.get("grant_type") != "client_credential":
        raise _Reply(40002, "invalid grant_type")
    state.check_app(body.get("appid"), body.get("secret"))
    token, expires_in = state.stable_token(body["appid"], bool(body.get("force_refresh")))
    return {"access_token": token, "expires_in": expires_in}


def _check_openid(openid: Any) -> str:
    if not openid or not isinstance(openid, str):
        raise _Reply(40003, "invalid openid")
    if openid.startswith("unsub"):
        raise _Reply(43004)
    return openid


def _custom_send(state: FakeWeChatState, query: dict, body: Any) -> dict:
    body = _body(body)
    _check_openid(body.get("touser"))
    msgtype = body.get("msgtype")
    if not msgtype or msgtype not in body:
        raise _Reply(40008, "invalid message type")
    return _ok()


def _template_send(state: FakeWeChatState, query: dict, body: Any) -> dict:
    body = _body(body)
    _check_openid(body.get("touser"))
    if not body.get("template_id"):
        raise _Reply(40037, "invalid template_id")
    return _ok(msgid=state.next_id())


def _subscribe_send(state: FakeWeChatState, query: dict, body: Any) -> dict:
    body = _body(body)
    openid = _check_openid(body.get("touser"))
    if openid.startswith("noconsent"):
        raise _Reply(43101)
    if not body.get("template_id"):
        raise _Reply(40037, "invalid template_id")
    return _ok()


def _mass_sendall(state: FakeWeChatState, query: dict, body: Any) -> dict:
    body = _body(body)
    target = body.get("filter") or {}
    if not target.get("is_to_all") and target.get("tag_id") not in state.tags:
        raise _Reply(40050, "invalid tag id")
    if body.get("msgtype") == "mpnews" and (body.get("mpnews") or {}).get("media_id") not in state.drafts:
        raise _Reply(40007, "invalid media_id")
    return state.mass_send(body.get("clientmsgid"))


def _mass_send(state: FakeWeChatState, query: dict, body: Any) -> dict:
    body = _body(body)
    touser = body.get("touser")
    # WeChat takes 2 to 10,000 openids per call.
    if not isinstance(touser, list) or not 2 <= len(touser) <= 10000:
        raise _Reply(40130, "invalid openid list size, at least two openid")
    if body.get("msgtype") == "mpnews" and (body.get("mpnews") or {}).get("media_id") not in state.drafts:
        raise _Reply(40007, "invalid media_id")
    return state.mass_send(body.get("clientmsgid"))


def _user_info(state: FakeWeChatState, query: dict, body: Any) -> dict:
    openid = query.get("openid")
    if not openid:
        raise _Reply(40003, "invalid openid")
    if openid.startswith("unsub"):
        return {"subscribe": 0, "openid": openid}
    tags = sorted(t for t, members in state.tag_members.items() if openid in members)
    return {"subscribe": 1, "openid": openid, "language": "zh_CN", "subscribe_time": 1700000000,
            "remark": "", "groupid": 0, "tagid_list": tags, "subscribe_scene": "ADD_SCENE_QR_CODE",
            "qr_scene": 0, "qr_scene_str": ""}


def _tags_create(state: FakeWeChatState, query: dict, body: Any) -> dict:
    name = ((_body(body).get("tag") or {}).get("name") or "").strip()
    if not name or len(name.encode()) > 30 or any(t["name"] == name for t in state.tags.values()):
        raise _Reply(45157)
    tag_id = 100 + len(state.tags)  # WeChat reserves 0-2 for its own tags
    state.tags[tag_id] = {"id": tag_id, "name": name}
    state.tag_members[tag_id] = set()
    return {"tag": {"id": tag_id, "name": name}}


def _tags_get(state: FakeWeChatState, query: dict, body: Any) -> dict:
    return {"tags": [{**t, "count": len(state.tag_members.get(t["id"], ()))} for t in state.tags.values()]}


def _tags_batch(state: FakeWeChatState, query: dict, body: Any) -> dict:
    body = _body(body)
    tag_id = body.get("tagid")
    if tag_id not in state.tags:
        raise _Reply(45159)
    openids = body.get("openid_list") or []
    if not openids or len(openids) > 50:
        raise _Reply(40032)
    state.tag_members[tag_id].update(openids)
    state.add_followers(openids)
    return _ok()


def _user_get(state: FakeWeChatState, query: dict, body: Any) -> dict:
    followers = list(state.followers)
    start = 0
    if query.get("next_openid"):
        try:
            start = followers.index(query["next_openid"]) + 1
        except ValueError:
            raise _Reply(40003, "invalid openid") from None
    page = followers[start:start + 10000]
    answer: dict[str, Any] = {"total": len(followers), "count": len(page),
                              "next_openid": page[-1] if page else ""}
    if page:
        answer["data"] = {"openid": page}
    return answer


def _menu_create(state: FakeWeChatState, query: dict, body: Any) -> dict:
    buttons = _body(body).get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise _Reply(40016)
    if any(len(b.get("sub_button") or []) > 5 for b in buttons):
        raise _Reply(40017, "invalid sub button size")
    state.menu = {"button": buttons}
    return _ok()


def _menu_get(state: FakeWeChatState, query: dict, body: Any) -> dict:
    if state.menu is None:
        raise _Reply(46003)
    return {"menu": state.menu}


def _msg_sec_check(state: FakeWeChatState, query: dict, body: Any) -> dict:
    body = _body(body)
    content = body.get("content")
    if not isinstance(content, str):
        raise _Reply(47001)
    hits = [w for w in RISKY_WORDS if w in content]
    suggest, label = ("risky", 20006) if hits else ("pass", 100)
    return {"errcode": 0, "errmsg": "ok", "result": {"suggest": suggest, "label": label},
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label,
                        "keyword": hits[0] if hits else "", "prob": 90 if hits else 0}],
            "trace_id": secrets.token_hex(8)}


def _jscode2session(state: FakeWeChatState, query: dict, body: Any) -> dict:
    state.check_app(query.get("appid"), query.get("secret"))
    code = query.get("js_code") or ""
    if not code:
        raise _Reply(41008)
    if code.startswith("invalid"):
        raise _Reply(40029)
    if code.startswith("used"):
        raise _Reply(40163)
    digest = hashlib.sha1(code.encode()).hexdigest()
    answer = {"openid": "mp_" + digest[:16], "session_key": hashlib.sha256(code.encode()).hexdigest()[:24]}
    if "union" in code:
        answer["unionid"] = "u_" + digest[16:32]
    return answer


def _phone_number(state: FakeWeChatState, query: dict, body: Any) -> dict:
    code = _body(body).get("code") or ""
    if not code:
        raise _Reply(41008)
    if code.startswith("invalid"):
        raise _Reply(40029)
    digits = str(int(hashlib.sha1(code.encode()).hexdigest(), 16) % 10**8).zfill(8)
    phone = "138" + digits
    return _ok(phone_info={"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86",
                           "watermark": {"timestamp": int(time.time()), "appid": state.check_token(
                               query.get("access_token"))}})


def _qrcode_create(state: FakeWeChatState, query: dict, body: Any) -> dict:
    body = _body(body)
    action = body.get("action_name")
    scene = ((body.get("action_info") or {}).get("scene") or {}).get("scene_str")
    if action not in ("QR_LIMIT_STR_SCENE", "QR_STR_SCENE"):
        raise _Reply(40053, "invalid action info")
    if not isinstance(scene, str) or not 1 <= len(scene) <= 64:
        raise _Reply(40053, "invalid action info")
    ticket = "gQ" + hashlib.sha1(f"{action}:{scene}".encode()).hexdigest()[:24]
    state.qrcodes[ticket] = scene
    answer = _ok(ticket=ticket, url=f"http://weixin.qq.com/q/{ticket}")
    if action == "QR_STR_SCENE":
        answer["expire_seconds"] = int(body.get("expire_seconds") or 60)
    return answer


def _add_material(state: FakeWeChatState, query: dict, body: Any) -> dict:
    media = (body or {}).get("files", {}).get("media") if isinstance(body, dict) else None
    if query.get("type") != "image":
        raise _Reply(40004, "invalid media type")
    if media is None or not media["size"]:
        raise _Reply(41005, "media data missing")
    if media["size"] > 10 * 1024 * 1024:
        raise _Reply(40009, "invalid image size")
    media_id = "IMG_" + secrets.token_hex(8)
    state.materials[media_id] = media
    return _ok(media_id=media_id, url=f"http://mmbiz.qpic.cn/fake/{media_id}/0")


def _draft_add(state: FakeWeChatState, query: dict, body: Any) -> dict:
    articles = _body(body).get("articles")
    if not isinstance(articles, list) or not 1 <= len(articles) <= 8:
        raise _Reply(40114, "invalid articles size")
    for article in articles:
        if not article.get("title") or not article.get("content"):
            raise _Reply(44003, "empty news data")
        if article.get("thumb_media_id") not in state.materials:
            raise _Reply(40007, "invalid media_id")
    media_id = "NEWS_" + secrets.token_hex(8)
    state.drafts[media_id] = articles
    return _ok(media_id=media_id)


def _cube_days(body: Any, longest: int) -> list:
    """The days of a data-cube request; WeChat refuses bad dates (61500) and too long a range (61501)."""
    from datetime import date, timedelta

    body = _body(body)
    try:
        begin, end = date.fromisoformat(body.get("begin_date", "")), date.fromisoformat(body.get("end_date", ""))
    except (TypeError, ValueError):
        raise _Reply(61500, "date format error") from None
    if end < begin or (end - begin).days >= longest:
        raise _Reply(61501, "date range error")
    return [begin + timedelta(days=i) for i in range((end - begin).days + 1)]


def _cube_number(*parts: Any, top: int) -> int:
    """A stable made-up figure for the demo and the tests: the same request gives the same numbers."""
    return int(hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest(), 16) % top


def _cube_user_summary(state: FakeWeChatState, query: dict, body: Any) -> dict:
    rows = []
    for day in _cube_days(body, 7):
        for source in (0, 30, 51):  # other, scanned a QR code, searched the account
            rows.append({"ref_date": day.isoformat(), "user_source": source,
                         "new_user": _cube_number(day, source, "new", top=50),
                         "cancel_user": _cube_number(day, source, "cancel", top=10)})
    return {"list": rows}


def _cube_user_cumulate(state: FakeWeChatState, query: dict, body: Any) -> dict:
    return {"list": [{"ref_date": day.isoformat(), "cumulate_user": 20000 + day.toordinal() % 1000 * 30 + _cube_number(day, top=30)}
                     for day in _cube_days(body, 7)]}


def _cube_article_summary(state: FakeWeChatState, query: dict, body: Any) -> dict:
    rows = []
    for day in _cube_days(body, 1):
        for index, title in enumerate(("职工疗休养新政策解读", "本周工会活动预告")):
            rows.append({"ref_date": day.isoformat(), "msgid": f"{day:%Y%m%d}0{index + 1}_1", "title": title,
                         "int_page_read_user": _cube_number(day, index, "u", top=3000),
                         "int_page_read_count": _cube_number(day, index, "u", top=3000) + _cube_number(day, index, "c", top=900),
                         "share_user": _cube_number(day, index, "s", top=200)})
    return {"list": rows}


# path -> (methods, needs an access token, endpoint)
ENDPOINTS: dict[str, tuple[tuple[str, ...], bool, Endpoint]] = {
    "/cgi-bin/token": (("GET",), False, _token),
    "/cgi-bin/stable_token": (("POST",), False, _stable_token),
    "/cgi-bin/message/custom/send": (("POST",), True, _custom_send),
    "/cgi-bin/message/template/send": (("POST",), True, _template_send),
    "/cgi-bin/message/subscribe/bizsend": (("POST",), True, _subscribe_send),
    "/cgi-bin/message/mass/sendall": (("POST",), True, _mass_sendall),
    "/cgi-bin/message/mass/send": (("POST",), True, _mass_send),
    "/cgi-bin/user/info": (("GET",), True, _user_info),
    "/cgi-bin/user/get": (("GET",), True, _user_get),
    "/cgi-bin/tags/create": (("POST",), True, _tags_create),
    "/cgi-bin/tags/get": (("GET",), True, _tags_get),
    "/cgi-bin/tags/members/batchtagging": (("POST",), True, _tags_batch),
    "/cgi-bin/menu/create": (("POST",), True, _menu_create),
    "/cgi-bin/menu/get": (("GET",), True, _menu_get),
    "/wxa/msg_sec_check": (("POST",), True, _msg_sec_check),
    "/cgi-bin/qrcode/create": (("POST",), True, _qrcode_create),
    "/cgi-bin/material/add_material": (("POST",), True, _add_material),
    "/cgi-bin/draft/add": (("POST",), True, _draft_add),
    "/datacube/getusersummary": (("POST",), True, _cube_user_summary),
    "/datacube/getusercumulate": (("POST",), True, _cube_user_cumulate),
    "/datacube/getarticlesummary": (("POST",), True, _cube_article_summary),
    "/sns/jscode2session": (("GET",), False, _jscode2session),
    "/wxa/business/getuserphonenumber": (("POST",), True, _phone_number),
}


def _json_response(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    mimetype="application/json", content_type="application/json; charset=utf-8")


def create_fake_app(app_secrets: dict[str, str] | None = None, latency_ms: float = 0.0) -> Flask:
    """Return the fake WeChat API as a Flask app; its state is app.extensions['fake_wechat']."""
    app = Flask("bot.wechat.fake")
    state = FakeWeChatState(app_secrets, latency_ms)
    app.extensions["fake_wechat"] = state

    @app.get("/_fake/calls")
    def list_calls() -> Response:
        calls = state.calls(request.args.get("path"))
        limit = request.args.get("limit", type=int)
        if limit is not None:  # the most recent ones; the log can hold 200k calls after a benchmark
            calls = calls[-limit:] if limit > 0 else []
        if request.args.get("count"):
            return _json_response({"count": len(calls)})
        return _json_response(calls)

    @app.delete("/_fake/calls")
    def clear_calls() -> Response:
        state.clear_calls()
        return _json_response({"cleared": True})

    @app.get("/_fake/faults")
    def list_faults() -> Response:
        return _json_response(state.faults())

    @app.post("/_fake/faults")
    def add_fault() -> Response:
        spec = request.get_json(force=True, silent=True)
        if not isinstance(spec, dict):
            return _json_response({"error": "expected a JSON object"}, 400)
        try:
            state.add_fault(path=spec.get("path", "*"), errcode=spec.get("errcode"),
                            times=spec.get("times", 1), latency_ms=spec.get("latency_ms", 0),
                            status=spec.get("status"))
        except (TypeError, ValueError) as exc:
            return _json_response({"error": str(exc)}, 400)
        return _json_response({"faults": state.faults()}, 201)

    @app.delete("/_fake/faults")
    def clear_faults() -> Response:
        state.clear_faults()
        return _json_response({"cleared": True})

    @app.post("/_fake/followers")
    def add_followers() -> Response:
        spec = request.get_json(force=True, silent=True) or {}
        state.add_followers([str(o) for o in spec.get("openids", [])])
        return _json_response({"total": len(state.followers)})

    @app.post("/_fake/reset")
    def reset() -> Response:
        state.reset()
        return _json_response({"reset": True})

    @app.route("/<path:path>", methods=["GET", "POST"])
    def api(path: str) -> Response:
        return _serve(state, "/" + path)

    return app


def _serve(state: FakeWeChatState, path: str) -> Response:
    query = request.args.to_dict()
    body: Any = None
    if request.mimetype == "multipart/form-data":  # an upload: what the endpoint sees is what was sent
        files = {name: {"filename": f.filename, "size": len(f.read()), "type": f.mimetype}
                 for name, f in request.files.items()}
        body, raw = {"files": files, "form": request.form.to_dict()}, b""
    else:
        raw = request.get_data(cache=False)
    if raw:
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = ...  # not JSON: answered with 47001 below
    call = {"method": request.method, "path": path, "query": query,
            "json": None if body is ... else body, "time": time.time(), "errcode": None}
    try:
        if state.latency_ms:
            time.sleep(state.latency_ms / 1000)
        fault = state.take_fault(path)
        if fault:
            if fault["latency_ms"]:
                time.sleep(fault["latency_ms"] / 1000)
            if fault["status"]:
                call["errcode"] = -2
                return Response("<html><body>fake upstream error</body></html>", status=int(fault["status"]),
                                mimetype="text/html")
            if fault["errcode"] is not None:
                raise _Reply(int(fault["errcode"]))
        endpoint = ENDPOINTS.get(path)
        if endpoint is None:
            call["errcode"] = 404
            return _json_response({"errcode": 404, "errmsg": f"fake WeChat has no API {path}"}, 404)
        methods, needs_token, handler = endpoint
        if request.method not in methods:
            raise _Reply(43001, f"require {methods[0]} method")
        if needs_token:
            state.check_token(query.get("access_token"))
        if body is ...:
            raise _Reply(47001)
        with state.endpoint_lock:
            answer = handler(state, query, body)
        call["errcode"] = int(answer.get("errcode", 0))
        return _json_response(answer)
    except _Reply as reply:
        call["errcode"] = reply.errcode
        rid = secrets.token_hex(4) + "-" + secrets.token_hex(4)
        return _json_response({"errcode": reply.errcode, "errmsg": f"{reply.errmsg} rid: {rid}", **reply.extra})
    finally:
        state.record(call)


def serve(host: str = "127.0.0.1", port: int = 8001, latency_ms: float = 0.0,
          app_secrets: dict[str, str] | None = None, quiet: bool = True) -> None:
    """Run the fake on a threaded server until interrupted."""
    import logging

    from werkzeug.serving import make_server

    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(host, port, create_fake_app(app_secrets, latency_ms), threaded=True)
    server.serve_forever()
