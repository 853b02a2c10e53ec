"""Union activities (工会活动) and the sign-ups to them, with exact places and a waiting list."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text,
                        text)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class Activity(Base):
    """An activity workers can sign up for; times are naive UTC like every timestamp stored."""

    __tablename__ = "activities"
    __table_args__ = (
        # The counters are the source of truth for places, counted in seats (people: a sign-up and
        # its companions): a sign-up only happens through a conditional UPDATE of confirmed_count,
        # so these can never be broken by a race.
        CheckConstraint("confirmed_count >= 0 AND confirmed_count <= capacity", name="places"),
        CheckConstraint("waiting_count >= 0", name="waiting"),
        Index("ix_activities_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(64), unique=True)  # stable name of demo/imported activities
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    summary: Mapped[str] = mapped_column(Text, default="", nullable=False)
    eligibility: Mapped[str] = mapped_column(String(200), default="", nullable=False)  # who can join, in words
    organizer: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    city: Mapped[str] = mapped_column(String(16), index=True, nullable=False)  # short name: 杭州, 宁波...
    place: Mapped[str] = mapped_column(String(200), nullable=False)  # "" for an online activity
    mode: Mapped[str] = mapped_column(String(16), default="onsite", server_default="onsite", nullable=False)  # onsite, online
    join_url: Mapped[str | None] = mapped_column(String(500))  # online: the https link given to those with a place
    starts_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime)
    signup_deadline: Mapped[datetime | None] = mapped_column(DateTime)  # None: until it starts
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    waiting_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    waiting_list_size: Mapped[int | None] = mapped_column(Integer)  # None: unlimited; 0: no waiting list
    series_key: Mapped[str | None] = mapped_column(String(32))  # sessions created together share it; each is edited alone
    # How many companions (family) one sign-up may bring; each takes a seat like the worker.
    max_companions: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    members_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"), nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open", nullable=False)  # open, closed, cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)


class ActivitySignUp(Base):
    """One person's sign-up, with the companions they bring: confirmed, waiting (in order of id) or cancelled."""

    __tablename__ = "activity_sign_ups"
    __table_args__ = (
        CheckConstraint("companions >= 0", name="companions"),
        # At most one live sign-up per person and activity; cancelled ones stay as history.
        Index("uq_activity_sign_ups_live", "activity_id", "person_id", unique=True,
              sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),
        Index("ix_activity_sign_ups_queue", "activity_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), nullable=False)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # confirmed, waiting, cancelled
    # People who come with the worker (0..activity.max_companions); the party takes 1 + companions seats.
    companions: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime)  # moved up from the waiting list
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    attended_at: Mapped[datetime | None] = mapped_column(DateTime)  # checked in at the door
    checked_in_by: Mapped[str | None] = mapped_column(String(64))  # the staff account, or "self" (QR at the door)

    @property
    def seats(self) -> int:
        """The seats the party takes: the worker and their companions."""
        return 1 + (self.companions or 0)
