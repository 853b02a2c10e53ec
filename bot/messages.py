"""Typed inbound messages and outbound replies, independent of WeChat's wire format.

Handlers take an Inbound and return a Reply; the webhook, the simulator and the tests all
speak these types, so a handler can be called without a web server.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_CLAUSE = re.compile(r"[^，。！？\n]+[，。！？\n]?")


@dataclass(frozen=True)
class Inbound:
    """One message or event from a follower."""

    openid: str
    kind: str  # text, voice, image, location, link, event, unknown
    text: str = ""  # typed text, voice recognition, or the text a menu key stands for
    event: str = ""  # subscribe, unsubscribe, click, view, scan, location, templatesendjobfinish...
    event_key: str = ""
    media_id: str = ""
    picture_url: str = ""
    latitude: float | None = None
    longitude: float | None = None
    label: str = ""  # place name of a location message
    link_url: str = ""
    msg_id: str = ""
    create_time: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def dedup_key(self) -> str:
        """Key under which WeChat's retries of this message are recognised."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"evt:{self.openid}:{self.create_time}:{self.event}:{self.event_key}"


class Reply:
    """Base class of what a handler answers."""

    kind = "none"

    def as_text(self) -> str:
        """Return a plain-text rendering (logs, simulator, customer-service fallback)."""
        return ""


@dataclass(frozen=True)
class TextReply(Reply):
    text: str
    kind = "text"

    def as_text(self) -> str:
        return self.text


@dataclass(frozen=True)
class Article:
    title: str
    description: str = ""
    url: str = ""
    image: str = ""


@dataclass(frozen=True)
class NewsReply(Reply):
    articles: tuple[Article, ...]
    kind = "news"

    def as_text(self) -> str:
        return "\n".join(f"{a.title} {a.url}".strip() for a in self.articles)


@dataclass(frozen=True)
class TransferToAgentReply(Reply):
    """Hand the conversation to WeChat's customer service (a human agent)."""

    account: str = ""
    kind = "transfer"

    def as_text(self) -> str:
        return "[转接人工客服]"


@dataclass(frozen=True)
class NoReply(Reply):
    """Answer WeChat with 'success' and nothing for the follower (events, deferred work)."""

    kind = "none"


@dataclass(frozen=True)
class DeferredReply(Reply):
    """Answer 'success' now; the job runs after the response and replies by customer-service message."""

    job: Any = None  # callable() -> Reply, run outside the request
    kind = "deferred"


@dataclass(frozen=True)
class Outcome:
    """A reply with what the bot understood, for the message log and the editors' figures."""

    reply: Reply
    intent: str | None = None
    topic: str | None = None
    score: float | None = None


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    """Serialise a reply so a WeChat retry can be answered with the very same one."""
    if isinstance(reply, TextReply):
        return {"kind": "text", "text": reply.text}
    if isinstance(reply, NewsReply):
        return {"kind": "news", "articles": [a.__dict__ for a in reply.articles]}
    if isinstance(reply, TransferToAgentReply):
        return {"kind": "transfer", "account": reply.account}
    return {"kind": "none"}


def reply_from_dict(data: dict[str, Any]) -> Reply:
    """Inverse of reply_to_dict."""
    kind = data.get("kind")
    if kind == "text":
        return TextReply(data["text"])
    if kind == "news":
        return NewsReply(tuple(Article(**a) for a in data["articles"]))
    if kind == "transfer":
        return TransferToAgentReply(data.get("account", ""))
    return NoReply()


def outside_chat(text: str) -> str:
    """Chat wording made fit for the mini-program, where there is nothing to reply to.

    "请回复“人工”或拨打 12351" keeps the hotline; other clauses telling the worker what to reply
    (回复“福利”查看..., 回复编号即可查看) are left out.
    """
    text = text.replace("回复“人工”或", "").replace("转人工或", "")
    kept: list[str] = []
    for clause in _CLAUSE.findall(text):
        if "回复" not in clause:
            kept.append(clause)
        elif kept and clause[-1:] in "。！？\n" and kept[-1][-1:] == "，":
            kept[-1] = kept[-1][:-1] + clause[-1]  # the sentence ends where the dropped clause did
    return "".join(kept).strip()
