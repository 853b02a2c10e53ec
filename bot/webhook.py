"""The WeChat endpoint: verify -> parse -> dedup -> dispatch -> render. Nothing else.

WeChat waits 5 seconds for an answer and then retries the same message up to three times.
Each message is claimed once (by MsgId, or follower + time + event), so a retry is never processed
twice and gets the reply of the first delivery. With Redis (webhook.message_log: batched) the claim
is a SET NX in the store and the first reply is kept there for the retry window; the message log
and the followers' last-message times are written behind the reply, in batches
(message_log.MessageLogWriter), and the handler runs inline while this process's handlers are
quick. Without Redis, or while it is down, the message is claimed and finished in the database.
A handler that runs past the deadline keeps running; the worker then gets its reply by
customer-service message, and if that fails the reply is kept (bot/late_replies.py): retried
later, or brought by the worker's next message.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections import deque
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint, Response, current_app, request
from wechatpy import replies as wx_replies

from bot import dialogue, late_replies
from bot.messages import (DeferredReply, Inbound, NewsReply, NoReply, Outcome, Reply, TextReply,
                          TransferToAgentReply, reply_from_dict)
from bot.security import mask_openid
from bot.storage import message_log as message_log
from bot.storage.message_log import dedup_key_of as _dedup_key_of
from bot.kv_store import StoreUnavailable
from bot.wechat.envelope import Envelope, EnvelopeError, Malformed, Replayed

log = logging.getLogger(__name__)

blueprint = Blueprint("wechat", __name__)


def init_app(app) -> None:
    """Register the /wechat endpoint."""
    config = app.extensions["zgzj"].config
    app.extensions["zgzj.envelope"] = Envelope(
        config.wechat_token, config.wechat_app_id,
        [config.wechat_encoding_aes_key, config.wechat_previous_encoding_aes_key],
        replay_window=config.wechat_replay_window_seconds)
    app.register_blueprint(blueprint)


@blueprint.get("/wechat")
def verify_server():
    """WeChat's server verification when the URL is configured in the admin console."""
    try:
        echostr = current_app.extensions["zgzj.envelope"].verify_server(request.args)
    except EnvelopeError as exc:
        log.warning("server verification refused: %s", exc)
        return Response("forbidden", exc.status, mimetype="text/plain")
    return Response(echostr, 200, mimetype="text/plain")


@blueprint.post("/wechat")
def receive():
    """A message or event from a follower."""
    runtime = current_app.extensions["zgzj"]
    status, body = handle_callback(runtime, current_app.extensions["zgzj.envelope"],
                                   request.args.to_dict(), request.get_data(cache=False))
    return Response(body, status, mimetype="application/xml" if body.startswith("<") else "text/plain")


def handle_callback(runtime, envelope: Envelope, args: dict, body: bytes) -> tuple[int, str]:
    """Process one callback; return the HTTP status and body to give WeChat."""
    try:
        opened = envelope.open(args, body)
        _refuse_replayed_nonce(runtime, envelope, opened.nonce, opened.timestamp, body)
        inbound = to_inbound(opened.fields)
    except EnvelopeError as exc:
        log.warning("callback refused (%s): %s", exc.status, exc)
        return exc.status, ""
    reply = deliver(runtime, inbound)
    xml = render(reply, inbound.openid, opened.fields.get("ToUserName", ""))
    if not xml:
        return 200, "success"
    return 200, envelope.seal(xml, opened.mode, opened.nonce)


def _refuse_replayed_nonce(runtime, envelope: Envelope, nonce: str, timestamp: str, body: bytes) -> None:
    # A nonce seen before with a different body is a replay. The same nonce with the same
    # body is a resend of one request: let it through so dedup answers it with the same reply.
    digest = hashlib.sha256(body).hexdigest()[:32]
    key = f"nonce:{nonce}:{timestamp}"
    try:
        if not runtime.store.set(key, digest, ttl=envelope.replay_window * 2, only_if_absent=True):
            if runtime.store.get(key) != digest:
                raise Replayed("nonce already used")
    except StoreUnavailable as exc:
        log.warning("nonce check skipped, store unavailable: %s", exc)


# WeChat's documented sizes (openids are 28 characters, event keys at most 128 bytes, scene
# strings 64, text messages a few thousand characters). Longer values are cut, with a log line,
# so that a signed message is answered rather than failing on a column that is too narrow.
FIELD_LIMITS = {"ToUserName": 64, "MsgId": 64, "MsgType": 16, "Event": 32, "EventKey": 128, "MediaId": 128,
                "Content": 4000, "Recognition": 4000, "PicUrl": 1024, "Url": 1024, "Title": 256, "Label": 256,
                "Location_X": 32, "Location_Y": 32, "Latitude": 32, "Longitude": 32, "Status": 64, "MsgID": 64}
OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _within_limits(fields: dict[str, str]) -> dict[str, str]:
    cut = {}
    for name, value in fields.items():
        limit = FIELD_LIMITS.get(name, 4000)
        if isinstance(value, str) and len(value) > limit:
            log.warning("callback field %s cut from %d to %d characters", name, len(value), limit)
            value = value[:limit]
        cut[name] = value
    return cut


def to_inbound(fields: dict[str, str]) -> Inbound:
    """Turn the XML fields of a callback into an Inbound; raise Malformed."""
    fields = _within_limits(fields)
    openid, msg_type = fields.get("FromUserName"), (fields.get("MsgType") or "").lower()
    if not openid or not msg_type:
        raise Malformed("FromUserName or MsgType missing")
    if not OPENID.fullmatch(openid):
        raise Malformed("FromUserName is not an openid")
    try:
        create_time = int(fields.get("CreateTime") or 0)
    except ValueError:
        raise Malformed("CreateTime is not a number") from None
    if not 0 <= create_time < 2**40:
        raise Malformed("CreateTime out of range")
    common = dict(openid=openid, msg_id=fields.get("MsgId") or "", create_time=create_time, raw=fields)
    if msg_type == "text":
        return Inbound(kind="text", text=fields.get("Content", ""), **common)
    if msg_type == "voice":
        return Inbound(kind="voice", text=fields.get("Recognition", ""), media_id=fields.get("MediaId", ""), **common)
    if msg_type == "image":
        return Inbound(kind="image", picture_url=fields.get("PicUrl", ""), media_id=fields.get("MediaId", ""), **common)
    if msg_type == "location":
        return Inbound(kind="location", latitude=_float(fields.get("Location_X")),
                       longitude=_float(fields.get("Location_Y")), label=fields.get("Label", ""), **common)
    if msg_type == "link":
        return Inbound(kind="link", text=fields.get("Title", ""), link_url=fields.get("Url", ""), **common)
    if msg_type == "event":
        event = (fields.get("Event") or "").lower()
        return Inbound(kind="event", event=event, event_key=fields.get("EventKey", ""),
                       latitude=_float(fields.get("Latitude")), longitude=_float(fields.get("Longitude")), **common)
    return Inbound(kind="unknown", **common)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def deliver(runtime, inbound: Inbound) -> Reply:
    """Process a message once, within WeChat's deadline; a retry gets the first reply."""
    started = time.perf_counter()
    if runtime.batched_message_log:
        try:
            first = runtime.recent_replies.claim(inbound)
        except StoreUnavailable as exc:  # the database's unique key still recognises retries
            log.warning("store unavailable; claiming the message of %s in the database: %s",
                        mask_openid(inbound.openid), exc)
        else:
            return _deliver_batched(runtime, inbound, started) if first else _replay_recent(runtime, inbound)
    return _deliver_inline(runtime, inbound, started)


class HandlerPace:
    """How long this process's recent handlers took: run inline while they are quick, on the pool when not."""

    def __init__(self, size: int = 32) -> None:
        self._seconds: deque[float] = deque(maxlen=size)

    def record(self, seconds: float) -> None:
        """Note one handler's duration."""
        self._seconds.append(seconds)

    def slow(self, threshold: float) -> bool:
        """True when one of the recent handlers took longer than threshold seconds."""
        return any(seconds > threshold for seconds in list(self._seconds))


# Inline while every recent handler took less than this share of the deadline: a handler that then
# passes the deadline is rare, and is still answered by customer-service message (below).
INLINE_WHILE_UNDER = 0.25


def _deliver_batched(runtime, inbound: Inbound, started: float) -> Reply:
    """The message is claimed in the store: answer it, keep the reply for retries, log it behind."""
    deadline = runtime.config.wechat_reply_deadline_seconds
    pace: HandlerPace = runtime.handler_pace
    if pace.slow(deadline * INLINE_WHILE_UNDER):
        # Handlers are slow in this process right now: the pool lets the request answer at the deadline.
        began = time.perf_counter()
        future = runtime.background.submit(_process, runtime, inbound)
        future.add_done_callback(lambda _f: pace.record(time.perf_counter() - began))
        try:
            outcome, status = future.result(timeout=deadline)
        except FutureTimeout:
            log.warning("handler for %s passed the reply deadline; the reply follows by customer-service message",
                        mask_openid(inbound.openid))
            _remember(runtime, inbound, "late", None)
            future.add_done_callback(lambda f: _finish_late(runtime, None, inbound, f, started))
            return NoReply()
    else:
        # No thread hop. Should this one pass the deadline after all, WeChat's retries find it still
        # processing and get 'success', and the worker gets the reply by customer-service message.
        began = time.perf_counter()
        outcome, status = _process(runtime, inbound)
        pace.record(time.perf_counter() - began)
        if time.perf_counter() - started > deadline:
            log.warning("handler for %s passed the reply deadline; the reply follows by customer-service message",
                        mask_openid(inbound.openid))
            _remember(runtime, inbound, "late", None)
            _complete_late(runtime, None, inbound, outcome, started)
            return NoReply()

    if isinstance(outcome.reply, DeferredReply):
        _remember(runtime, inbound, "deferred", None)
        _finish(runtime, None, inbound, Outcome(NoReply(), outcome.intent, outcome.topic, outcome.score),
                "deferred", started)
        runtime.background.submit(_run_deferred, runtime, None, inbound, outcome.reply.job)
        return NoReply()
    reply = late_replies.with_owed(runtime, inbound.openid, outcome.reply)
    if reply is not outcome.reply:
        outcome = Outcome(reply, outcome.intent, outcome.topic, outcome.score)
    _remember(runtime, inbound, status, reply)
    runtime.message_log_writer.add_exchange(inbound, outcome, status, (time.perf_counter() - started) * 1000,
                                            runtime.clock())
    return reply


def _remember(runtime, inbound: Inbound, status: str, reply: Reply | None) -> None:
    try:
        runtime.recent_replies.remember(inbound, status, reply)
    except StoreUnavailable as exc:  # a retry then waits for the first delivery and gets 'success'
        log.warning("could not keep the reply to %s for WeChat's retries: %s", mask_openid(inbound.openid), exc)


def _replay_recent(runtime, inbound: Inbound) -> Reply:
    """Answer a WeChat retry with the first delivery's reply, kept in the store."""
    deadline = time.monotonic() + min(2.0, runtime.config.wechat_reply_deadline_seconds)
    try:
        first = runtime.recent_replies.recall(inbound)
        while first is not None and first[0] == runtime.recent_replies.PROCESSING and time.monotonic() < deadline:
            time.sleep(0.05)  # the first delivery is still being answered
            first = runtime.recent_replies.recall(inbound)
    except StoreUnavailable:
        return NoReply()
    if first is not None and first[0] in ("replied", "error") and first[1]:
        return reply_from_dict(first[1])
    return NoReply()  # late or deferred: the reply goes out by customer-service message


def _deliver_inline(runtime, inbound: Inbound, started: float) -> Reply:
    """The message is claimed and finished in the database (embedded default, or the store is down)."""
    try:
        row_id, first = message_log.claim_inbound(runtime.database, inbound, runtime.clock())
    except Exception:
        log.exception("message log unavailable; answering %s without dedup", mask_openid(inbound.openid))
        return _fallback(runtime)
    if row_id is None:
        return _replay(runtime, first)

    future = runtime.background.submit(_process, runtime, inbound)
    try:
        outcome, status = future.result(timeout=runtime.config.wechat_reply_deadline_seconds)
    except FutureTimeout:
        log.warning("handler for %s passed the reply deadline; the reply follows by customer-service message",
                    mask_openid(inbound.openid))
        message_log.set_outcome(runtime.database, row_id, "late")
        future.add_done_callback(lambda f: _finish_late(runtime, row_id, inbound, f, started))
        return NoReply()

    if isinstance(outcome.reply, DeferredReply):
        job = outcome.reply.job
        _finish(runtime, row_id, inbound, Outcome(NoReply(), outcome.intent, outcome.topic, outcome.score),
                "deferred", started)
        runtime.background.submit(_run_deferred, runtime, row_id, inbound, job)
        return NoReply()
    reply = late_replies.with_owed(runtime, inbound.openid, outcome.reply)
    if reply is not outcome.reply:
        outcome = Outcome(reply, outcome.intent, outcome.topic, outcome.score)
    _finish(runtime, row_id, inbound, outcome, status, started)
    return outcome.reply


def _process(runtime, inbound: Inbound) -> tuple[Outcome, str]:
    try:
        return dialogue.respond(runtime, inbound), "replied"
    except Exception:
        log.exception("handler failed for %s (%s %s)", mask_openid(inbound.openid), inbound.kind, inbound.event)
        return Outcome(TextReply(runtime.replies.get("handler_error")), intent="error"), "error"


def _finish(runtime, row_id: int | None, inbound: Inbound, outcome: Outcome, status: str, started: float) -> None:
    latency_ms = (time.perf_counter() - started) * 1000
    if row_id is None:  # claimed in the store: the whole row is written behind, in a batch
        runtime.message_log_writer.add_exchange(inbound, outcome, status, latency_ms, runtime.clock())
        return
    # Tried twice: a connection cut under us is replaced by the pool (pre-ping) on the second try.
    # A row still 'processing' after both is reclaimed by the scheduler (message_log.reclaim_stale).
    for attempt in (1, 2):
        try:
            message_log.finish_inbound(runtime.database, row_id, inbound.openid, outcome, status, latency_ms,
                                       runtime.clock())
            return
        except Exception:
            if attempt == 2:
                log.exception("could not record the reply to message %s", row_id)


def _replay(runtime, first) -> Reply:
    """Answer a WeChat retry with the reply of the first delivery."""
    if first is None:
        return NoReply()
    deadline = time.monotonic() + min(2.0, runtime.config.wechat_reply_deadline_seconds)
    while first.outcome == "processing" and time.monotonic() < deadline:
        time.sleep(0.1)  # the first delivery is still being answered
        first = message_log.load_inbound(runtime.database, first.id) or first
    if first.outcome in ("replied", "error") and first.reply_payload:
        return reply_from_dict(json.loads(first.reply_payload))
    return NoReply()  # late or deferred: the reply goes out by customer-service message


def _finish_late(runtime, row_id: int | None, inbound: Inbound, future, started: float) -> None:
    outcome, _status = future.result()  # _process never raises
    _complete_late(runtime, row_id, inbound, outcome, started)


def _complete_late(runtime, row_id: int | None, inbound: Inbound, outcome: Outcome, started: float) -> None:
    """Send a reply that missed the deadline by customer-service message (or keep it owed), and log it."""
    reply = outcome.reply
    if isinstance(reply, DeferredReply) and row_id is None:  # as on time: the row is written before the job
        _finish(runtime, None, inbound, Outcome(NoReply(), outcome.intent, outcome.topic, outcome.score),
                "deferred", started)
        _run_deferred(runtime, None, inbound, reply.job)
        return
    if isinstance(reply, DeferredReply):
        reply = _run_job(runtime, inbound, reply.job)
    sent = _send_or_owe(runtime, row_id, inbound.openid, reply)
    _finish(runtime, row_id, inbound, Outcome(reply, outcome.intent, outcome.topic, outcome.score),
            "sent_late" if sent else "late_send_failed", started)


def _run_job(runtime, inbound: Inbound, job) -> Reply:
    try:
        return job()
    except Exception:  # the worker still hears from us, staff get the trace
        log.exception("deferred work failed for %s", mask_openid(inbound.openid))
        return TextReply(runtime.replies.get("handler_error"))


def _run_deferred(runtime, row_id: int | None, inbound: Inbound, job) -> None:
    if row_id is None:
        # The row was queued: write it (and this follower's earlier ones) before the job runs, so that
        # an erasure of the worker's data erases them too rather than being followed by them.
        try:
            runtime.message_log_writer.flush()
        except Exception:
            log.exception("message log not written before deferred work for %s", mask_openid(inbound.openid))
    reply = _run_job(runtime, inbound, job)
    sent = _send_or_owe(runtime, row_id, inbound.openid, reply)
    status = "sent_deferred" if sent else "deferred_send_failed"
    if row_id is None:
        message_log.set_outcome_of(runtime.database, _dedup_key_of(inbound), status)
    else:
        message_log.set_outcome(runtime.database, row_id, status)


def _send_or_owe(runtime, row_id: int | None, openid: str, reply: Reply) -> bool:
    """Send a late reply; when it cannot be sent, keep it for a later try or the worker's next message."""
    result = deliver_by_customer_service(runtime, openid, reply)
    if result != "sent":
        try:
            late_replies.owe(runtime.database, openid, row_id, reply, runtime.clock(), f"customer service {result}",
                             resend=result == "failed", store=runtime.store)
        except Exception:
            log.exception("late reply to %s lost: could not keep it", mask_openid(openid))
    return result == "sent"


def send_by_customer_service(runtime, openid: str, reply: Reply) -> bool:
    """Send a reply outside the webhook response (customer-service message API, 48-hour window)."""
    return deliver_by_customer_service(runtime, openid, reply) == "sent"


def deliver_by_customer_service(runtime, openid: str, reply: Reply) -> str:
    """Send a reply by customer-service message: 'sent', 'failed' or 'unknown' (timed out, may have arrived)."""
    from bot.wechat.client import WeChatError, WeChatTimeout

    try:
        if isinstance(reply, TextReply):
            runtime.wechat.send_text(openid, reply.text)
        elif isinstance(reply, NewsReply):
            articles = [{"title": a.title, "description": a.description, "url": a.url, "picurl": a.image}
                        for a in reply.articles]
            runtime.wechat.send_custom_message(openid, "news", {"articles": articles[:1]})
        else:
            return "sent"
    except WeChatTimeout as exc:
        log.warning("customer-service message to %s timed out (may have arrived): %s", mask_openid(openid), exc)
        return "unknown"
    except WeChatError as exc:
        log.warning("customer-service message to %s failed: %s", mask_openid(openid), exc)
        return "failed"
    message_log.record_outbound(runtime.database, openid, reply, "sent", runtime.clock())
    return "sent"


def _fallback(runtime) -> Reply:
    try:
        return TextReply(runtime.replies.get("handler_error"))
    except Exception:  # even the content is unreadable: WeChat still gets an answer
        return TextReply("抱歉，系统繁忙，请稍后再试，或拨打职工服务热线 12351。")


def render(reply: Reply, openid: str, account_id: str) -> str:
    """Render a reply as WeChat's passive-reply XML; empty for NoReply."""
    if isinstance(reply, TextReply):
        return wx_replies.TextReply(source=account_id, target=openid, content=reply.text).render()
    if isinstance(reply, NewsReply):
        articles = [{"title": a.title, "description": a.description, "image": a.image, "url": a.url}
                    for a in reply.articles[:8]]
        return wx_replies.ArticlesReply(source=account_id, target=openid, articles=articles).render()
    if isinstance(reply, TransferToAgentReply):
        return wx_replies.TransferCustomerServiceReply(source=account_id, target=openid,
                                                       account=reply.account or None).render()
    return ""
