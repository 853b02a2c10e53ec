"""Staff accounts of the web console and the audit log of what they did."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class StaffAccount(Base):
    """A member of union staff who signs in to the console, with one role, maybe limited to a city or department."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)  # argon2id
    role: Mapped[str] = mapped_column(String(16), nullable=False)  # admin, editor, reviewer, counsellor, discipline
    city: Mapped[str | None] = mapped_column(String(16))  # None: every city
    department: Mapped[str | None] = mapped_column(String(64))  # None: every department
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, nullable=False)  # in a row
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Bumped on password change or deactivation: cookies signed before it stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    # The staff member's own service-account openid, bound by sending a one-time code to the account.
    wechat_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    bind_code_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the code; the code is shown once
    bind_code_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    notices: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)  # the staff member may turn them off


class StaffNotice(Base):
    """One WeChat notice sent to a member of staff; the unique key makes a job that runs twice send once."""

    __tablename__ = "staff_notices"
    __table_args__ = (UniqueConstraint("staff_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # new, overdue, digest, reopened
    key: Mapped[str] = mapped_column(String(64), nullable=False)  # a ticket number, or the digest's day
    delivery: Mapped[str] = mapped_column(String(16), nullable=False)  # sent, failed, quota
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class AuditEntry(Base):
    """Who did what to which record, and when: approvals, numbers revealed, answers, campaigns, sign-ins."""

    __tablename__ = "staff_audit_log"
    __table_args__ = (
        Index("ix_staff_audit_log_at", "at"),
        Index("ix_staff_audit_log_actor_at", "actor", "at"),
        Index("ix_staff_audit_log_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)  # the username (kept if the account goes)
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48), nullable=False)  # e.g. application.approve, ticket.reveal_phone
    target: Mapped[str | None] = mapped_column(String(64))  # an application, ticket or campaign number
    detail: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # never a full phone or ID number
    ip: Mapped[str | None] = mapped_column(String(64))
