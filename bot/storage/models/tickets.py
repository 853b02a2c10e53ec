"""Tickets: consultations, complaints, reports, letters to the chairman, hardship aid, legal aid, callbacks."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models.base import Base, utcnow


class Ticket(Base):
    """One request a worker made to the union, with its tracking number, department and deadline."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_due", "status", "due_at"),
        Index("ix_tickets_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True, nullable=False)  # e.g. WQ20261127-001
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="open", nullable=False)  # open, answered, closed
    # Kept for anonymous reports too, so the reporter can follow their ticket; staff views never show it.
    # Null once the person asked for their personal data to be deleted.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), default="chat", nullable=False)  # chat, miniprogram, staff
    topic: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(64), nullable=False)
    # The story with each phone or ID number masked and marked; the numbers themselves only in
    # text_numbers_encrypted (bot/personal_numbers.py), for the console's audited reveal.
    text: Mapped[str] = mapped_column(Text, nullable=False)
    text_numbers_encrypted: Mapped[str | None] = mapped_column(Text)
    employer: Mapped[str | None] = mapped_column(String(200))
    contact_phone_encrypted: Mapped[str | None] = mapped_column(Text)
    contact_phone_masked: Mapped[str | None] = mapped_column(String(16))  # for lists, without decrypting
    details: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # kind-specific answers
    attachments: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    # Content security: passed, risky (flagged, never published) or unchecked (WeChat was unavailable).
    check_status: Mapped[str] = mapped_column(String(16), default="unchecked", nullable=False, index=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)  # personal data deleted on request
    # When the worker agreed to the notice of this kind of ticket, and which version of it they read.
    consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    consent_version: Mapped[str | None] = mapped_column(String(32))
    # The city a counsellor transferred the ticket to; None: the worker's own city decides (console queries).
    city: Mapped[str | None] = mapped_column(String(16))
    transferred_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Why staff closed it without (or after) an answer: resolved, duplicate, not_union, no_reply.
    close_reason: Mapped[str | None] = mapped_column(String(16))
    # Set when the worker was not satisfied and the ticket went back to the queue for a second look.
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime)

    replies: Mapped[list["TicketReply"]] = relationship(
        back_populates="ticket", order_by="TicketReply.id", cascade="all, delete-orphan", lazy="selectin")


class TicketReply(Base):
    """A staff answer to a ticket, and how it reached the worker."""

    __tablename__ = "ticket_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True, nullable=False)
    staff: Mapped[str] = mapped_column(String(64), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    delivery: Mapped[str | None] = mapped_column(String(16))  # customer_service, template, failed, none
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    ticket: Mapped[Ticket] = relationship(back_populates="replies")


class TicketTransfer(Base):
    """A ticket handed by one department or city to another, with the counsellor's note."""

    __tablename__ = "ticket_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True, nullable=False)
    staff: Mapped[str] = mapped_column(String(64), nullable=False)
    from_department: Mapped[str] = mapped_column(String(64), nullable=False)
    to_department: Mapped[str] = mapped_column(String(64), nullable=False)
    from_city: Mapped[str | None] = mapped_column(String(16))
    to_city: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, nullable=False)  # staff's words: may quote the worker, erased with them
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class TicketCounter(Base):
    """The last serial issued per number prefix and day, so numbers are short, sequential and unique."""

    __tablename__ = "ticket_counters"
    __table_args__ = (UniqueConstraint("prefix", "day", name="uq_ticket_counters_prefix_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(4), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    last: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
