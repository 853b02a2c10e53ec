"""Tell a worker that something of theirs changed (application approved, ticket answered, place confirmed).

WeChat allows a free-form customer-service message only within 48 hours of the follower's
last message; outside that window the only way to reach them is a template message. This
module picks the channel and never raises: a notification that cannot be delivered is logged
and reported as 'failed', and the business change that triggered it stands.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select

from bot.security import mask_openid
from bot.storage.models import Follower
from bot.wechat.client import OutsideServiceWindow, WeChatError

log = logging.getLogger(__name__)

SERVICE_WINDOW = timedelta(hours=48)
CUSTOMER_SERVICE = "customer_service"
TEMPLATE = "template"
FAILED = "failed"


class Notifier:
    """Sends a worker the news of a change by the channel WeChat allows now; never raises."""

    def __init__(self, database, people, wechat, clock: Callable[[], datetime]):
        self.database = database
        self.people = people  # person -> service-account openid
        self.wechat = wechat
        self.clock = clock

    def send(self, person_id: int, text: str, template_id: str | None, template_data: dict | None,
             url: str | None = None) -> str:
        """Send text to the person's service-account openid; return 'customer_service', 'template' or 'failed'."""
        try:
            openid = self.people.openid(person_id)
        except Exception:  # a notification must never undo the change that caused it
            log.exception("notify: could not resolve person %s", person_id)
            return FAILED
        if not openid:
            log.info("notify: person %s has no service-account openid; nothing sent", person_id)
            return FAILED
        if self.in_service_window(openid):
            try:
                self.wechat.send_text(openid, text)
                return CUSTOMER_SERVICE
            except OutsideServiceWindow:
                pass  # our clock and WeChat's disagree by a little: the template below still reaches them
            except WeChatError as exc:
                log.warning("notify: customer-service message to %s failed: %s", mask_openid(openid), exc)
                return FAILED
            except Exception:
                log.exception("notify: customer-service message to %s failed", mask_openid(openid))
                return FAILED
        if not template_id:
            log.warning("notify: %s is outside the 48-hour window and no template is configured", mask_openid(openid))
            return FAILED
        try:
            self.wechat.send_template(openid, template_id, template_data or {"content": text}, url=url)
            return TEMPLATE
        except WeChatError as exc:
            log.warning("notify: template message to %s failed: %s", mask_openid(openid), exc)
        except Exception:
            log.exception("notify: template message to %s failed", mask_openid(openid))
        return FAILED

    def in_service_window(self, openid: str) -> bool:
        """Did the follower write to us within the last 48 hours (customer-service messages allowed)?"""
        with self.database.session() as session:
            last = session.scalar(select(Follower.last_message_at).where(Follower.openid == openid))
        return last is not None and self.clock() - last < SERVICE_WINDOW
