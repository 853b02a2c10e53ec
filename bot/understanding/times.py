"""Dates and times relative to today (下周日, 礼拜六上午, 12月20号, 上个月底), parsed by jionlp's time parser.

We find the spans ourselves with one regular expression (microseconds) and hand only those spans to
jionlp: its own extractor scans every message and costs milliseconds. jionlp's parser keeps the time
base on the instance while it works, so one parser is shared under a lock.
"""
from __future__ import annotations

import contextlib
import io
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.understanding.slots import Found

_N2 = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_DAY = r"(?:大后天|大前天|今天|明天|后天|昨天|前天|今晚|明晚|昨晚|今早|明早|今日|明日|昨日)"
_WEEK = r"(?:下下个?|上上个?|下个|上个|这个|下|上|这|本)?(?:周|星期|礼拜)(?:[一二三四五六日天1-7]|末)"
_MONTH = (rf"(?:(?:去年|今年|明年|\d{{4}}年)?(?:{_N2}月份?|上个月|下个月|这个月|本月))(?:{_N2}[号日])?"
          r"(?:月?底|月?初|中旬|上旬|下旬)?")
_DATE = rf"(?:{_DAY}|{_WEEK}|{_MONTH}|{_N2}[号日](?![线楼室]))"
_PART = r"(?:上午|下午|中午|晚上|早上|傍晚|凌晨|夜里)"
_CLOCK = rf"(?:{_N2}(?:点|:|：)(?:半|{_N2}分?|钟)?)"
SPAN = re.compile(rf"{_DATE}{_PART}?{_CLOCK}?|{_PART}{_CLOCK}")
_SINCE_AFTER = ("开始", "起", "以来", "到现在", "至今")
_RELATIVE_MONTH = re.compile(r"^(上个月|下个月|这个月|本月)(底|初)?$")


@dataclass(frozen=True)
class When:
    """A moment or stretch of time a worker named: start and end (local China time)."""

    start: datetime
    end: datetime

    @property
    def day(self) -> date:
        """The (first) day meant."""
        return self.start.date()


class TimeReader:
    """Finds date and time expressions and resolves them against a given today."""

    def __init__(self):
        # jionlp prints a banner on import; keep stdout clean for CLI commands that print JSON.
        with contextlib.redirect_stdout(io.StringIO()):
            from jionlp.gadget.time_parser import TimeParser
        self._parser = TimeParser()
        self._lock = threading.Lock()
        self._parse("明天", datetime(2025, 1, 1))  # jionlp compiles its patterns on first use

    def _parse(self, span: str, base: datetime):
        with self._lock:
            return self._parser(span, time_base=base.timestamp())

    def _resolve(self, span: str, base: datetime) -> When | None:
        relative = _RELATIVE_MONTH.match(span)
        if relative:
            back = {"上个月": -1, "下个月": 1, "这个月": 0, "本月": 0}[relative.group(1)]
            month, year = base.month + back, base.year
            year, month = (year - 1, 12) if month < 1 else (year + 1, 1) if month > 12 else (year, month)
            first = datetime(year, month, 1)
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(seconds=1)
            edge = relative.group(2)
            if edge == "底":
                return When(datetime.combine(last.date(), time()), last)
            if edge == "初":
                return When(first, first + timedelta(days=1, seconds=-1))
            return When(first, last)
        try:
            parsed = self._parse(span.replace("月份", "月"), base)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return None
        times = parsed.get("time") if isinstance(parsed, dict) else None
        if parsed.get("type") not in ("time_point", "time_span") or not isinstance(times, list) or len(times) != 2:
            return None
        start, end = (datetime.strptime(t, "%Y-%m-%d %H:%M:%S") for t in times)
        if span.endswith("底"):
            start = datetime.combine(end.date(), time())
        elif span.endswith("周末"):
            saturday = end.date() - timedelta(days=(end.weekday() - 5) % 7)
            start = datetime.combine(saturday, time())
            end = datetime.combine(saturday + timedelta(days=1), time(23, 59, 59))
        return When(start, end)

    def find_all(self, text: str, today: date | datetime) -> list[Found[When]]:
        """Every date or time named, except the starts of 'since when' (从去年十月开始)."""
        base = today if isinstance(today, datetime) else datetime.combine(today, time(9))
        found = []
        for m in SPAN.finditer(text):
            after = text[m.end():m.end() + 3]
            if any(after.startswith(w) for w in _SINCE_AFTER) or text[max(0, m.start() - 2):m.start()].endswith(("从", "自")):
                continue
            when = self._resolve(m.group(), base)
            if when is not None:
                found.append(Found(when, m.start(), m.end()))
        return found
