"""Mini-program sign-ins and the images members upload."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class MiniprogramSession(Base):
    """A member signed in on one device; refresh tokens rotate, and revoking ends the sign-in."""

    __tablename__ = "miniprogram_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)  # 'sid' in access tokens
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    openid: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    session_key_encrypted: Mapped[str] = mapped_column(Text, nullable=False)  # never leaves the server
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)  # sha256 of the token
    previous_refresh_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # reuse means theft
    refresh_expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Access tokens issued before this (epoch milliseconds) are refused: set when a merge moves the sign-in.
    # Kept here, not only in Redis, so a Redis restart or outage cannot revive them.
    tokens_valid_after_ms: Mapped[int | None] = mapped_column(BigInteger)


class MiniprogramUpload(Base):
    """An image a member uploaded, to attach to a consultation, complaint or other ticket."""

    __tablename__ = "miniprogram_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)  # what the member refers to
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False)  # random file name under var/uploads
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)  # attached to a ticket
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

