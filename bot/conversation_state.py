"""Per-follower conversation state (a form in progress, the last topic), kept in the store with an expiry."""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.security import mask_openid
from bot.store import Store, StoreUnavailable

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
    """Load and save ConversationState through the Store interface."""

    def __init__(self, store: Store, ttl_seconds: int = 86400):
        self.store = store
        self.ttl_seconds = ttl_seconds

    @staticmethod
    def _key(openid: str) -> str:
        return f"conversation:{openid}"

    def load(self, openid: str) -> ConversationState:
        """Return the follower's state; an empty one if none or if the store is down."""
        try:
            raw = self.store.get_json(self._key(openid))
        except StoreUnavailable as exc:
            log.warning("conversation store unavailable for %s: %s", mask_openid(openid), exc)
            return ConversationState()
        return ConversationState.from_dict(raw) if raw else ConversationState()

    def save(self, openid: str, state: ConversationState) -> bool:
        """Save the state; return False (and log) when the store is down."""
        state.updated_at = time.time()
        try:
            self.store.set_json(self._key(openid), asdict(state), ttl=self.ttl_seconds)
            return True
        except StoreUnavailable as exc:
            log.warning("could not save conversation of %s: %s", mask_openid(openid), exc)
            return False

    def clear(self, openid: str) -> None:
        """Forget the follower's state."""
        try:
            self.store.delete(self._key(openid))
        except StoreUnavailable as exc:
            log.warning("could not clear conversation of %s: %s", mask_openid(openid), exc)
