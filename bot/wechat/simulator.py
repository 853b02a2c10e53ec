"""A follower's WeChat, simulated: sends messages and events to a webhook exactly as WeChat does.

Plain mode signs the query; safe mode also encrypts the body (encrypt_type=aes, msg_signature)
and decrypts and verifies the reply; compatible mode sends the plaintext fields and <Encrypt>
together. Used by `python -m bot chat`, by tests (in-process through a Flask test client) and
by benchmarks.
"""
from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

# transport(method, path_with_query, body) -> (HTTP status, body); status 0 means no answer at all
Transport = Callable[[str, str, bytes], "tuple[int, bytes]"]

MODES = ("safe", "plain", "compat")
_msg_ids = itertools.count(int(time.time() * 1000) * 1000)


@dataclass
class SimulatedReply:
    """What the webhook answered, decoded as a WeChat client would."""

    status: int
    raw: bytes
    kind: str  # text, news, transfer_customer_service, image, voice, ..., success, empty, error
    text: str = ""
    articles: list[dict] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # the decrypted reply XML's fields
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when the webhook answered 200 with something WeChat accepts."""
        return self.status == 200 and self.kind != "error" and not self.error


def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode()).hexdigest()


def _element(name: str, value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"<{name}>{value}</{name}>"
    text = str(value).replace("]]>", "]]]]><![CDATA[>")
    return f"<{name}><![CDATA[{text}]]></{name}>"


def requests_transport(base_url: str, timeout: float = 10.0) -> Transport:
    """Return a transport that sends to base_url's host over HTTP."""
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    session = requests.Session()

    def send(method: str, path_with_query: str, body: bytes) -> tuple[int, bytes]:
        try:
            response = session.request(method, origin + path_with_query, data=body or None, timeout=timeout,
                                        headers={"Content-Type": "text/xml; charset=utf-8"} if body else {})
        except requests.RequestException as exc:
            return 0, f"{type(exc).__name__}: {exc}".encode()
        return response.status_code, response.content

    return send


def flask_transport(test_client: Any) -> Transport:
    """Return a transport that calls a Flask test client in-process."""

    def send(method: str, path_with_query: str, body: bytes) -> tuple[int, bytes]:
        response = test_client.open(path_with_query, method=method, data=body or None,
                                    content_type="text/xml; charset=utf-8" if body else None)
        return response.status_code, response.get_data()

    return send


class WeChatSimulator:
    """One follower talking to the webhook as WeChat relays it."""

    def __init__(self, token: str, app_id: str, encoding_aes_key: str, mode: str = "safe",
                 openid: str = "sim_worker_0001", url: str = "http://127.0.0.1:8000/wechat",
                 transport: Transport | None = None, account_id: str = "gh_zgzj00000000") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if mode != "plain" and not encoding_aes_key:
            raise ValueError(f"{mode} mode needs an EncodingAESKey")
        self.token = token
        self.app_id = app_id
        self.mode = mode
        self.openid = openid
        self.url = url
        self.path = urlsplit(url).path or "/"
        self.account_id = account_id
        self.crypto = WeChatCrypto(token, encoding_aes_key, app_id) if encoding_aes_key else None
        self.transport = transport or requests_transport(url)
        self.last_xml: str | None = None

    # ---- messages -----------------------------------------------------------------------

    def send_text(self, text: str, msg_id: int | None = None) -> SimulatedReply:
        """Send a text message."""
        return self._send_message("text", {"Content": text}, msg_id)

    def send_voice(self, recognition: str, msg_id: int | None = None) -> SimulatedReply:
        """Send a voice message with WeChat's speech recognition text."""
        return self._send_message("voice", {"MediaId": "sim_media_" + secrets.token_hex(6), "Format": "amr",
                                            "Recognition": recognition}, msg_id)

    def send_image(self, pic_url: str = "http://mmbiz.qpic.cn/sim/0", msg_id: int | None = None) -> SimulatedReply:
        """Send an image message."""
        return self._send_message("image", {"PicUrl": pic_url, "MediaId": "sim_media_" + secrets.token_hex(6)},
                                  msg_id)

    def send_location(self, lat: float, lng: float, label: str = "", scale: int = 15,
                      msg_id: int | None = None) -> SimulatedReply:
        """Send a location message."""
        return self._send_message("location", {"Location_X": float(lat), "Location_Y": float(lng),
                                               "Scale": int(scale), "Label": label}, msg_id)

    def send_link(self, title: str, url: str, description: str = "", msg_id: int | None = None) -> SimulatedReply:
        """Send a link message."""
        return self._send_message("link", {"Title": title, "Description": description, "Url": url}, msg_id)

    def send_event(self, event: str, event_key: str = "", **extra: Any) -> SimulatedReply:
        """Send an event (subscribe, unsubscribe, CLICK, VIEW, SCAN, LOCATION, TEMPLATESENDJOBFINISH, ...)."""
        fields: dict[str, Any] = {"Event": event}
        if event_key or event in ("CLICK", "VIEW", "SCAN"):
            fields["EventKey"] = event_key
        if event == "subscribe" and event_key.startswith("qrscene_") and "Ticket" not in extra:
            fields["Ticket"] = "sim_ticket_" + secrets.token_hex(6)
        fields.update(extra)
        return self.send_xml(self._message_xml("event", fields))

    def _send_message(self, msgtype: str, fields: dict[str, Any], msg_id: int | None) -> SimulatedReply:
        fields = {**fields, "MsgId": int(msg_id) if msg_id is not None else next(_msg_ids)}
        return self.send_xml(self._message_xml(msgtype, fields))

    def _message_xml(self, msgtype: str, fields: dict[str, Any]) -> str:
        parts = [_element("ToUserName", self.account_id), _element("FromUserName", self.openid),
                 _element("CreateTime", int(time.time())), _element("MsgType", msgtype)]
        parts += [_element(name, value) for name, value in fields.items()]
        return "<xml>" + "".join(parts) + "</xml>"

    # ---- the wire -----------------------------------------------------------------------

    def send_xml(self, xml: str, *, timestamp: int | str | None = None, nonce: str | None = None,
                 sign: bool = True) -> SimulatedReply:
        """Send a raw plaintext message XML, wrapped, signed and encrypted as the mode requires."""
        self.last_xml = xml
        timestamp = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        params = {"timestamp": timestamp, "nonce": nonce, "openid": self.openid}
        params["signature"] = _sign(self.token, timestamp, nonce) if sign else "0" * 40
        body = xml
        if self.mode in ("safe", "compat"):
            assert self.crypto is not None
            encrypted = self.crypto.encrypt_message(xml, nonce, timestamp)
            encrypt = xmltodict.parse(encrypted)["xml"]["Encrypt"]
            params["encrypt_type"] = "aes"
            params["msg_signature"] = _sign(self.token, timestamp, nonce, encrypt) if sign else "0" * 40
            inner = _element("ToUserName", self.account_id) + _element("Encrypt", encrypt)
            if self.mode == "safe":
                body = "<xml>" + inner + "</xml>"
            else:  # compatible mode: plaintext fields and the ciphertext in one body
                body = xml[: -len("</xml>")] + _element("Encrypt", encrypt) + "</xml>"
        status, raw = self.transport("POST", self.path + "?" + urlencode(params), body.encode("utf-8"))
        return self._decode(status, raw)

    def retry_last(self) -> SimulatedReply:
        """Re-send the last message unchanged (same MsgId and CreateTime) with a fresh timestamp and nonce."""
        if self.last_xml is None:
            raise RuntimeError("nothing was sent yet")
        return self.send_xml(self.last_xml)

    def verify_server(self, echostr: str) -> tuple[int, str]:
        """Do WeChat's server verification GET; return (status, body text)."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        params = {"signature": _sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                  "echostr": echostr}
        status, raw = self.transport("GET", self.path + "?" + urlencode(params), b"")
        return status, raw.decode("utf-8", "replace")

    def _decode(self, status: int, raw: bytes) -> SimulatedReply:
        if status != 200:
            detail = raw.decode("utf-8", "replace")[:300]
            return SimulatedReply(status, raw, "error", error=f"HTTP {status}: {detail}" if status else detail)
        body = raw.strip()
        if not body:
            return SimulatedReply(status, raw, "empty")
        if body == b"success":
            return SimulatedReply(status, raw, "success")
        try:
            fields = _parse_xml(body)
            if "Encrypt" in fields:
                if self.crypto is None:
                    raise ValueError("encrypted reply but no EncodingAESKey")
                plain = self.crypto.decrypt_message(body, fields.get("MsgSignature", ""),
                                                    fields.get("TimeStamp", ""), fields.get("Nonce", ""))
                fields = _parse_xml(plain.encode("utf-8") if isinstance(plain, str) else plain)
            elif self.mode == "safe":
                raise ValueError("safe mode but the reply is not encrypted")
        except InvalidSignatureException:
            return SimulatedReply(status, raw, "error", error="reply signature is invalid")
        except InvalidAppIdException:
            return SimulatedReply(status, raw, "error", error="reply encrypted for another app id")
        except Exception as exc:  # noqa: BLE001 - anything undecodable is reported, not raised
            return SimulatedReply(status, raw, "error", error=f"undecodable reply: {type(exc).__name__}: {exc}")
        return _reply_from_fields(status, raw, fields, self.openid)


def _parse_xml(body: bytes) -> dict[str, Any]:
    parsed = xmltodict.parse(body, disable_entities=True)
    fields = parsed.get("xml")
    if not isinstance(fields, dict):
        raise ValueError("no <xml> root")
    return fields


def _reply_from_fields(status: int, raw: bytes, fields: dict[str, Any], openid: str) -> SimulatedReply:
    msgtype = str(fields.get("MsgType") or "")
    error = ""
    if fields.get("ToUserName") != openid:
        error = f"reply addressed to {fields.get('ToUserName')!r}, not {openid!r}"
    if msgtype == "text":
        return SimulatedReply(status, raw, "text", text=str(fields.get("Content") or ""), fields=fields, error=error)
    if msgtype == "news":
        items = (fields.get("Articles") or {}).get("item") or []
        if isinstance(items, dict):
            items = [items]
        articles = [{"title": i.get("Title") or "", "description": i.get("Description") or "",
                     "url": i.get("Url") or "", "picurl": i.get("PicUrl") or ""} for i in items]
        text = "\n".join(a["title"] for a in articles)
        return SimulatedReply(status, raw, "news", text=text, articles=articles, fields=fields, error=error)
    if msgtype:
        return SimulatedReply(status, raw, msgtype, fields=fields, error=error)
    return SimulatedReply(status, raw, "error", fields=fields, error="reply without MsgType")


def format_reply(reply: SimulatedReply) -> str:
    """Render a reply for a terminal, in the follower's language."""
    if reply.kind == "text":
        return reply.text
    if reply.kind == "news":
        lines = []
        for number, article in enumerate(reply.articles, 1):
            lines.append(f"[图文{number}] {article['title']}")
            if article["description"]:
                lines.append(f"    {article['description']}")
            if article["url"]:
                lines.append(f"    {article['url']}")
        return "\n".join(lines)
    if reply.kind == "transfer_customer_service":
        return "（已转接人工客服，请稍候）"
    if reply.kind in ("success", "empty"):
        return "（无回复）"
    if reply.kind == "error":
        return f"（出错：{reply.error}）"
    return f"（{reply.kind} 消息）"
