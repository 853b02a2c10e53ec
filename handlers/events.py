"""Follower events: follow, unfollow, menu views, QR scans, locations and delivery reports."""
from __future__ import annotations

from bot.messages import NoReply, Reply, TextReply
from bot.push.reports import on_delivery_report as _push_report, on_subscribe_consent
from bot.stats.channels import welcome_for
from bot.storage import message_log as repo
from bot.turn import Turn
from handlers.checkin import is_check_in, on_door_scan


def on_subscribe(turn: Turn) -> Reply:
    """Record the follower and where they came from; welcome them with what the account can do."""
    message = turn.message
    scene = message.event_key[len("qrscene_"):] if message.event_key.startswith("qrscene_") else None
    repo.record_subscription(turn.services.database, turn.openid, scene, turn.now)
    turn.state.choices = []
    if is_check_in(scene):  # followed at an activity's door: checked in at once
        return on_door_scan(turn)
    # A QR channel may have its own welcome (the poster at a factory gate says what to ask here).
    return TextReply(welcome_for(turn.services.database, scene) or turn.say("welcome"))


def on_unsubscribe(turn: Turn) -> Reply:
    """Mark the follower inactive and keep their history; WeChat shows nothing to them."""
    repo.record_unsubscription(turn.services.database, turn.openid, turn.now)
    return NoReply()


def on_scan(turn: Turn) -> Reply:
    """An existing follower scanned one of our QR codes: remember the scene, greet them."""
    scene = turn.message.event_key or None
    if is_check_in(scene):
        # The door of an activity is not where this follower came from: their channel keeps the credit.
        repo.record_subscription(turn.services.database, turn.openid, None, turn.now)
        return on_door_scan(turn)
    repo.record_subscription(turn.services.database, turn.openid, scene, turn.now)
    return TextReply(turn.say("welcome_back"))


def on_location_event(turn: Turn) -> Reply:
    """WeChat reports the follower's location periodically (when they allowed it)."""
    message = turn.message
    repo.record_location(turn.services.database, turn.openid, message.latitude, message.longitude)
    return NoReply()


def on_location_message(turn: Turn) -> Reply:
    """A location the worker sent as a message: recorded like the periodic event, and acknowledged."""
    on_location_event(turn)
    return TextReply(turn.say("location_received", label=turn.message.label or "已记录"))


def on_delivery_report(turn: Turn) -> Reply:
    """Record WeChat's report on a template or mass send."""
    message = turn.message
    raw = message.raw
    msg_id = raw.get("MsgID") or raw.get("MsgId") or ""
    status = raw.get("Status") or raw.get("ErrorCode") or "unknown"
    detail = None
    if message.event == "masssendjobfinish":
        detail = f"total={raw.get('TotalCount')} sent={raw.get('SentCount')} errors={raw.get('ErrorCount')}"
    repo.record_delivery_report(turn.services.database, msg_id, turn.openid, message.event, status, detail, turn.now)
    for listener in DELIVERY_REPORT_LISTENERS:
        listener(turn)
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
