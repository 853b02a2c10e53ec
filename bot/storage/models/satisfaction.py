"""How satisfied workers were with the answer to their ticket, and with an activity they attended (1 to 5)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class TicketRating(Base):
    """The worker's rating of the answer to one ticket; rating again replaces it."""

    __tablename__ = "ticket_ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_ticket_ratings_rated_at", "rated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True, nullable=False)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None once erased
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class ActivityRating(Base):
    """The three-choice question about an activity a person attended: asked once, answered maybe."""

    __tablename__ = "activity_ratings"
    __table_args__ = (
        # One question per person and activity: the row is written before the message is sent, so a
        # second run of the job (or a second scheduler) finds it and sends nothing.
        UniqueConstraint("activity_id", "person_id", name="uq_activity_ratings_activity_person"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_activity_ratings_rated_at", "rated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), nullable=False)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None once erased
    asked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    delivery: Mapped[str] = mapped_column(String(16), default="none", nullable=False)  # customer_service, failed
    score: Mapped[int | None] = mapped_column(Integer)  # None until the person answers
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime)
