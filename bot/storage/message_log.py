"""Repository of followers and the message log."""
from __future__ import annotations

import atexit
import hashlib
import json
import logging
import threading
from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.messages import Inbound, Outcome, Reply, reply_to_dict
from bot.security import mask_text
from bot.storage.db import Database
from bot.storage.models import DeliveryReport, Follower, MessageLog

log = logging.getLogger(__name__)


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


def dedup_key_of(inbound: Inbound) -> str:
    """The message-log key of a message, as stored (a digest stands for an over-long event key)."""
    return _dedup_key(inbound)


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


def set_outcome_of(database: Database, dedup_key: str, status: str) -> None:
    """Change the outcome of the inbound row with this key (a row erased meanwhile has none: nothing changes)."""
    with database.engine.begin() as connection:
        connection.execute(update(MessageLog.__table__).where(MessageLog.__table__.c.dedup_key == dedup_key)
                           .values(outcome=status))


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


# --- The batched path (Redis configured): dedup and the retry reply in the store, the log written behind ---

class RecentReplies:
    """Which messages are claimed, and the first reply to each, kept in the store for WeChat's retry window.

    A retry of a claimed message is answered from here without touching the database. Values are
    "processing" while the first delivery runs, then the JSON of {"outcome", "reply"}.
    """

    PROCESSING = "processing"

    def __init__(self, store, window_seconds: float) -> None:
        self.store = store
        self.window_seconds = window_seconds

    def claim(self, inbound: Inbound) -> bool:
        """SET NX on the message's key: True for the first delivery; raise StoreUnavailable."""
        return self.store.set(self._key(inbound), self.PROCESSING, ttl=self.window_seconds, only_if_absent=True)

    def remember(self, inbound: Inbound, outcome: str, reply: Reply | None) -> None:
        """Keep the first delivery's outcome and reply for the retries; raise StoreUnavailable."""
        payload = {"outcome": outcome, "reply": reply_to_dict(reply) if reply is not None else None}
        self.store.set(self._key(inbound), json.dumps(payload, ensure_ascii=False), ttl=self.window_seconds)

    def recall(self, inbound: Inbound) -> tuple[str, dict | None] | None:
        """(outcome, reply dict) of the first delivery, ("processing", None), or None when unknown."""
        raw = self.store.get(self._key(inbound))
        if raw is None:
            return None
        if raw == self.PROCESSING:
            return self.PROCESSING, None
        data = json.loads(raw)
        return data["outcome"], data.get("reply")

    @staticmethod
    def _key(inbound: Inbound) -> str:
        return "inbound:" + _dedup_key(inbound)


class MessageLogWriter:
    """Writes message-log rows and follower touches in batches, from one thread, off the webhook's path.

    What a crash can lose: the rows queued since the last write, at most `flush_seconds` of
    messages of this process (plus one write in flight), and follower touches no older than
    `touch_minutes`. A graceful stop (gunicorn's SIGTERM, Runtime.close) writes everything first.
    Nothing a worker typed into a form is in these rows alone: conversation state is saved in the
    store and applications and tickets in the database before the reply leaves. While the database
    is unreachable the rows wait, up to `max_queued`, then the oldest are dropped with a log line.
    """

    def __init__(self, database: Database, flush_seconds: float = 0.5, touch_minutes: float = 10,
                 max_queued: int = 100_000) -> None:
        self.database = database
        self.flush_seconds = flush_seconds
        self.touch_every = touch_minutes * 60
        self.max_queued = max_queued
        self._rows: list[dict] = []
        self._touches: dict[str, datetime] = {}
        self._touched_at: dict[str, datetime] = {}  # the last touch written, per follower
        self._mutex = threading.Lock()
        self._wake = threading.Event()
        self._write_lock = threading.Lock()  # one write at a time: flush() from a test and the thread
        self._thread: threading.Thread | None = None
        self._closed = False

    def add_exchange(self, inbound: Inbound, outcome: Outcome | None, status: str, latency_ms: float | None,
                     now: datetime) -> None:
        """Queue the inbound row (complete: outcome and reply) and the outbound reply row."""
        reply: Reply | None = outcome.reply if outcome else None
        rows = [_inbound_row(inbound, outcome, status, latency_ms, now)]
        if reply is not None and reply.kind != "none":
            rows.append(_outbound_row(inbound.openid, reply, status, now))
        touch = inbound.kind != "event"
        with self._mutex:
            self._rows.extend(rows)
            if len(self._rows) > self.max_queued:
                dropped = len(self._rows) - self.max_queued
                del self._rows[:dropped]
                log.error("message log writer behind: %d oldest rows dropped", dropped)
            if touch:
                last = self._touched_at.get(inbound.openid)
                if last is None or (now - last).total_seconds() >= self.touch_every:
                    self._touches[inbound.openid] = now
        self._start()

    def flush(self) -> int:
        """Write everything queued now; return the number of message-log rows written."""
        with self._write_lock:
            with self._mutex:
                rows, self._rows = self._rows, []
                touches, self._touches = self._touches, {}
            if not rows and not touches:
                return 0
            try:
                with self.database.engine.begin() as connection:
                    if rows:
                        connection.execute(_insert_ignoring_duplicates(connection), rows)
                    if touches:
                        connection.execute(_touch_followers(connection), [
                            {"openid": openid, "subscribed": True, "last_message_at": at, "created_at": at}
                            for openid, at in touches.items()])
            except Exception:
                with self._mutex:  # kept for the next try, oldest first
                    self._rows[:0] = rows
                    for openid, at in touches.items():
                        self._touches.setdefault(openid, at)
                raise
            with self._mutex:
                self._touched_at.update(touches)
                if len(self._touched_at) > 200_000:  # forget the oldest half; at worst one extra touch each
                    for openid in list(self._touched_at)[:100_000]:
                        del self._touched_at[openid]
            return len(rows)

    def pending(self) -> int:
        """Rows queued and not yet written."""
        with self._mutex:
            return len(self._rows)

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            self.flush()
        except Exception:
            log.exception("message log: %d rows could not be written at shutdown", self.pending())

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._mutex:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="zgzj-message-log", daemon=True)
                    self._thread.start()
                    atexit.register(self.close)

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.flush_seconds)
            try:
                self.flush()
            except Exception:
                log.exception("message log write failed; %d rows wait for the next try", self.pending())


def _inbound_row(inbound: Inbound, outcome: Outcome | None, status: str, latency_ms: float | None,
                 now: datetime) -> dict:
    reply = outcome.reply if outcome else None
    return {"direction": "in", "openid": inbound.openid, "kind": inbound.kind,
            "event": (inbound.event or "")[:32] or None, "dedup_key": _dedup_key(inbound),
            "text": mask_text(inbound.text)[:2000] or None,
            "intent": outcome.intent if outcome else None, "topic": outcome.topic if outcome else None,
            "score": outcome.score if outcome else None, "outcome": status,
            "reply_kind": reply.kind if reply is not None else None,
            "reply_payload": json.dumps(reply_to_dict(reply), ensure_ascii=False) if reply is not None else None,
            "latency_ms": latency_ms, "created_at": now}


def _outbound_row(openid: str, reply: Reply, status: str, now: datetime) -> dict:
    return {"direction": "out", "openid": openid, "kind": reply.kind, "event": None, "dedup_key": None,
            "text": mask_text(reply.as_text())[:2000], "intent": None, "topic": None, "score": None,
            "outcome": status, "reply_kind": None, "reply_payload": None, "latency_ms": None, "created_at": now}


def _dialect_insert(connection, table):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _insert_ignoring_duplicates(connection):
    # A message claimed in the database during a Redis outage may also be queued here: the first
    # row stays, and one duplicate never costs the rest of the batch.
    return _dialect_insert(connection, MessageLog.__table__).on_conflict_do_nothing(index_elements=["dedup_key"])


def _touch_followers(connection):
    # One statement for the batch: new followers are created, known ones get the later time.
    table = Follower.__table__
    statement = _dialect_insert(connection, table)
    later = case((table.c.last_message_at.is_(None), statement.excluded.last_message_at),
                 (table.c.last_message_at < statement.excluded.last_message_at, statement.excluded.last_message_at),
                 else_=table.c.last_message_at)
    return statement.on_conflict_do_update(index_elements=["openid"], set_={"last_message_at": later})
