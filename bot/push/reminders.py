"""Reminders: the day before an activity, the people signed up for it get a template message.

One reminder campaign per activity (its dedup_key), one delivery per person: however often
the job runs, nobody is reminded twice of the same activity.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot.push import campaigns
from bot.services.activities import activities_starting_between

log = logging.getLogger(__name__)


def tomorrow(now_utc: datetime) -> tuple[datetime, datetime]:
    """Start and end (naive UTC) of tomorrow in Asia/Shanghai."""
    local = campaigns.to_local(now_utc)
    start = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return campaigns.to_utc(start), campaigns.to_utc(start + timedelta(days=1))


def send_reminders(runtime, dispatcher=None, now: datetime | None = None) -> list[int]:
    """Create and start a reminder campaign for each activity starting tomorrow; return their ids."""
    now = now or runtime.clock()
    start, end = tomorrow(now)
    started = []
    for activity_id, title, starts_at, place in activities_starting_between(runtime.database, start, end):
        key = f"reminder:activity:{activity_id}"
        when = campaigns.local_text(starts_at)
        data = {"first": "您报名的活动明天开始", "keyword1": title, "keyword2": when, "keyword3": place or "",
                "remark": "请准时参加。如不能参加，请在小程序中取消报名。"}
        try:
            campaign = campaigns.create(
                runtime, title=f"活动提醒：{title}", text=f"您报名的活动「{title}」将于 {when} 在 {place or '活动地点'}开始。",
                channel="template", audience=f"activity:{activity_id}", at=now, payload={"data": data},
                created_by="reminders", dedup_key=key, check_quotas=False)
        except campaigns.CampaignError as exc:
            log.warning("reminder for activity %s not created: %s", activity_id, exc)
            continue
        except IntegrityError:  # the unique dedup_key: this activity's reminder exists already
            continue
        if campaigns.start(runtime, campaign.id, dispatcher) is not None:
            started.append(campaign.id)
    return started


def send_reminders_job() -> None:
    """The scheduler's daily reminder job."""
    from bot.push.scheduler import active

    service = active()
    ids = send_reminders(service.runtime, service.dispatcher)
    log.info("activity reminders: %d campaign(s) started", len(ids))
