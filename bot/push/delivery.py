"""Delivery: one record per recipient, claimed in leased batches, sent once, every outcome recorded.

A campaign's recipients become `push_deliveries` rows (unique per campaign and openid)
before anything is sent. Workers claim pending rows in batches with a lease: on
PostgreSQL with SELECT ... FOR UPDATE SKIP LOCKED, on SQLite with one UPDATE statement
(SQLite runs one writer at a time, which makes the claim atomic). A worker that dies
leaves its rows pending; once the lease expires any worker claims them again. Each worker
sends concurrently from a thread pool under the shared rate limit and records results in
small groups, so a crash repeats at most the sends in flight; those carry WeChat's
idempotency key (client_msg_id, clientmsgid) so WeChat itself drops the repeat.

WeChat-side failures (system busy, quota, unreachable) are retried a few times at once, then
the delivery stays pending with a `retry_at` that backs off over hours (RETRY_AFTER): a long
WeChat outage delays a campaign, it does not fail it. A customer-service or subscribe message
whose call timed out may have been delivered and WeChat offers no idempotency key for them:
it is recorded as `unknown`, shown in the report, and never sent again on its own.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import random
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timedelta
from typing import Callable, Iterable

from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies
from sqlalchemy import Integer, String, bindparam, column, func, literal, or_, select, update, values

from bot.push.audience import STREAM_CHUNK, Audience, followers_query, openids, parse
from bot.push.ratelimit import bucket_for
from bot.storage.models import Campaign, Delivery, Follower, SubscribeConsent
from bot.wechat.client import (TRANSIENT_ERRORS, AccessTokenInvalid, FollowerUnsubscribed, NoSubscribeConsent,
                               OutsideServiceWindow, WeChatError, WeChatTimeout)

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, SKIPPED, UNKNOWN = "pending", "sent", "failed", "skipped", "unknown"
STATUSES = (PENDING, SENT, FAILED, SKIPPED, UNKNOWN)
# Waits before each later try of a delivery WeChat could not take (about seven hours in all);
# past the last one the delivery fails as "gave_up" and `campaigns retry --reason gave_up` can send it again.
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=30),
               timedelta(hours=1), timedelta(hours=2), timedelta(hours=3))
# Channels where WeChat drops a repeat of the same message (client_msg_id, clientmsgid): a timeout may be retried.
IDEMPOTENT_CHANNELS = ("template", "mass")
RETRYABLE_REASONS = ("gave_up", "retrying")  # what `campaigns resume` sends again; never timeout_unknown
SERVICE_WINDOW = timedelta(hours=48)
DUPLICATE_CLIENTMSGID = 45065  # WeChat refused a repeat of a mass send: the first one went out
MASS_OPENIDS_MAX = 10000  # WeChat's limit of openids per mass/send call
MASS_OPENIDS_MIN = 2  # ... and its least

# Reasons a recipient was skipped or failed, in words for editors.
REASONS = {
    "outside_48h": "超过 48 小时未互动，客服消息无法送达",
    "no_consent": "未同意接收订阅消息",
    "unsubscribed": "已取消关注",
    "gave_up": "多次重试仍失败",
    "retrying": "微信暂时无法发送，稍后自动重试",
    "timeout_unknown": "微信超时未答复，可能已送达，未自动重发",
    "wechat_error": "微信返回错误",
    "campaign_cancelled": "推送已取消",
    "user_block": "用户拒收（微信送达报告）",
    "system_failed": "微信发送失败（微信送达报告）",
    "fallback_customer": "未同意订阅通知，已改发客服消息",
    "duplicate_refused": "重复群发被微信拒绝（此前已发出）",
    "mass_needs_two": "按名单群发每次至少 2 人，最后剩下的 1 人无法单独群发",
}


def worker_name() -> str:
    """A name for this process's claims: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _insert(database):
    if database.is_sqlite:
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    return insert


# ---- materialise the audience --------------------------------------------------------------

def materialize(runtime, campaign_id: int, audience: Audience | str) -> int:
    """Create one pending delivery per recipient (idempotent); return the number of rows."""
    audience = parse(audience, runtime.places) if isinstance(audience, str) else audience
    insert = _insert(runtime.database)
    table = Delivery.__table__
    followers = followers_query(audience)
    if followers is not None:
        # Our own followers: one INSERT ... SELECT inside the database, nothing through Python.
        # (The WHERE it always has also keeps SQLite from misreading ON CONFLICT after a SELECT.)
        source = followers.with_only_columns(literal(campaign_id), followers.selected_columns[0],
                                             literal(PENDING), literal(0))
        statement = insert(table).from_select(["campaign_id", "openid", "status", "attempts"], source)
        with runtime.database.engine.begin() as connection:
            connection.execute(statement.on_conflict_do_nothing(index_elements=["campaign_id", "openid"]))
    else:
        # Another domain's audience, streamed from its iterator and written a chunk at a time.
        statement = insert(table).on_conflict_do_nothing(index_elements=["campaign_id", "openid"])
        chunk: list[dict] = []
        for openid in openids(runtime, audience):
            chunk.append({"campaign_id": campaign_id, "openid": openid, "status": PENDING, "attempts": 0})
            if len(chunk) >= STREAM_CHUNK:
                _insert_chunk(runtime.database, statement, chunk)
                chunk = []
        if chunk:
            _insert_chunk(runtime.database, statement, chunk)
    with runtime.database.session() as session:
        total = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.campaign_id == campaign_id))
        session.execute(update(Campaign).where(Campaign.id == campaign_id).values(
            materialized_at=runtime.clock(), audience_size=total))
    return int(total or 0)


def _insert_chunk(database, statement, rows: list[dict]) -> None:
    with database.engine.begin() as connection:
        connection.execute(statement, rows)


# ---- claim ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    """One claimed delivery."""

    id: int
    openid: str
    attempts: int


def claim(database, campaign_id: int, owner: str, limit: int, lease_seconds: float, now: datetime) -> list[Claimed]:
    """Lease up to `limit` pending deliveries whose lease is free or expired; none unless it is sending."""
    table = Delivery.__table__
    campaigns = Campaign.__table__
    sending = select(campaigns.c.id).where(campaigns.c.id == campaign_id, campaigns.c.state == "sending").exists()
    claimable = (select(table.c.id)
                 .where(table.c.campaign_id == campaign_id, table.c.status == PENDING,
                        or_(table.c.lease_until.is_(None), table.c.lease_until < now),
                        or_(table.c.retry_at.is_(None), table.c.retry_at <= now), sending)
                 .order_by(table.c.id).limit(limit))
    if not database.is_sqlite:
        claimable = claimable.with_for_update(skip_locked=True)
    statement = (update(table)
                 .where(table.c.id.in_(claimable.scalar_subquery()))
                 .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds),
                         attempts=table.c.attempts + 1)
                 .returning(table.c.id, table.c.openid, table.c.attempts))
    with database.engine.begin() as connection:
        rows = connection.execute(statement).all()
    return sorted((Claimed(r[0], r[1], r[2]) for r in rows), key=lambda c: c.id)


def renew(database, campaign_id: int, owner: str, lease_seconds: float, now: datetime) -> int:
    """Extend the lease of every pending delivery this worker holds; return how many."""
    table = Delivery.__table__
    with database.engine.begin() as connection:
        return connection.execute(update(table).where(
            table.c.campaign_id == campaign_id, table.c.lease_owner == owner, table.c.status == PENDING,
            table.c.lease_until.is_not(None)).values(lease_until=now + timedelta(seconds=lease_seconds))).rowcount


def release(database, delivery_ids: list[int]) -> None:
    """Give back leased deliveries that were not sent (the campaign was paused or cancelled)."""
    table = Delivery.__table__
    with database.engine.begin() as connection:
        connection.execute(update(table).where(table.c.id.in_(delivery_ids), table.c.status == PENDING)
                           .values(lease_owner=None, lease_until=None))


# ---- send ----------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What happened to one delivery."""

    id: int
    openid: str
    status: str
    errcode: int | None = None
    reason: str | None = None
    msg_id: str | None = None
    consent_used: bool = False
    retry_at: datetime | None = None


def message_text(campaign: Campaign) -> str:
    """The plain text a follower reads for mass and customer-service sends."""
    return f"【{campaign.title}】\n{campaign.text}" if campaign.title else campaign.text


def payload(campaign: Campaign) -> dict:
    """The campaign's extra fields (template data, url) as a dict."""
    return json.loads(campaign.payload) if campaign.payload else {}


def template_message(campaign: Campaign, config) -> tuple[str, dict, str | None]:
    """Template id, data and url of a template-message campaign."""
    extra = payload(campaign)
    template_id = extra.get("template_id") or config.push_template_id_activity_notice
    data = extra.get("data") or {"first": campaign.title, "keyword1": campaign.title, "remark": campaign.text}
    return template_id, data, extra.get("url")


def subscribe_message(campaign: Campaign, config) -> tuple[str, dict, str | None]:
    """Template id, data and page of a subscribe-message campaign."""
    extra = payload(campaign)
    template_id = extra.get("template_id") or config.push_subscribe_template_id
    data = extra.get("data") or {"thing1": campaign.title[:20], "thing2": campaign.text[:20]}
    return template_id, data, extra.get("page")


def client_msg_id(campaign_id: int, openid: str) -> str:
    """WeChat's idempotency key of one template message: a repeat with it is dropped by WeChat."""
    return "zgzj-" + hashlib.sha1(f"{campaign_id}:{openid}".encode()).hexdigest()[:24]


def mass_clientmsgid(campaign_id: int, part: str = "all") -> str:
    """The clientmsgid of a mass send (or of one part of it), so WeChat refuses a duplicate."""
    return f"zgzj-c{campaign_id}-" + hashlib.sha1(part.encode()).hexdigest()[:16]


class Sender:
    """Sends one campaign's message to one recipient through its channel, retrying transient errors."""

    def __init__(self, runtime, campaign: Campaign, bucket=None) -> None:
        self.runtime = runtime
        self.campaign = campaign
        self.config = runtime.config
        self.wechat = runtime.wechat
        self.bucket = bucket or bucket_for(runtime)
        self.max_attempts = int(self.config.push_max_attempts)
        self.backoff = float(self.config.push_retry_backoff_seconds)
        self.in_window: set[str] = set()  # followers who wrote within 48 hours (customer, fallback)
        self.consented: set[str] = set()  # followers with a subscribe consent left for the template

    def prepare(self, batch: list[Claimed]) -> None:
        """Look up, for a whole batch at once, who is in the 48-hour window and who consented."""
        channel = self.campaign.channel
        if channel not in ("customer", "subscribe"):
            return
        ids = [c.openid for c in batch]
        since = self.runtime.clock() - SERVICE_WINDOW
        # Added to what earlier batches still waiting need; send() forgets each openid when done.
        with self.runtime.database.session() as session:
            self.in_window.update(session.scalars(select(Follower.openid).where(
                Follower.openid.in_(ids), Follower.last_message_at >= since)))
            if channel == "subscribe":
                template_id = subscribe_message(self.campaign, self.config)[0]
                self.consented.update(session.scalars(select(SubscribeConsent.openid).where(
                    SubscribeConsent.openid.in_(ids), SubscribeConsent.template_id == template_id,
                    SubscribeConsent.remaining > 0)))

    def send(self, item: Claimed) -> Outcome:
        """Send to one recipient and say what happened (never raises for a WeChat answer)."""
        try:
            return self._send(item)
        finally:
            self.in_window.discard(item.openid)
            self.consented.discard(item.openid)

    def _send(self, item: Claimed) -> Outcome:
        channel = self.campaign.channel
        if channel == "customer" and item.openid not in self.in_window:
            return Outcome(item.id, item.openid, SKIPPED, reason="outside_48h")
        if channel == "subscribe" and item.openid not in self.consented:
            return Outcome(item.id, item.openid, SKIPPED, reason="no_consent")
        try:
            answer = self._with_retries(lambda: self._call(item.openid), idempotent=channel in IDEMPOTENT_CHANNELS)
        except WeChatTimeout as exc:
            if channel not in IDEMPOTENT_CHANNELS:
                return Outcome(item.id, item.openid, UNKNOWN, exc.errcode, "timeout_unknown")
            return self._later(item, exc)
        except FollowerUnsubscribed as exc:
            return Outcome(item.id, item.openid, FAILED, exc.errcode, "unsubscribed")
        except NoSubscribeConsent as exc:
            return self._no_consent(item, exc)
        except OutsideServiceWindow as exc:
            return Outcome(item.id, item.openid, SKIPPED, exc.errcode, "outside_48h")
        except TRANSIENT_ERRORS + (AccessTokenInvalid,) as exc:
            return self._later(item, exc)
        except WeChatError as exc:
            return Outcome(item.id, item.openid, FAILED, exc.errcode, "wechat_error")
        msg_id = answer.get("msgid") or answer.get("msg_id")
        return Outcome(item.id, item.openid, SENT, msg_id=str(msg_id) if msg_id else None,
                       consent_used=channel == "subscribe")

    def _later(self, item: Claimed, exc: WeChatError) -> Outcome:
        """Keep the delivery pending for a later try (backing off over hours), or give up after the last."""
        if item.attempts > len(RETRY_AFTER):
            return Outcome(item.id, item.openid, FAILED, exc.errcode, "gave_up")
        retry_at = self.runtime.clock() + RETRY_AFTER[item.attempts - 1] * random.uniform(1.0, 1.2)
        return Outcome(item.id, item.openid, PENDING, exc.errcode, "retrying", retry_at=retry_at)

    def _no_consent(self, item: Claimed, exc: WeChatError) -> Outcome:
        # WeChat says the follower did not consent: fall back to a customer-service message
        # when they wrote within 48 hours, otherwise skip them.
        if item.openid in self.in_window:
            try:
                self._with_retries(lambda: self.wechat.send_text(item.openid, message_text(self.campaign)),
                                   idempotent=False)
                return Outcome(item.id, item.openid, SENT, exc.errcode, "fallback_customer")
            except WeChatTimeout as timeout:
                return Outcome(item.id, item.openid, UNKNOWN, timeout.errcode, "timeout_unknown")
            except WeChatError as fallback_error:
                return Outcome(item.id, item.openid, SKIPPED, fallback_error.errcode, "no_consent")
        return Outcome(item.id, item.openid, SKIPPED, exc.errcode, "no_consent")

    @cached_property
    def _message(self):
        channel = self.campaign.channel
        if channel == "template":
            return template_message(self.campaign, self.config)
        if channel == "subscribe":
            return subscribe_message(self.campaign, self.config)
        return message_text(self.campaign)

    def _call(self, openid: str) -> dict:
        campaign, channel = self.campaign, self.campaign.channel
        if channel == "template":
            template_id, data, url = self._message
            return self.wechat.send_template(openid, template_id, data, url=url,
                                             client_msg_id=client_msg_id(campaign.id, openid))
        if channel == "subscribe":
            template_id, data, page = self._message
            return self.wechat.send_subscribe_message(openid, template_id, data, page=page)
        if channel == "customer":
            return self.wechat.send_text(openid, self._message)
        raise ValueError(f"channel {channel} does not send one by one")

    def send_mass_batch(self, batch: list[Claimed]) -> list[Outcome]:
        """Mass-send to a list of openids in one call; a repeat of the same batch is refused by WeChat."""
        if len(batch) < MASS_OPENIDS_MIN:
            # WeChat refuses a list of one (40130); the report says why this one was not sent.
            return [Outcome(c.id, c.openid, SKIPPED, reason="mass_needs_two") for c in batch]
        part = f"{batch[0].id}-{batch[-1].id}-{len(batch)}"
        clientmsgid = mass_clientmsgid(self.campaign.id, part)
        openid_list = [c.openid for c in batch]
        news = json.loads(self.campaign.payload or "{}").get("mpnews_media_id")  # an article: sent as WeChat news
        try:
            answer = self._with_retries(lambda: self.wechat.mass_send_news_to_openids(
                openid_list, news, clientmsgid=clientmsgid) if news else self.wechat.mass_send_to_openids(
                openid_list, message_text(self.campaign), clientmsgid=clientmsgid))
            msg_id, reason = str(answer.get("msg_id") or ""), None
        except WeChatError as exc:
            if exc.errcode != DUPLICATE_CLIENTMSGID:
                if isinstance(exc, TRANSIENT_ERRORS + (AccessTokenInvalid,)):
                    return [self._later(c, exc) for c in batch]
                return [Outcome(c.id, c.openid, FAILED, exc.errcode, "wechat_error") for c in batch]
            msg_id, reason = None, "duplicate_refused"
        return [Outcome(c.id, c.openid, SENT, reason=reason, msg_id=msg_id or None) for c in batch]

    def _with_retries(self, call: Callable[[], dict], idempotent: bool = True) -> dict:
        attempt = 1
        while True:
            self.bucket.acquire()
            try:
                return call()
            except TRANSIENT_ERRORS + (AccessTokenInvalid,) as exc:
                if attempt >= self.max_attempts or (isinstance(exc, WeChatTimeout) and not idempotent):
                    raise
                delay = self.backoff * (2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
                log.info("transient WeChat error %s, retry %d in %.2fs", exc.errcode, attempt, delay)
                time.sleep(delay)
                attempt += 1


# ---- record --------------------------------------------------------------------------------

# Rows still pending, or skipped by a cancel while their message was already on its way.
_RECORDABLE = or_(Delivery.__table__.c.status == PENDING, Delivery.__table__.c.reason == "campaign_cancelled")
_RECORD = (update(Delivery.__table__)
           .where(Delivery.__table__.c.id == bindparam("b_id"), _RECORDABLE)
           .values(status=bindparam("b_status"), errcode=bindparam("b_errcode"), reason=bindparam("b_reason"),
                   wechat_msg_id=bindparam("b_msg_id"), sent_at=bindparam("b_sent_at"),
                   retry_at=bindparam("b_retry_at"), lease_until=None))  # lease_owner stays: which worker sent it


def _record_sent_postgres(connection, sent: list[tuple[int, str | None, str | None]], now: datetime) -> None:
    rows = values(column("id", Integer), column("msg_id", String), column("reason", String), name="sent").data(sent)
    table = Delivery.__table__
    connection.execute(update(table).where(table.c.id == rows.c.id, _RECORDABLE).values(
        status=SENT, wechat_msg_id=rows.c.msg_id, reason=rows.c.reason, errcode=None, sent_at=now,
        retry_at=None, lease_until=None))


def record(runtime, outcomes: Iterable[Outcome], template_id: str | None = None) -> None:
    """Store outcomes; mark followers who left as unsubscribed; use up subscribe consents."""
    outcomes = list(outcomes)
    if not outcomes:
        return
    now = runtime.clock()
    params = [{"b_id": o.id, "b_status": o.status, "b_errcode": o.errcode, "b_reason": o.reason,
               "b_msg_id": o.msg_id, "b_sent_at": now if o.status == SENT else None, "b_retry_at": o.retry_at}
              for o in outcomes]
    gone = [o.openid for o in outcomes if o.reason == "unsubscribed"]
    used = [o.openid for o in outcomes if o.consent_used]
    with runtime.database.engine.begin() as connection:
        if runtime.database.is_sqlite:
            connection.execute(_RECORD, params)
        else:
            # One UPDATE ... FROM (VALUES ...) for the sent ones (nearly all), row by row for the rest.
            sent = [(o.id, o.msg_id, o.reason) for o in outcomes if o.status == SENT and o.errcode is None]
            others = [p for p, o in zip(params, outcomes) if not (o.status == SENT and o.errcode is None)]
            if sent:
                _record_sent_postgres(connection, sent, now)
            if others:
                connection.execute(_RECORD, others)
        if gone:
            connection.execute(update(Follower.__table__).where(Follower.openid.in_(gone))
                               .values(subscribed=False, unsubscribed_at=now))
        if used and template_id:
            consents = SubscribeConsent.__table__
            connection.execute(update(consents).where(
                consents.c.openid.in_(used), consents.c.template_id == template_id, consents.c.remaining > 0)
                .values(remaining=consents.c.remaining - 1))


# ---- the loop every worker runs ----------------------------------------------------------------

def counts(database, campaign_id: int) -> dict[str, int]:
    """Deliveries of a campaign by status: pending, sent, failed, skipped, unknown (timed out)."""
    result = dict.fromkeys(STATUSES, 0)
    with database.session() as session:
        for status, number in session.execute(
                select(Delivery.status, func.count()).where(Delivery.campaign_id == campaign_id)
                .group_by(Delivery.status)):
            result[status] = int(number)
    return result


def next_retry(database, campaign_id: int) -> datetime | None:
    """When the earliest delivery waiting for a later try is due, or None if none waits."""
    with database.session() as session:
        return session.scalar(select(func.min(Delivery.retry_at)).where(
            Delivery.campaign_id == campaign_id, Delivery.status == PENDING, Delivery.retry_at.is_not(None)))


def finish_if_done(runtime, campaign_id: int) -> bool:
    """Mark a sending campaign done when no delivery is pending; return True if it is done."""
    with runtime.database.session() as session:
        pending = session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.campaign_id == campaign_id, Delivery.status == PENDING))
        if pending:
            return False
        session.execute(update(Campaign).where(
            Campaign.id == campaign_id, Campaign.state == "sending", Campaign.materialized_at.is_not(None))
            .values(state="done", finished_at=runtime.clock(), updated_at=runtime.clock()))
        return session.get(Campaign, campaign_id).state == "done"


def _pool_for(runtime, size: int) -> None:
    # Enough kept-alive connections for every sending thread of this process.
    http = runtime.wechat.http
    if getattr(http, "_push_pool_size", 0) >= size:
        return
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=size)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    # Read proxy settings from the environment once, not on every call (requests would also
    # look for a .netrc file each time, a third of its own cost per call).
    if http.trust_env:
        http.proxies.update(get_environ_proxies(runtime.wechat.base_url))
        http.trust_env = False
    http._push_pool_size = size


class _Senders:
    """A fixed set of threads that run `work` on each task put in, outcomes coming back in order done."""

    def __init__(self, size: int, work: Callable[[object], list[Outcome]], name: str) -> None:
        self.work = work
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.results: queue.SimpleQueue = queue.SimpleQueue()
        self.outstanding = 0
        self.threads = [threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True) for i in range(size)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        while True:
            task = self.tasks.get()
            if task is None:
                return
            try:
                self.results.put(self.work(task))
            except Exception as exc:  # handed to the drain loop, which records what it has and re-raises
                self.results.put(exc)

    def submit(self, task) -> None:
        """Queue one task."""
        self.outstanding += 1
        self.tasks.put(task)

    def collect(self, timeout: float) -> list[Outcome]:
        """Outcomes finished so far, waiting up to timeout for the first one."""
        outcomes: list[Outcome] = []
        error: Exception | None = None
        try:
            item = self.results.get(timeout=timeout)
            while True:
                self.outstanding -= 1
                if isinstance(item, Exception):
                    error = item
                else:
                    outcomes.extend(item)
                item = self.results.get_nowait()
        except queue.Empty:
            pass
        if error is not None:
            raise _SendError(outcomes) from error
        return outcomes

    def close(self) -> None:
        """Stop the threads once the tasks queued are done."""
        for _ in self.threads:
            self.tasks.put(None)


class _SendError(RuntimeError):
    """A sending thread failed unexpectedly; carries the outcomes collected with it."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__("sending thread failed")
        self.outcomes = outcomes


def drain(runtime, campaign_id: int, owner: str | None = None,
          progress: Callable[[int], None] | None = None, patience: float | None = None) -> str:
    """Send a campaign's pending deliveries until none is left; return why it stopped.

    Stops with 'done', 'paused' or 'cancelled' (the campaign's state), 'retrying' when only
    deliveries waiting for a later try are left (the scheduler starts a drain again when they
    are due), or 'waiting' when the rows left are leased by another worker for longer than
    `patience` seconds.
    """
    config = runtime.config
    owner = owner or worker_name()
    concurrency = int(config.push_concurrency)
    lease = float(config.push_lease_seconds)
    # A claimed batch must be sent well within its lease, at the shared rate.
    batch_size = max(1, min(int(config.push_batch_size), int(config.push_rate_per_second * lease / 4) or 1))
    patience = lease * 1.5 if patience is None else patience
    _pool_for(runtime, concurrency)
    with runtime.database.session() as session:
        campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return "missing"
    sender = Sender(runtime, campaign)
    template_id = subscribe_message(campaign, config)[0] if campaign.channel == "subscribe" else None

    def work(task) -> list[Outcome]:
        """Send one recipient, or one mass-send batch."""
        return sender.send_mass_batch(task) if isinstance(task, list) else [sender.send(task)]

    senders = _Senders(concurrency, work, f"push-{campaign_id}")
    waiting: deque[Claimed] = deque()  # claimed, not yet handed to a sending thread
    results: list[Outcome] = []
    last_flush, last_check = time.monotonic(), 0.0
    last_renew = time.monotonic()
    idle_since: float | None = None
    state = "sending"

    def flush() -> None:
        """Record the outcomes collected so far."""
        nonlocal results, last_flush
        if results:
            record(runtime, results, template_id)
            if progress:
                progress(len(results))
        results, last_flush = [], time.monotonic()

    try:
        while True:
            if time.monotonic() - last_check >= 1.0:
                last_check = time.monotonic()
                state = _state(runtime, campaign_id)
            if time.monotonic() - last_renew >= lease / 3:
                # Rows wait here for the shared rate; keep them ours while this worker is alive.
                last_renew = time.monotonic()
                if waiting or senders.outstanding:
                    renew(runtime.database, campaign_id, owner, lease, runtime.clock())
            if state != "sending" and waiting:
                release(runtime.database, [c.id for c in waiting])  # paused or cancelled: hand them back
                waiting.clear()
            if state == "sending" and len(waiting) < concurrency and senders.outstanding < concurrency * 2:
                batch = claim(runtime.database, campaign_id, owner, batch_size, lease, runtime.clock())
                if batch:
                    idle_since = None
                    if campaign.channel == "mass":
                        senders.submit(batch[:MASS_OPENIDS_MAX])
                    else:
                        sender.prepare(batch)
                        waiting.extend(batch)
            while waiting and senders.outstanding < concurrency * 2:
                senders.submit(waiting.popleft())
            if senders.outstanding:
                try:
                    results.extend(senders.collect(timeout=0.2))
                except _SendError as exc:
                    results.extend(exc.outcomes)
                    raise
            if len(results) >= 200 or (results and time.monotonic() - last_flush > 0.25) or not senders.outstanding:
                flush()
            if senders.outstanding or waiting:
                continue
            if state != "sending":
                return state
            if finish_if_done(runtime, campaign_id):
                return "done"
            due = next_retry(runtime.database, campaign_id)
            if due is not None and due > runtime.clock():
                # Only later tries are left: the scheduler's sync starts a drain again when they are due.
                claimable = claim(runtime.database, campaign_id, owner, 1, lease, runtime.clock())
                if not claimable:
                    return "retrying"
                sender.prepare(claimable)
                waiting.extend(claimable)
                continue
            # What is left is leased by someone else (maybe a worker that died): wait for the lease.
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > patience:
                return "waiting"
            time.sleep(min(0.5, lease / 4))
            state = _state(runtime, campaign_id)
    finally:
        flush()
        if waiting:
            release(runtime.database, [c.id for c in waiting])
        senders.close()


def _state(runtime, campaign_id: int) -> str:
    with runtime.database.session() as session:
        return session.scalar(select(Campaign.state).where(Campaign.id == campaign_id)) or "missing"
