"""The audit log: who did what to which record and when. Written by every console action that matters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.services.actor import Actor, as_actor
from bot.storage.models import AuditEntry


@dataclass(frozen=True)
class AuditView:
    """One line of the audit log."""

    at: datetime
    actor: str
    role: str | None
    action: str
    target: str | None
    detail: dict
    ip: str | None


def record(database, now: datetime, actor: Actor | str, action: str, target: str | None = None, **detail) -> None:
    """Write one entry: the actor's name, role and IP (an Actor) or a bare name ('cli', '职工'); never a full number."""
    who = as_actor(actor)
    with database.session() as session:
        session.add(AuditEntry(at=now, actor=who.name[:64], role=who.role, action=action, target=target,
                               detail={k: v for k, v in detail.items() if v not in (None, "")}, ip=who.ip))


def search(database, actor: str | None = None, action: str | None = None, target: str | None = None,
           since: datetime | None = None, until: datetime | None = None, offset: int = 0,
           limit: int = 100, role: str | None = None, ip: str | None = None) -> tuple[list[AuditView], int]:
    """Entries matching every filter given (action by prefix: 'ticket.' finds all ticket actions), newest first."""
    conditions = []
    if actor:
        conditions.append(AuditEntry.actor == actor.strip())
    if role:
        conditions.append(AuditEntry.role == role.strip())
    if ip:
        conditions.append(AuditEntry.ip == ip.strip())
    if action:
        conditions.append(AuditEntry.action.startswith(action.strip(), autoescape=True))
    if target:
        conditions.append(AuditEntry.target == target.strip())
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if until is not None:
        conditions.append(AuditEntry.at < until)
    with database.session() as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
        rows = session.scalars(select(AuditEntry).where(*conditions).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                               .offset(max(offset, 0)).limit(max(min(limit, 500), 0))).all()
        return [AuditView(r.at, r.actor, r.role, r.action, r.target, dict(r.detail or {}), r.ip) for r in rows], total


def actions(database) -> list[str]:
    """The distinct actions written so far (for the filter's choices)."""
    with database.session() as session:
        return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
