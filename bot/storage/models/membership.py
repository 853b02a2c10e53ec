"""Applications to join the union, their status history, and members.

Phone and ID numbers are stored only encrypted; the ID also as a keyed blind index so the same
person cannot apply twice under two WeChat accounts. The one-open-application rule and the
one-member-per-ID rule are enforced by partial unique indexes, so concurrent submissions
cannot both succeed.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow

OPEN_STATUSES = ("submitted", "need_info")
_OPEN = text("status IN ('submitted', 'need_info')")


class MembershipApplication(Base):
    """One application: submitted, need_info, approved, rejected or withdrawn."""

    __tablename__ = "membership_applications"
    __table_args__ = (
        # At most one open application per person and per ID number, whatever the door.
        Index("uq_membership_applications_open_person", "person_id", unique=True,
              sqlite_where=_OPEN, postgresql_where=_OPEN),
        Index("uq_membership_applications_open_id", "id_index", unique=True,
              sqlite_where=_OPEN, postgresql_where=_OPEN),
        Index("ix_membership_applications_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_no: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)  # RH20261127-00042
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)  # None once erased
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="submitted")
    name: Mapped[str | None] = mapped_column(String(64))
    phone_encrypted: Mapped[str | None] = mapped_column(Text)
    id_encrypted: Mapped[str | None] = mapped_column(Text)
    id_index: Mapped[str | None] = mapped_column(String(64), index=True)
    employer: Mapped[str | None] = mapped_column(String(200))  # for gig workers: the platform, if any
    no_fixed_employer: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    city: Mapped[str | None] = mapped_column(String(16), index=True)
    district: Mapped[str | None] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(64))
    occupation: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # official (chat), miniprogram, console
    consent_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    consent_version: Mapped[str] = mapped_column(String(32), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)  # the latest rejection or need-info reason
    reviewer: Mapped[str | None] = mapped_column(String(64))
    member_no: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)  # personal data deleted on request


class MembershipStatusChange(Base):
    """One step of an application's history, and how the worker was told."""

    __tablename__ = "membership_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("membership_applications.id", ondelete="CASCADE"),
                                                index=True, nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)  # worker, staff name, system
    notified_via: Mapped[str | None] = mapped_column(String(16))  # customer_service, template, failed
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class Member(Base):
    """An approved member with a member number."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)  # None once erased
    application_id: Mapped[int | None] = mapped_column(ForeignKey("membership_applications.id"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")  # active, erased
    name: Mapped[str | None] = mapped_column(String(64))
    id_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    employer: Mapped[str | None] = mapped_column(String(200))
    no_fixed_employer: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    city: Mapped[str | None] = mapped_column(String(16), index=True)
    district: Mapped[str | None] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(64), index=True)
    occupation: Mapped[str | None] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)
