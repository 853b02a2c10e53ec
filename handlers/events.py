"""Follower events: follow, unfollow, menu views, QR scans, locations and delivery reports."""
from __future__ import annotations

from bot.messages import Inbound, NoReply, Reply, TextReply
from bot.storage import messages as repo
from bot.push.reports import on_delivery_report as _push_report, on_subscribe_consent


def on_subscribe(message: Inbound, ctx) -> Reply:
    """Record the follower and where they came from; welcome them with what the account can do."""
    scene = message.event_key[len("qrscene_"):] if message.event_key.startswith("qrscene_") else None
    repo.record_subscription(ctx.runtime.database, message.openid, scene, ctx.now)
    ctx.state.choices = []
    return TextReply(ctx.runtime.replies.get("welcome"))


def on_unsubscribe(message: Inbound, ctx) -> Reply:
    """Mark the follower inactive and keep their history; WeChat shows nothing to them."""
    repo.record_unsubscription(ctx.runtime.database, message.openid, ctx.now)
    return NoReply()


def on_scan(message: Inbound, ctx) -> Reply:
    """An existing follower scanned one of our QR codes: remember the scene, greet them."""
    repo.record_subscription(ctx.runtime.database, message.openid, message.event_key or None, ctx.now)
    return TextReply(ctx.runtime.replies.get("welcome_back"))


def on_location_event(message: Inbound, ctx) -> Reply:
    """WeChat reports the follower's location periodically (when they allowed it)."""
    repo.record_location(ctx.runtime.database, message.openid, message.latitude, message.longitude)
    return NoReply()


def on_delivery_report(message: Inbound, ctx) -> Reply:
    """Record WeChat's report on a template or mass send."""
    raw = message.raw
    msg_id = raw.get("MsgID") or raw.get("MsgId") or ""
    status = raw.get("Status") or raw.get("ErrorCode") or "unknown"
    detail = None
    if message.event == "massendjobfinish" or message.event == "masssendjobfinish":
        detail = f"total={raw.get('TotalCount')} sent={raw.get('SentCount')} errors={raw.get('ErrorCount')}"
    repo.record_delivery_report(ctx.runtime.database, msg_id, message.openid, message.event, status, detail, ctx.now)
    for listener in DELIVERY_REPORT_LISTENERS:
        listener(message, ctx)
    return NoReply()


# Other domains (the push campaigns) subscribe here to update their own delivery records.
DELIVERY_REPORT_LISTENERS: list = [_push_report]

EVENT_HANDLERS = {
    "subscribe": on_subscribe,
    "unsubscribe": on_unsubscribe,
    "scan": on_scan,
    "location": on_location_event,
    "templatesendjobfinish": on_delivery_report,
    "masssendjobfinish": on_delivery_report,
    "subscribe_msg_sent_event": on_delivery_report,
    "subscribe_msg_popup_event": on_subscribe_consent,
    "subscribe_msg_change_event": on_subscribe_consent,
}
