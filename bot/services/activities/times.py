"""Activity times: stored as naive UTC; workers read and staff type them in China time (Asia/Shanghai)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def to_local(moment: datetime | None) -> datetime | None:
    """China time (naive) of a naive UTC datetime."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(TZ).replace(tzinfo=None)


def from_local(moment: datetime) -> datetime:
    """Naive UTC of a China-time datetime (naive values are taken as China time)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=TZ)
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def iso_local(moment: datetime | None) -> str | None:
    """ISO 8601 in China time with its offset, e.g. 2026-12-01T14:00:00+08:00."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(TZ).isoformat()


def parse_local(text: str) -> datetime:
    """Naive UTC of 'YYYY-MM-DD HH:MM' typed in China time; ValueError with the expected shape."""
    try:
        return from_local(datetime.strptime(text.strip(), "%Y-%m-%d %H:%M"))
    except ValueError:
        raise ValueError(f"时间格式应为 YYYY-MM-DD HH:MM（北京时间），收到 {text!r}") from None


def utc_bound(value: date | datetime | None, end: bool) -> datetime | None:
    """A date is a China-time calendar day (date_to includes the whole day); a datetime is UTC unless aware."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    day = value + timedelta(days=1) if end else value
    return from_local(datetime(day.year, day.month, day.day))
