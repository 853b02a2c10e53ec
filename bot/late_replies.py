"""Late replies still owed to a follower: retried with backoff, or brought by their next message.

A handler slower than WeChat's deadline answers by customer-service message. When that send
fails, the reply (a ticket number, an application number) must not be lost: it is kept in the
database, retried by the scheduler's job with backoff over hours (within WeChat's 48-hour
window), and put before the reply to the follower's next message, whichever comes first.
A send that timed out may have reached the follower, and WeChat has no idempotency key for
customer-service messages: that one is not resent, only brought by the next message.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.messages import NoReply, Reply, TextReply, reply_from_dict, reply_to_dict
from bot.security import mask_openid
from bot.storage.models import PendingLateReply

log = logging.getLogger(__name__)

# Waits before each later customer-service try; after the last one only the next message brings it.
RETRY_AFTER = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30),
               timedelta(hours=1), timedelta(hours=3), timedelta(hours=6))
KEEP_FOR = timedelta(hours=48)  # WeChat's service window: after it, neither way can reach them
# A mark in the store that a follower is owed something: on the batched webhook path the next
# message reads the database only when it is there. Set by owe(), set again by every retry_due()
# run for every reply still waiting (a store restarted empty is marked again within 30 s).
OWED_MARK = "late:owed:"


def owe(database, openid: str, message_id: int | None, reply: Reply, now: datetime, error: str,
        resend: bool = True, store=None) -> None:
    """Keep a reply that could not be sent; resend=False when a send may have arrived (a timeout)."""
    next_attempt = now + RETRY_AFTER[0] if resend else now + KEEP_FOR
    with database.session() as session:
        session.add(PendingLateReply(
            openid=openid, message_id=message_id, reply_payload=json.dumps(reply_to_dict(reply), ensure_ascii=False),
            attempts=0 if resend else len(RETRY_AFTER), last_error=error[:200], next_attempt_at=next_attempt,
            created_at=now))
    log.warning("late reply to %s kept for a later try or the next message (%s)", mask_openid(openid), error[:120])
    if store is not None:
        _mark_owed(store, [openid])


def _mark_owed(store, openids) -> None:
    from bot.kv_store import StoreUnavailable

    try:
        for openid in openids:
            store.set(OWED_MARK + openid, "1", ttl=KEEP_FOR.total_seconds())
    except StoreUnavailable as exc:  # the scheduler's next retry_due() marks them again
        log.warning("could not mark late replies as owed: %s", exc)


def take(database, openid: str, now: datetime) -> list[Reply]:
    """Claim the replies still owed to a follower (oldest first), to put before the reply to their message."""
    with database.session() as session:
        rows = session.execute(select(PendingLateReply.id, PendingLateReply.reply_payload).where(
            PendingLateReply.openid == openid, PendingLateReply.delivered_at.is_(None),
            PendingLateReply.created_at >= now - KEEP_FOR).order_by(PendingLateReply.id)).all()
        taken = []
        for row_id, payload in rows:
            # Conditional: a retry job sending the same row at this moment wins or loses, never both.
            won = session.execute(update(PendingLateReply).where(
                PendingLateReply.id == row_id, PendingLateReply.delivered_at.is_(None))
                .values(delivered_at=now, delivered_by="next_reply")).rowcount
            if won:
                taken.append(reply_from_dict(json.loads(payload)))
    return taken


def with_owed(runtime, openid: str, reply: Reply) -> Reply:
    """The reply to a follower's message, preceded by any reply still owed to them (text replies only)."""
    if not isinstance(reply, (TextReply, NoReply)):
        return reply  # news or a transfer cannot carry text before it: the owed reply waits
    if runtime.batched_message_log and not _maybe_owed(runtime.store, openid):
        return reply
    try:
        owed = take(runtime.database, openid, runtime.clock())
    except Exception:  # the owed replies stay owed; this message is still answered
        log.exception("could not read the late replies owed to %s", mask_openid(openid))
        return reply
    texts = [r.as_text() for r in owed if r.as_text()]
    if not texts:
        return reply
    parts = [runtime.replies.get("late_reply_intro").strip(), *texts]
    if isinstance(reply, TextReply) and reply.text:
        parts.append("—" * 8)
        parts.append(reply.text)
    return TextReply("\n".join(parts))


def _maybe_owed(store, openid: str) -> bool:
    from bot.kv_store import StoreUnavailable

    try:
        return store.get(OWED_MARK + openid) is not None
    except StoreUnavailable:
        return True  # ask the database, as without the mark


def retry_due(runtime, send) -> dict[str, int]:
    """Try again, by customer-service message, every owed reply whose time has come; return counts."""
    now = runtime.clock()
    counts = {"sent": 0, "failed": 0, "expired": 0}
    with runtime.database.session() as session:
        waiting = session.scalars(select(PendingLateReply.openid).where(
            PendingLateReply.delivered_at.is_(None), PendingLateReply.created_at >= now - KEEP_FOR).distinct()).all()
    _mark_owed(runtime.store, waiting)
    with runtime.database.session() as session:
        due = session.execute(select(PendingLateReply.id, PendingLateReply.openid, PendingLateReply.reply_payload,
                                     PendingLateReply.attempts, PendingLateReply.created_at).where(
            PendingLateReply.delivered_at.is_(None), PendingLateReply.next_attempt_at <= now)
            .order_by(PendingLateReply.next_attempt_at).limit(200)).all()
    for row_id, openid, payload, attempts, created_at in due:
        if now - created_at > KEEP_FOR:
            _close(runtime.database, row_id, now, "gave_up")
            counts["expired"] += 1
            continue
        if attempts >= len(RETRY_AFTER):  # no more sends: it waits for the follower's next message
            with runtime.database.session() as session:
                session.execute(update(PendingLateReply).where(PendingLateReply.id == row_id)
                                .values(next_attempt_at=created_at + KEEP_FOR))
            continue
        # Claim by moving the next attempt: two schedulers never send the same row at once.
        with runtime.database.session() as session:
            won = session.execute(update(PendingLateReply).where(
                PendingLateReply.id == row_id, PendingLateReply.delivered_at.is_(None),
                PendingLateReply.attempts == attempts).values(
                attempts=attempts + 1, next_attempt_at=now + RETRY_AFTER[min(attempts + 1, len(RETRY_AFTER) - 1)]))
            if not won.rowcount:
                continue
        result = send(runtime, openid, reply_from_dict(json.loads(payload)))
        if result == "sent":
            _close(runtime.database, row_id, now, "customer_service")
            counts["sent"] += 1
        else:
            if result == "unknown":  # may have arrived: only the next message brings it now
                with runtime.database.session() as session:
                    session.execute(update(PendingLateReply).where(PendingLateReply.id == row_id)
                                    .values(attempts=len(RETRY_AFTER), next_attempt_at=created_at + KEEP_FOR))
            counts["failed"] += 1
    return counts


def _close(database, row_id: int, now: datetime, how: str) -> None:
    with database.session() as session:
        session.execute(update(PendingLateReply).where(PendingLateReply.id == row_id,
                                                       PendingLateReply.delivered_at.is_(None))
                        .values(delivered_at=now, delivered_by=how))
