"""Daily figures for the dashboard, and the QR channels staff create for posters, factories and events.

The figures live in one narrow table, one row per (day, metric, city, dimension, second dimension):
every figure of issue 13 is a count (or a sum of minutes) by a day and at most two labels, so a
single shape serves the aggregation job, the rebuild command, the charts and the CSV export alike,
and a day is replaced by deleting its rows and inserting the new ones. Days are China days.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Index, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow
from bot.storage.models.followers import MessageLog

# Counting distinct active followers over 30 days reads only this index (an index-only scan on PostgreSQL).
Index("ix_message_log_created_openid", MessageLog.created_at, MessageLog.openid)


class DailyFigure(Base):
    """One figure of one China day: e.g. ('followers.new', '', 'hz_poster', '') = 12."""

    __tablename__ = "stats_daily"
    __table_args__ = (
        PrimaryKeyConstraint("metric", "day", "city", "dim", "dim2", name="pk_stats_daily"),
        Index("ix_stats_daily_day", "day"),
    )

    day: Mapped[date] = mapped_column(Date, nullable=False)
    metric: Mapped[str] = mapped_column(String(40), nullable=False)
    city: Mapped[str] = mapped_column(String(16), nullable=False, default="")  # '' : not tied to a city
    dim: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    dim2: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class StatsRun(Base):
    """When a day was last aggregated, so the dashboard can say how fresh its figures are."""

    __tablename__ = "stats_runs"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    milliseconds: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class QrChannel(Base):
    """A parametric QR code for a poster, factory, event or city union: its scene is the follower's source."""

    __tablename__ = "qr_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    scene: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)  # WeChat's scene_str
    city: Mapped[str | None] = mapped_column(String(16), index=True)  # short name; None: province-wide
    ticket: Mapped[str | None] = mapped_column(String(200))  # WeChat's ticket for showqrcode
    url: Mapped[str | None] = mapped_column(String(300))  # what the QR code encodes
    welcome: Mapped[str | None] = mapped_column(Text)  # the channel's own welcome, if any
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
