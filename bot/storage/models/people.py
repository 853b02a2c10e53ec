"""People: one person behind a service-account openid, a mini-program openid, or both."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class Person(Base):
    """A worker or member; every domain record (application, ticket, sign-up) belongs to one."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unionid: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)  # blind index of the verified phone
    phone_encrypted: Mapped[str | None] = mapped_column(Text)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # set when two records turn out to be one person
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class Identity(Base):
    """An openid of a person on one WeChat channel: 'official' (service account) or 'miniprogram'."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "openid", name="uq_identities_channel_openid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    openid: Mapped[str] = mapped_column(String(64), nullable=False)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
