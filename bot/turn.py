"""One turn of a conversation: the single argument of every handler, action, text pattern and form step.

A handler is `handle(turn) -> Reply`. The turn carries who is writing (`worker`), what they
wrote (`message`, `text`), their conversation `state`, the wired `services` and the time
(`now`); numbered choices add their `argument`, text patterns their regex match (`found`),
and a form's submit its `answers`. `Turn.begin` makes one, so a test can call any handler
directly, without a web server.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from bot.conversation_state import ConversationState
from bot.messages import Inbound, TextReply


@dataclass
class Worker:
    """Who is writing: the follower's openid and, on demand, their person record."""

    openid: str
    services: Any = field(repr=False, default=None)

    @cached_property
    def person_id(self) -> int:
        """The person behind this follower (created on first use)."""
        from bot.services.people import OFFICIAL

        return self.services.people.person_id(OFFICIAL, self.openid)


@dataclass
class Turn:
    """Everything a handler needs for one message; handlers read it and may change `state`."""

    services: Any  # bot.runtime.Runtime: the wired services, content and configuration
    state: ConversationState
    now: datetime
    worker: Worker
    message: Inbound
    text: str = ""  # what the worker asked, after choices and clarifications are resolved
    match: Any = None  # bot.nlu Match of the text, when it went through the matcher
    argument: str = ""  # "@action:<name>:<argument>" choices: the argument
    found: re.Match | None = None  # text patterns: what the pattern matched
    answers: dict = field(default_factory=dict)  # a form's submit: the confirmed answers

    @classmethod
    def begin(cls, services, message: Inbound | str, state: ConversationState | None = None,
              text: str | None = None, **details: Any) -> "Turn":
        """A turn for a message (or for a follower's openid and `text`), at the services' clock time."""
        if isinstance(message, str):
            message = Inbound(openid=message, kind="text", text=text or "")
        return cls(services=services, state=state if state is not None else ConversationState(),
                   now=services.clock(), worker=Worker(message.openid, services), message=message,
                   text=message.text if text is None else text, **details)

    @property
    def openid(self) -> str:
        """The follower's openid."""
        return self.worker.openid

    @property
    def replies(self):
        """The bot's sentences from content/ (bot.content.Replies)."""
        return self.services.replies

    def say(self, key: str, **values: Any) -> str:
        """The content sentence called key, with its {placeholders} filled."""
        return self.services.replies.get(key, **values)

    def offer(self, text: str, options: list[tuple[str, str]], outro: str = "") -> TextReply:
        """Reply text followed by numbered options; a number alone then starts the option's target.

        A target is "@intent:<intent>", "@action:<name>:<argument>", or plain text routed as if typed.
        """
        self.state.choices = [target for _label, target in options]
        lines = [text.rstrip(), ""] if text else []
        lines += [f"{i} {label}" for i, (label, _target) in enumerate(options, 1)]
        if outro:
            lines += ["", outro.strip()]
        return TextReply("\n".join(lines))

    def main_menu(self, head: str = "") -> TextReply:
        """The numbered list of services."""
        menu = self.services.content_file("main_menu.yaml").load()
        intro = f"{head.strip()}\n{menu['intro']}" if head else menu["intro"]
        return self.offer(intro, [(i["label"], i["target"]) for i in menu["items"]], menu.get("outro", ""))
