"""Push campaigns: what editors send, to whom, and one delivery record per recipient."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (Column, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Table, Text,
                        Unicode, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class Campaign(Base):
    """A message to an audience through one channel, once at a time or recurring (cron)."""

    __tablename__ = "push_campaigns"
    __table_args__ = (
        UniqueConstraint("parent_id", "occurrence_at", name="uq_push_campaigns_parent_occurrence"),
        Index("ix_push_campaigns_state_send_at", "state", "send_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # mass, template, subscribe, customer
    audience: Mapped[str] = mapped_column(String(200), nullable=False)  # all, tag:NAME, city:NAME, activity:ID...
    payload: Mapped[str | None] = mapped_column(Text)  # JSON: template data and extras
    # scheduled, sending, paused, cancelled, done, failed (mass send refused), missed (past the grace time)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="scheduled")
    paused_from: Mapped[str | None] = mapped_column(String(16))
    send_at: Mapped[datetime | None] = mapped_column(DateTime)  # UTC; the next (or only) time it goes out
    cron: Mapped[str | None] = mapped_column(String(64))  # recurring, Asia/Shanghai
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("push_campaigns.id"), index=True)
    occurrence_at: Mapped[datetime | None] = mapped_column(DateTime)  # for a run of a recurring campaign
    dedup_key: Mapped[str | None] = mapped_column(String(100), unique=True)  # e.g. one reminder per activity
    audience_size: Mapped[int | None] = mapped_column(Integer)  # counted when created and when it starts
    clientmsgid: Mapped[str | None] = mapped_column(String(64))
    wechat_msg_id: Mapped[str | None] = mapped_column(String(64), index=True)  # mass send to all or a tag
    report_total: Mapped[int | None] = mapped_column(Integer)  # from MASSSENDJOBFINISH
    report_sent: Mapped[int | None] = mapped_column(Integer)
    report_failed: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))  # why a mass send to all or a tag failed
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    materialized_at: Mapped[datetime | None] = mapped_column(DateTime)  # every delivery row exists
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class Delivery(Base):
    """One recipient of one campaign: pending, sent, failed (WeChat errcode), skipped (reason) or unknown (timed out)."""

    __tablename__ = "push_deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "openid", name="uq_push_deliveries_campaign_openid"),
        Index("ix_push_deliveries_claim", "campaign_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("push_campaigns.id", ondelete="CASCADE"), nullable=False)
    openid: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    errcode: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    wechat_msg_id: Mapped[str | None] = mapped_column(String(64), index=True)
    report: Mapped[str | None] = mapped_column(String(64))  # WeChat's delivery report, when it came
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A WeChat-side failure (busy, quota, unreachable) is tried again from this time, backing off over hours.
    retry_at: Mapped[datetime | None] = mapped_column(DateTime)


class SubscribeConsent(Base):
    """Subscribe-message consent: each 'accept' lets us send that template to that follower once."""

    __tablename__ = "push_subscribe_consents"
    __table_args__ = (UniqueConstraint("openid", "template_id", name="uq_push_subscribe_consents_openid_template"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), nullable=False)
    template_id: Mapped[str] = mapped_column(String(128), nullable=False)
    remaining: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_status: Mapped[str] = mapped_column(String(16), nullable=False)  # accept, reject
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # popup (service account), miniprogram
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class ProcessLease(Base):
    """A named lease in the database (the single active scheduler), renewed by its holder."""

    __tablename__ = "push_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


# APScheduler's own job store table, declared here so migrations create it and autogenerate keeps it.
# Same shape as apscheduler.jobstores.sqlalchemy.SQLAlchemyJobStore makes.
scheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
