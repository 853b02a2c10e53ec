"""Repository of followers and the message log."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.messages import Inbound, Outcome, Reply, reply_to_dict
from bot.security import mask_text
from bot.storage.db import Database
from bot.storage.models import DeliveryReport, Follower, MessageLog


def claim_inbound(database: Database, inbound: Inbound, now: datetime) -> tuple[int | None, MessageLog | None]:
    """Record an inbound message once; return (new row id, None) or (None, the row of the first delivery)."""
    try:
        with database.session() as session:
            row = MessageLog(direction="in", openid=inbound.openid, kind=inbound.kind,
                             event=(inbound.event or "")[:32] or None, dedup_key=_dedup_key(inbound),
                             text=mask_text(inbound.text)[:2000] or None, outcome="processing", created_at=now)
            session.add(row)
            if inbound.kind != "event":
                _touch_follower(session, inbound.openid, now)
            session.flush()
            return row.id, None
    except IntegrityError:
        with database.session() as session:
            existing = session.scalar(select(MessageLog).where(MessageLog.dedup_key == _dedup_key(inbound)))
            return None, existing


def _dedup_key(inbound: Inbound) -> str:
    # An event's key joins several fields: past the column's size, a digest stands for it.
    key = inbound.dedup_key
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def load_inbound(database: Database, row_id: int) -> MessageLog | None:
    """Return one message-log row."""
    with database.session() as session:
        return session.get(MessageLog, row_id)


def finish_inbound(database: Database, row_id: int, openid: str, outcome: Outcome | None, status: str,
                   latency_ms: float, now: datetime) -> None:
    """Store what the bot understood and answered, and log the outbound reply."""
    reply: Reply | None = outcome.reply if outcome else None
    with database.session() as session:
        values: dict = {"outcome": status, "latency_ms": latency_ms}
        if outcome is not None:
            values.update(intent=outcome.intent, topic=outcome.topic, score=outcome.score)
        if reply is not None:
            values.update(reply_kind=reply.kind, reply_payload=json.dumps(reply_to_dict(reply), ensure_ascii=False))
        session.execute(update(MessageLog).where(MessageLog.id == row_id).values(**values))
        if reply is not None and reply.kind != "none":
            session.add(MessageLog(direction="out", openid=openid, kind=reply.kind,
                                   text=mask_text(reply.as_text())[:2000], outcome=status, created_at=now))


def record_outbound(database: Database, openid: str, reply: Reply, outcome: str, now: datetime) -> None:
    """Log a message the bot sent outside a webhook reply (customer-service API)."""
    with database.session() as session:
        session.add(MessageLog(direction="out", openid=openid, kind=reply.kind,
                               text=mask_text(reply.as_text())[:2000], outcome=outcome, created_at=now))


def reclaim_stale(database: Database, older_than: datetime) -> int:
    """Mark inbound rows still 'processing' since before older_than as 'abandoned' (their finish was lost)."""
    with database.session() as session:
        return session.execute(update(MessageLog).where(
            MessageLog.direction == "in", MessageLog.outcome == "processing", MessageLog.created_at < older_than)
            .values(outcome="abandoned")).rowcount


def set_outcome(database: Database, row_id: int, status: str) -> None:
    """Change the outcome of a message-log row."""
    with database.session() as session:
        session.execute(update(MessageLog).where(MessageLog.id == row_id).values(outcome=status))


def _touch_follower(session: Session, openid: str, now: datetime) -> None:
    # One statement in the common case: the follower exists (the 48-hour window starts now).
    touched = session.execute(update(Follower).where(Follower.openid == openid).values(last_message_at=now))
    if touched.rowcount == 0:
        session.add(Follower(openid=openid, subscribed=True, last_message_at=now, created_at=now))


def record_subscription(database: Database, openid: str, scene: str | None, now: datetime) -> Follower:
    """Record a follow (or a re-follow) and the QR scene it came from."""
    with database.session() as session:
        follower = session.get(Follower, openid)
        if follower is None:
            follower = Follower(openid=openid, created_at=now)
            session.add(follower)
        follower.subscribed = True
        follower.subscribed_at = now
        follower.unsubscribed_at = None
        follower.last_message_at = now
        if scene:
            follower.source_scene = scene[:64]
        session.flush()
        return follower


def record_unsubscription(database: Database, openid: str, now: datetime) -> None:
    """Mark a follower inactive; their history stays."""
    with database.session() as session:
        follower = session.get(Follower, openid)
        if follower is None:
            session.add(Follower(openid=openid, subscribed=False, unsubscribed_at=now, created_at=now))
        else:
            follower.subscribed = False
            follower.unsubscribed_at = now


def record_location(database: Database, openid: str, latitude: float | None, longitude: float | None) -> None:
    """Remember the follower's last reported location."""
    with database.session() as session:
        follower = session.get(Follower, openid)
        if follower is not None:
            follower.latitude, follower.longitude = latitude, longitude


def record_delivery_report(database: Database, msg_id: str, openid: str | None, event: str,
                           status: str, detail: str | None, now: datetime) -> None:
    """Store WeChat's report on a template or mass send."""
    with database.session() as session:
        session.add(DeliveryReport(wechat_msg_id=msg_id, openid=openid, event=event,
                                   status=status, detail=detail, received_at=now))
