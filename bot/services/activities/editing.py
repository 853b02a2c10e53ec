"""What an editor types to create or change an activity, checked into stored values with Chinese reasons.

The console's form sends text (China time like 2026-12-20 14:00 or the browser's 2026-12-20T14:00, a
capacity, a checkbox); this turns it into the values ActivityService stores, or refuses with one
sentence per field (content/replies/activity_editing.yaml) so the editor knows what to fix.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import cn2an

from bot.services.activities.times import from_local, to_local
from bot.services.places import Regions

MAX_TITLE, MAX_PLACE, MAX_SUMMARY, MAX_CAPACITY = 120, 200, 2000, 100000
# The waiting list choice of the form: none (0), unlimited (None) or a size the editor types.
WAITING_NONE, WAITING_UNLIMITED, WAITING_SIZED = "none", "unlimited", "size"
ONSITE, ONLINE = "onsite", "online"
MAX_JOIN_URL = 500
MAX_COMPANIONS = 10
MAX_WEEKS = 26  # a weekly series of at most half a year
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
# One chosen date of a series: 2026-12-20, 2026/12/20, 2026年12月20日, 12月20日, 12-20 (after numerals are digits).
DATE_SHAPE = re.compile(r"(?:(?P<year>\d{4})\s*[-/.年]\s*)?(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*[日号]?")
DATE_SEPARATORS = re.compile(r"[\s,，、;；]+")


class ActivityRejected(ValueError):
    """The editor's values cannot be stored; `fields` maps each field to a Chinese sentence."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("；".join(fields.values()))
        self.fields = dict(fields)


def _time(text: str | None) -> datetime | None:
    """Naive UTC of a China time typed as 2026-12-20 14:00 or 2026-12-20T14:00; None if empty; ValueError."""
    text = (text or "").strip()
    if not text:
        return None
    for shape in TIME_FORMATS:
        try:
            return from_local(datetime.strptime(text, shape))
        except ValueError:
            continue
    raise ValueError(text)


def read_form(form: Mapping[str, str], regions: Regions, replies, now: datetime, new: bool) -> dict:
    """The stored values of an editor's form, or ActivityRejected naming each wrong field."""
    problems: dict[str, str] = {}
    title = str(form.get("title") or "").strip()
    if not title:
        problems["title"] = replies.get("activity_edit_title_missing")
    elif len(title) > MAX_TITLE:
        problems["title"] = replies.get("activity_edit_too_long", what="标题", limit=MAX_TITLE)
    city = regions.short_name(str(form.get("city") or "").strip()) if form.get("city") else None
    if city is None:
        problems["city"] = replies.get("activity_edit_city", cities="、".join(regions.short_names()))
    mode = str(form.get("mode") or ONSITE).strip()
    join_url = str(form.get("join_url") or "").strip()
    if mode not in (ONSITE, ONLINE):
        problems["mode"] = replies.get("activity_edit_mode")
    elif mode == ONLINE and not is_join_url(join_url):
        problems["join_url"] = replies.get("activity_edit_join_url", limit=MAX_JOIN_URL)
    place = str(form.get("place") or "").strip()
    if not place and mode != ONLINE:
        problems["place"] = replies.get("activity_edit_place_missing")
    elif len(place) > MAX_PLACE:
        problems["place"] = replies.get("activity_edit_too_long", what="地点", limit=MAX_PLACE)
    summary = str(form.get("summary") or "").strip()
    if len(summary) > MAX_SUMMARY:
        problems["summary"] = replies.get("activity_edit_too_long", what="活动介绍", limit=MAX_SUMMARY)
    times: dict[str, datetime | None] = {}
    for name in ("starts_at", "ends_at", "signup_deadline"):
        try:
            times[name] = _time(form.get(name))
        except ValueError:
            problems[name] = replies.get("activity_edit_time_shape")
    starts_at = times.get("starts_at")
    if "starts_at" not in problems and starts_at is None:
        problems["starts_at"] = replies.get("activity_edit_start_missing")
    elif starts_at is not None and new and starts_at <= now:
        problems["starts_at"] = replies.get("activity_edit_start_past")
    if starts_at is not None and times.get("ends_at") is not None and times["ends_at"] <= starts_at:
        problems["ends_at"] = replies.get("activity_edit_end_before_start")
    if starts_at is not None and times.get("signup_deadline") is not None and times["signup_deadline"] > starts_at:
        problems["signup_deadline"] = replies.get("activity_edit_deadline_after_start")
    capacity_text = str(form.get("capacity") or "").strip()
    capacity = int(capacity_text) if capacity_text.isdigit() else None
    if capacity is None or not 1 <= capacity <= MAX_CAPACITY:
        problems["capacity"] = replies.get("activity_edit_capacity", limit=MAX_CAPACITY)
    waiting_list_size = _waiting_list_size(form, problems, replies)
    companions_text = str(form.get("max_companions") or "0").strip()
    max_companions = int(companions_text) if companions_text.isdigit() else None
    if max_companions is None or max_companions > MAX_COMPANIONS:
        problems["max_companions"] = replies.get("activity_edit_companions", limit=MAX_COMPANIONS)
    if problems:
        raise ActivityRejected(problems)
    return {"title": title, "city": city, "place": place, "summary": summary, "starts_at": starts_at,
            "waiting_list_size": waiting_list_size, "max_companions": max_companions, "mode": mode,
            "join_url": join_url if mode == ONLINE else None,
            "ends_at": times.get("ends_at"), "signup_deadline": times.get("signup_deadline"), "capacity": capacity,
            "members_only": str(form.get("members_only") or "") in ("1", "on", "true")}


def _waiting_list_size(form: Mapping[str, str], problems: dict[str, str], replies) -> int | None:
    """The stored waiting_list_size of the form's choice (None unlimited, 0 none); a wrong size is a problem."""
    choice = str(form.get("waiting_list") or WAITING_UNLIMITED).strip()
    if choice == WAITING_NONE:
        return 0
    if choice == WAITING_SIZED:
        size_text = str(form.get("waiting_list_size") or "").strip()
        if size_text.isdigit() and 1 <= int(size_text) <= MAX_CAPACITY:
            return int(size_text)
        problems["waiting_list_size"] = replies.get("activity_edit_waiting_list_size", limit=MAX_CAPACITY)
        return None
    if choice != WAITING_UNLIMITED:
        problems["waiting_list_size"] = replies.get("activity_edit_waiting_list_choice")
    return None


def is_join_url(text: str) -> bool:
    """Whether text is an https link a worker can open to join an online activity."""
    if not text or len(text) > MAX_JOIN_URL or any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and "." in parts.hostname and not parts.username


def read_session_shifts(form: Mapping[str, str], replies, starts_at: datetime, now: datetime,
                        deadline: datetime | None = None) -> list[timedelta]:
    """How far after the form's start each session of a new activity starts: [0] for one, weekly, or chosen dates.

    "weeks" makes one session a week; "dates" (其他日期, one date a line) adds a session on each
    chosen day at the same China time of day. One or the other; ActivityRejected says what is wrong.
    """
    weeks = read_weeks(form, replies)
    text = str(form.get("dates") or "").strip()
    if not text:
        return [timedelta(weeks=week) for week in range(weeks)]
    if weeks > 1:
        raise ActivityRejected({"dates": replies.get("activity_edit_dates_with_weeks")})
    first = to_local(starts_at)
    today = to_local(now).date()
    days = [first.date()]
    for written in (w for w in DATE_SEPARATORS.split(text) if w):
        day = _date_of(written, today)
        if day is None:
            raise ActivityRejected({"dates": replies.get("activity_edit_dates_shape", text=written)})
        if day in days:
            raise ActivityRejected({"dates": replies.get("activity_edit_dates_duplicate", day=_day_text(day))})
        shift = from_local(datetime.combine(day, first.time())) - starts_at
        if starts_at + shift <= now:
            raise ActivityRejected({"dates": replies.get("activity_edit_dates_past", day=_day_text(day))})
        if deadline is not None and deadline + shift <= now:  # the same sign-up deadline before that session
            raise ActivityRejected({"dates": replies.get("activity_edit_dates_deadline_past", day=_day_text(day))})
        days.append(day)
    if len(days) > MAX_WEEKS:
        raise ActivityRejected({"dates": replies.get("activity_edit_dates_too_many", limit=MAX_WEEKS)})
    return sorted(from_local(datetime.combine(day, first.time())) - starts_at for day in days)


def _date_of(written: str, today: date) -> date | None:
    """The China-time day a chosen date names (a date without a year: its next one from today), or None."""
    plain = cn2an.transform(unicodedata.normalize("NFKC", written), "cn2an")
    found = DATE_SHAPE.fullmatch(plain)
    if found is None:
        return None
    month, day = int(found["month"]), int(found["day"])
    try:
        if found["year"]:
            return date(int(found["year"]), month, day)
        this_year = date(today.year, month, day)
        return this_year if this_year >= today else date(today.year + 1, month, day)
    except ValueError:  # 2月30日
        return None


def _day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def read_weeks(form: Mapping[str, str], replies) -> int:
    """How many weekly sessions the new-activity form asks for (1: a single activity); ActivityRejected if wrong."""
    text = str(form.get("weeks") or "1").strip()
    if text.isdigit() and 1 <= int(text) <= MAX_WEEKS:
        return int(text)
    raise ActivityRejected({"weeks": replies.get("activity_edit_weeks", limit=MAX_WEEKS)})
