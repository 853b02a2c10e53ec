"""Who made a change, as the audit log keeps it: built once per console request, passed to the services.

A plain value, so services name the actor without knowing of Flask: the console builds it from the
signed-in account and the client's address (request.remote_addr, which honours X-Forwarded-For only
behind TRUSTED_PROXIES, see bot/__init__.py); the CLI, the chat and jobs pass a bare name.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """A username (or 'cli', '职工', 'worker:chat'), the staff role if any, and the client's IP if any."""

    name: str
    role: str | None = None
    ip: str | None = None

    def __str__(self) -> str:
        return self.name


def as_actor(who: Actor | str) -> Actor:
    """An Actor from either an Actor or a bare name (the CLI, the chat, jobs and tests pass names)."""
    return who if isinstance(who, Actor) else Actor(str(who))


CLI = Actor("cli")
