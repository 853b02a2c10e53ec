"""Routing of each inbound message to the handler that answers it, with the follower's state."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.conversation_state import ConversationState
from bot.messages import Inbound, NoReply, Outcome, TextReply
from handlers import events


@dataclass
class Turn:
    """What a handler gets besides the message: the wired runtime, the follower's state, the time."""

    runtime: object  # bot.runtime.Runtime
    state: ConversationState
    now: datetime


def respond(runtime, message: Inbound) -> Outcome:
    """Answer one message or event; saves the follower's conversation state."""
    state = runtime.conversations.load(message.openid)
    turn = Turn(runtime=runtime, state=state, now=runtime.clock())
    outcome = _route(message, turn)
    runtime.conversations.save(message.openid, turn.state)
    return outcome


def _route(message: Inbound, turn: Turn) -> Outcome:
    replies = turn.runtime.replies
    if message.kind == "event":
        if message.event == "click":
            target = turn.runtime.menu_keys.get(message.event_key) or {}
            return _route_text(target.get("text", ""), message, turn)
        handler = events.EVENT_HANDLERS.get(message.event)
        return Outcome(handler(message, turn) if handler else NoReply(), intent=f"event:{message.event}")
    if message.kind in ("text", "voice"):
        if message.kind == "voice" and not message.text:
            return Outcome(TextReply(replies.get("voice_unrecognised")), intent="unknown")
        return _route_text(message.text, message, turn)
    if message.kind == "image":
        return Outcome(TextReply(replies.get("image_received")))
    if message.kind == "location":
        events.repo.record_location(turn.runtime.database, message.openid, message.latitude, message.longitude)
        return Outcome(TextReply(replies.get("location_received", label=message.label or "已记录")))
    if message.kind == "link":
        return Outcome(TextReply(replies.get("link_received")))
    return Outcome(TextReply(replies.get("unsupported_message")), intent="unknown")


def _route_text(text: str, message: Inbound, turn: Turn) -> Outcome:
    replies = turn.runtime.replies
    text = (text or "").strip()
    if not text:
        return Outcome(TextReply(replies.get("empty_message")), intent="unknown")
    # Placeholder until the intent matcher lands: echo the words we recognised.
    words = [t for t in turn.runtime.tokenizer.tokens(text) if len(t) > 1][:8]
    if not words:
        return Outcome(TextReply(replies.get("help_menu")), intent="unknown")
    return Outcome(TextReply(replies.get("keywords_echo", keywords="、".join(words))), intent="unknown")
