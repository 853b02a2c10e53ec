"""Followers of the service account and every message exchanged with them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class Follower(Base):
    __tablename__ = "followers"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    source_scene: Mapped[str | None] = mapped_column(String(64))  # from qrscene_<scene>
    subscribed_at: Mapped[datetime | None] = mapped_column(DateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime)  # the 48-hour service window
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class MessageLog(Base):
    """One inbound or outbound message; the source of the editors' figures."""

    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_created", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(8), nullable=False)  # in, out
    openid: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    event: Mapped[str | None] = mapped_column(String(32))
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)  # one processing per WeChat retry
    text: Mapped[str | None] = mapped_column(Text)  # personal numbers are masked before storing
    intent: Mapped[str | None] = mapped_column(String(32), index=True)
    topic: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16), default="received", nullable=False)
    reply_kind: Mapped[str | None] = mapped_column(String(16))
    reply_payload: Mapped[str | None] = mapped_column(Text)  # JSON of the reply, replayed to retries
    latency_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class DeliveryReport(Base):
    """WeChat's report of a template or mass send (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH)."""

    __tablename__ = "delivery_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wechat_msg_id: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    openid: Mapped[str | None] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(64), nullable=False)
    detail: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
