"""Build callbacks the way WeChat does, with full control for the envelope tests."""
from __future__ import annotations

import time
import uuid
from urllib.parse import urlencode

from bot.wechat.envelope import Envelope, sign


def text_xml(openid: str, content: str, msg_id: str | None = None, account: str = "gh_zgzj") -> str:
    """A text message as WeChat sends it."""
    return (f"<xml><ToUserName><![CDATA[{account}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or uuid.uuid4().int % 10**18}</MsgId></xml>")


def event_xml(openid: str, event: str, key: str = "", create_time: int | None = None, extra: str = "") -> str:
    """An event as WeChat sends it."""
    return (f"<xml><ToUserName><![CDATA[gh_zgzj]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey>{extra}</xml>")


def signed_query(token: str, *, timestamp: str | None = None, nonce: str | None = None,
                 encrypted: str | None = None, bad: bool = False) -> dict:
    """Query parameters WeChat adds to a callback."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or uuid.uuid4().hex[:10]
    query = {"timestamp": timestamp, "nonce": nonce, "signature": sign(token, timestamp, nonce),
             "openid": "ignored"}
    if encrypted is not None:
        query.update(encrypt_type="aes", msg_signature=sign(token, timestamp, nonce, encrypted))
    if bad:
        query["signature"] = "0" * 40
    return query


def post(client, token: str, xml: str, *, mode: str = "plain", envelope: Envelope | None = None, **query_kwargs):
    """POST xml to /wechat in plain, safe or compat mode; return the response."""
    body = xml
    encrypted = None
    if mode != "plain":
        sealed = envelope.seal(xml, "safe", "n")
        encrypted = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        body = f"<xml><ToUserName><![CDATA[gh_zgzj]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        if mode == "compat":
            body = xml.replace("</xml>", f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
    query = signed_query(token, encrypted=encrypted, **query_kwargs)
    return client.post("/wechat?" + urlencode(query), data=body.encode(), content_type="text/xml")
