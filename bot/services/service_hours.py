"""When a human agent answers: the service hours from configuration, in China time.

The hours are written as staff say them, e.g. "周一至周五 09:00-17:30" or
"周一至周五 09:00-12:00 13:30-17:30；周六 09:00-12:00", so an administrator can change them
without reading code. Holidays (YYYY-MM-DD) close the whole day. "无" means no human agent at
all: every 转人工 becomes a callback request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from bot.content import Replies

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving: a fixed offset is exact
NEVER = ("无", "none", "closed", "关闭")
WEEKDAY_NAMES = "一二三四五六日"
_DAY = r"(?:周|星期|礼拜)([一二三四五六日天])"
_RANGE_OF_DAYS = re.compile(_DAY + r"\s*(?:至|到|-|~|—|－)\s*" + _DAY)
_ONE_DAY = re.compile(_DAY)
_TIME_RANGE = re.compile(r"(\d{1,2})[:：](\d{2})\s*(?:-|~|至|到|—|－)\s*(\d{1,2})[:：](\d{2})")
_GROUPS = {"每天": range(7), "每日": range(7), "全天": range(7), "工作日": range(5), "周末": range(5, 7)}


@dataclass(frozen=True)
class Span:
    """Open on one weekday (0 = Monday) from start to end (end may be 24:00, kept as None)."""

    weekday: int
    start: time
    end: time | None


@dataclass(frozen=True)
class ServiceHours:
    """The opening hours of the human agent and the days it is closed."""

    spans: tuple[Span, ...]
    holidays: frozenset[date] = frozenset()
    text: str = ""

    @classmethod
    def from_config(cls, config) -> "ServiceHours":
        """Build from the settings human_agent.hours and human_agent.holidays."""
        text = config.get("human_agent.hours") or ""
        return cls(parse_hours(text), frozenset(config.get("human_agent.holidays") or ()), text.strip())

    def is_open(self, moment: datetime) -> bool:
        """Is a human agent on duty at this naive UTC moment?"""
        local = to_china(moment)
        if local.date() in self.holidays:
            return False
        now = local.time()
        return any(s.weekday == local.weekday() and s.start <= now and (s.end is None or now < s.end)
                   for s in self.spans)

    @property
    def ever_open(self) -> bool:
        """Is there any service time at all (False when configured as 无)?"""
        return bool(self.spans)

    def describe(self, replies: Replies) -> str:
        """The hours as the worker reads them: the configured wording, or replies' 'no hours' sentence."""
        if not self.spans:
            return replies.get("human_agent_no_hours")
        return self.text + (replies.get("human_agent_hours_except_holidays") if self.holidays else "")


def to_china(moment: datetime) -> datetime:
    """The China wall-clock time of a naive UTC datetime."""
    return moment.replace(tzinfo=timezone.utc).astimezone(CHINA).replace(tzinfo=None)


def parse_hours(text: str) -> tuple[Span, ...]:
    """Parse "周一至周五 09:00-17:30；周六 09:00-12:00" into spans; raise ValueError saying what is wrong."""
    text = (text or "").strip()
    if not text or text.lower() in NEVER:
        return ()
    spans: list[Span] = []
    for part in re.split(r"[;；,，\n]+", text):
        part = part.strip()
        if not part:
            continue
        days = _days(part)
        times = _TIME_RANGE.findall(part)
        if not times:
            raise ValueError(f"no time range like 09:00-17:30 in {part!r}")
        for h1, m1, h2, m2 in times:
            start, end = _clock(h1, m1, part), _clock(h2, m2, part, end=True)
            if end is not None and end <= start:
                raise ValueError(f"the end of {h1}:{m1}-{h2}:{m2} is not after its start in {part!r}")
            spans += [Span(day, start, end) for day in days]
    return tuple(spans)


def _days(part: str) -> list[int]:
    for word, days in _GROUPS.items():
        if word in part:
            return list(days)
    found = _RANGE_OF_DAYS.search(part)
    if found:
        first, last = (_weekday(found.group(i)) for i in (1, 2))
        if last < first:
            raise ValueError(f"days run backwards in {part!r}")
        return list(range(first, last + 1))
    days = [_weekday(d) for d in _ONE_DAY.findall(part)]
    if not days:
        raise ValueError(f"no days (周一至周五, 每天, 工作日...) in {part!r}")
    return days


def _weekday(name: str) -> int:
    return 6 if name == "天" else WEEKDAY_NAMES.index(name)


def _clock(hour: str, minute: str, part: str, end: bool = False) -> time | None:
    h, m = int(hour), int(minute)
    if end and (h, m) == (24, 0):
        return None  # open until midnight
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(f"{hour}:{minute} is not a time of day in {part!r}")
    return time(h, m)


def parse_holidays(value) -> tuple[date, ...]:
    """Dates from a YAML list or a comma-separated string of YYYY-MM-DD; raise ValueError on a bad one."""
    if value in (None, ""):
        return ()
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,，;；\s]+", str(value).strip())
    days = []
    for item in items:
        if isinstance(item, datetime):
            item = item.date()
        if isinstance(item, date):
            days.append(item)
        elif str(item).strip():
            try:
                days.append(date.fromisoformat(str(item).strip()))
            except ValueError:
                raise ValueError(f"holidays are dates like 2026-10-01, got {item!r}") from None
    return tuple(days)
