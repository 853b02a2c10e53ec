"""What WeChat tells us after sending: delivery reports update deliveries; consent events are recorded.

Registered in handlers/events.py: `on_delivery_report` is a DELIVERY_REPORT_LISTENER,
`on_subscribe_consent` handles subscribe_msg_popup_event and subscribe_msg_change_event.
The mini-program records the consent its users give with `record_consent(..., source="miniprogram")`.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.messages import NoReply, Reply
from bot.push.delivery import FAILED, SENT
from bot.storage.models import Campaign, Delivery, SubscribeConsent
from bot.storage.models.base import utcnow

log = logging.getLogger(__name__)


def _entries(raw: dict, root: str) -> list[dict[str, Any]]:
    """The <List> items of a subscribe-message event, however the XML was flattened."""
    for key in (root, f"{root}.List"):
        value = raw.get(key)
        if isinstance(value, list):
            return [v for v in value if isinstance(v, dict)]
        if isinstance(value, dict):
            return [value]
    prefix = f"{root}.List."
    item = {k[len(prefix):]: v for k, v in raw.items() if isinstance(k, str) and k.startswith(prefix)}
    return [item] if item else []


def record_consent(database, openid: str, template_id: str, accepted: bool, source: str,
                   now: datetime | None = None) -> None:
    """Record a subscribe-message consent (one more send allowed) or a refusal (none left)."""
    now = now or utcnow()
    status = "accept" if accepted else "reject"
    for _attempt in range(2):  # two first consents of one follower may race on the unique key
        try:
            with database.session() as session:
                row = session.scalar(select(SubscribeConsent).where(
                    SubscribeConsent.openid == openid, SubscribeConsent.template_id == template_id))
                if row is None:
                    session.add(SubscribeConsent(openid=openid, template_id=template_id, remaining=1 if accepted else 0,
                                                 last_status=status, source=source, updated_at=now))
                else:
                    row.remaining = row.remaining + 1 if accepted else 0
                    row.last_status, row.source, row.updated_at = status, source, now
            return
        except IntegrityError:
            continue


def on_subscribe_consent(turn) -> Reply:
    """subscribe_msg_popup_event / subscribe_msg_change_event: record what the follower chose."""
    message = turn.message
    root = "SubscribeMsgPopupEvent" if message.event == "subscribe_msg_popup_event" else "SubscribeMsgChangeEvent"
    for entry in _entries(message.raw, root):
        template_id = entry.get("TemplateId")
        status = (entry.get("SubscribeStatusString") or "").lower()
        if template_id and status in ("accept", "reject"):
            record_consent(turn.services.database, message.openid, template_id, status == "accept", "popup", turn.now)
    return NoReply()


def on_delivery_report(turn) -> None:
    """Update deliveries and campaigns from TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH and subscribe reports."""
    message = turn.message
    database, raw = turn.services.database, message.raw
    if message.event == "templatesendjobfinish":
        msg_id, status = raw.get("MsgID") or raw.get("MsgId"), (raw.get("Status") or "")
        if msg_id:
            _report_delivery(database, Delivery.wechat_msg_id == str(msg_id), status)
    elif message.event == "masssendjobfinish":
        msg_id = raw.get("MsgID") or raw.get("MsgId")
        if not msg_id:
            return
        with database.session() as session:
            session.execute(update(Campaign).where(Campaign.wechat_msg_id == str(msg_id)).values(
                report_total=_int(raw.get("TotalCount")), report_sent=_int(raw.get("SentCount")),
                report_failed=_int(raw.get("ErrorCount")), updated_at=turn.now))
            session.execute(update(Delivery).where(Delivery.wechat_msg_id == str(msg_id))
                            .values(report=(raw.get("Status") or "")[:64]))
    elif message.event == "subscribe_msg_sent_event":
        for entry in _entries(raw, "SubscribeMsgSentEvent"):
            errcode = _int(entry.get("ErrorCode"))
            if errcode:
                _report_subscribe_failure(database, message.openid, entry.get("TemplateId"), errcode,
                                          entry.get("ErrorStatus") or "failed")


def _report_delivery(database, condition, status: str) -> None:
    with database.session() as session:
        session.execute(update(Delivery).where(condition).values(report=status[:64]))
        if status and status.lower() != "success":
            reason = "user_block" if "block" in status.lower() else "system_failed"
            session.execute(update(Delivery).where(condition, Delivery.status == SENT)
                            .values(status=FAILED, reason=reason))


def _report_subscribe_failure(database, openid: str, template_id: str | None, errcode: int, status: str) -> None:
    with database.session() as session:
        query = (select(Delivery.id).join(Campaign, Campaign.id == Delivery.campaign_id)
                 .where(Delivery.openid == openid, Delivery.status == SENT, Campaign.channel == "subscribe")
                 .order_by(Delivery.sent_at.desc()).limit(1))
        delivery_id = session.scalar(query)
        if delivery_id is not None:
            session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
                status=FAILED, errcode=errcode, reason="no_consent" if errcode == 43101 else "system_failed",
                report=status[:64]))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
