"""Replies that missed WeChat's deadline and could not yet be sent by customer-service message."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class PendingLateReply(Base):
    """A late reply still owed to a follower: retried with backoff, or brought by their next message."""

    __tablename__ = "pending_late_replies"
    __table_args__ = (Index("ix_pending_late_replies_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    message_id: Mapped[int | None] = mapped_column(Integer)  # the message_log row it answers
    reply_payload: Mapped[str] = mapped_column(Text, nullable=False)  # JSON of the reply (bot.messages)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_by: Mapped[str | None] = mapped_column(String(16))  # customer_service, next_reply, gave_up
