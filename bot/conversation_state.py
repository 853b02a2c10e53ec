"""Per-follower conversation state (a form in progress, the last topic), kept in the store with an expiry."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.security import mask_openid
from bot.kv_store import Store, StoreUnavailable

log = logging.getLogger(__name__)


@dataclass
class ConversationState:
    """What the bot remembers about one follower between messages."""

    form: str | None = None  # name of the form in progress
    step: str | None = None  # the field the form is asking for
    data: dict[str, Any] = field(default_factory=dict)  # answers so far
    last_intent: str | None = None
    last_topic: str | None = None
    choices: list[str] = field(default_factory=list)  # what the numbers in the last reply stand for
    context: dict[str, Any] = field(default_factory=dict)  # anything else a handler keeps (last benefit, last FAQ hits)
    updated_at: float = 0.0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "ConversationState":
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class ConversationStore:
    """Load and save ConversationState through the Store interface, encrypted.

    A form in progress holds answers such as ID and phone numbers for up to a day: with a
    cipher they are encrypted before they reach Redis, like personal data in the database.
    """

    def __init__(self, store: Store, ttl_seconds: int = 86400, cipher=None):
        self.store = store
        self.ttl_seconds = ttl_seconds
        self.cipher = cipher

    @staticmethod
    def _key(openid: str) -> str:
        return f"conversation:{openid}"

    def load(self, openid: str) -> ConversationState:
        """Return the follower's state; an empty one if none or if the store is down."""
        try:
            raw = self.store.get(self._key(openid))
        except StoreUnavailable as exc:
            log.warning("conversation store unavailable for %s: %s", mask_openid(openid), exc)
            return ConversationState()
        if not raw:
            return ConversationState()
        try:
            text = self.cipher.decrypt(raw) if self.cipher else raw
            return ConversationState.from_dict(json.loads(text))
        except (ValueError, TypeError) as exc:  # a key change or a corrupted entry: start afresh
            log.warning("conversation of %s unreadable, starting afresh: %s", mask_openid(openid), exc)
            return ConversationState()

    def save(self, openid: str, state: ConversationState) -> bool:
        """Save the state; return False (and log) when the store is down."""
        state.updated_at = time.time()
        text = json.dumps(asdict(state), ensure_ascii=False)
        try:
            self.store.set(self._key(openid), self.cipher.encrypt(text) if self.cipher else text, ttl=self.ttl_seconds)
            return True
        except StoreUnavailable as exc:
            log.warning("could not save conversation of %s: %s", mask_openid(openid), exc)
            return False

    def forget_idle_forms(self, idle_before: float) -> int:
        """Retention: drop forms (in progress or put aside) of followers silent since idle_before (epoch seconds)."""
        forgotten = 0
        for key in self.store.keys("conversation:"):
            openid = key[len("conversation:"):]
            state = self.load(openid)
            if state.updated_at >= idle_before or not (state.form or state.data or "paused_form" in state.context):
                continue
            state.form = state.step = None
            state.data = {}
            state.context.pop("paused_form", None)
            updated_at = state.updated_at
            self.save(openid, state)
            forgotten += 1
            log.info("abandoned form of %s forgotten (idle since %.0f)", mask_openid(openid), updated_at)
        return forgotten

    def clear(self, openid: str) -> None:
        """Forget the follower's state."""
        try:
            self.store.delete(self._key(openid))
        except StoreUnavailable as exc:
            log.warning("could not clear conversation of %s: %s", mask_openid(openid), exc)
