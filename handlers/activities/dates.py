"""Dates in words, read forward from today for an activity list (China time; the week starts on Monday).

Why not bot/understanding/times.py (TimeReader) here: on the handler's own tests it answers
differently in every case that matters for a list of upcoming activities. It resolves a bare
day to the past (周四 on a Friday, 20号 after the 20th, 1月5号 in November) where a worker asking
about activities means the coming one; it reads no week or month as a range (下周, 这周, 12月份);
it reads "问一下下个礼拜天" as 下下个礼拜天 and "一日游" as the first of the month. What the two agree
on (今天, 明天, 这周六, 下周日) is the part that is least code here, so one reader is kept for all of
it rather than two readers answering one message.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUMBER = r"\d{1,2}|[一二两三四五六七八九十]{1,3}"
_WEEKDAY_PATTERN = re.compile(r"((?<!一)下下个?|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天])")
_MONTH_DAY_PATTERN = re.compile(rf"({NUMBER})\s*月\s*({NUMBER})\s*[日号]?")
_DAY_PATTERN = re.compile(rf"(?<![\d月第])({NUMBER})\s*[号日](?![子常游])")
_MONTH_PATTERN = re.compile(rf"(?<![\d上下])({NUMBER})\s*月份?(?!\s*(?:\d|[一二两三四五六七八九十]|底|初|中))")
_RELATIVE_DAYS = (("大后天", 3), ("后天", 2), ("明天", 1), ("明早", 1), ("明晚", 1), ("明儿", 1), ("今天", 0),
                  ("今晚", 0), ("今儿", 0))
_PARTS_OF_DAY = (("上午", (0, 12)), ("早上", (0, 10)), ("一早", (0, 10)), ("明早", (0, 10)), ("中午", (11, 14)),
                 ("下午", (12, 18)), ("傍晚", (17, 20)), ("晚上", (17, 24)), ("今晚", (17, 24)),
                 ("明晚", (17, 24)))


def cn_number(text: str) -> int | None:
    """12, 十二, 二十, 二十五, 两 -> int; None when it is not a small number."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text) if len(text) == 1 else None


def dates_in(text: str, today: date, with_matched: bool = False):
    """A span of China-time days named in text, as (first, last, label) and with_matched the words matched.

    今天 明天 后天 大后天; 周六 / 星期六 / 礼拜六 (the next one, today included), 这周六, 下周日; 周末,
    下周末; 这周, 下周; 12月20号, 20号; 这个月, 下个月, 12月份. None when no day is named.
    """
    monday = today - timedelta(days=today.weekday())

    def found(start: date, end: date, label: str, matched: str):
        return (start, end, label, matched) if with_matched else (start, end, label)

    def day_label(word: str, day: date) -> str:
        return f"{word}（{day.month}月{day.day}日）" if word != f"{day.month}月{day.day}日" else word

    explicit = _MONTH_DAY_PATTERN.search(text)
    if explicit:
        month, day = cn_number(explicit.group(1)), cn_number(explicit.group(2))
        picked = _calendar_day(today.year, month, day)
        if picked is not None and picked < today:
            picked = _calendar_day(today.year + 1, month, day)
        if picked is not None:
            return found(picked, picked, f"{picked.month}月{picked.day}日", explicit.group(0))
    for word, days in _RELATIVE_DAYS:
        if word in text:
            day = today + timedelta(days=days)
            return found(day, day, day_label(word, day), word)
    weekday = _WEEKDAY_PATTERN.search(text)
    if weekday:
        prefix, number = weekday.group(1) or "", "一二三四五六日天".index(weekday.group(2))
        number = min(number, 6)
        if prefix.startswith("下下"):
            day = monday + timedelta(days=14 + number)
        elif prefix.startswith("下"):
            day = monday + timedelta(days=7 + number)
        elif prefix:  # 这周六 / 本周日: this week's
            day = monday + timedelta(days=number)
        else:  # 周六 / 礼拜六: the coming one, today included
            day = today + timedelta(days=(number - today.weekday()) % 7)
        return found(day, day, day_label(weekday.group(0), day), weekday.group(0))
    single_day = _DAY_PATTERN.search(text)
    if single_day:
        number = cn_number(single_day.group(1))
        picked = _calendar_day(today.year, today.month, number)
        if picked is not None and picked < today:
            following = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
            picked = _calendar_day(following.year, following.month, number)
        if picked is not None:
            return found(picked, picked, f"{picked.month}月{picked.day}日", single_day.group(0))
    if "下周末" in text or "下个周末" in text:
        word = "下周末" if "下周末" in text else "下个周末"
        return found(monday + timedelta(days=12), monday + timedelta(days=13), "下周末", word)
    if "周末" in text:
        saturday = monday + timedelta(days=5)
        word = next(w for w in ("本周末", "这周末", "这个周末", "周末") if w in text)
        return found(max(saturday, today), saturday + timedelta(days=1), "本周末", word)
    for word in ("下个星期", "下个礼拜", "下星期", "下礼拜", "下周"):
        if word in text:
            return found(monday + timedelta(days=7), monday + timedelta(days=13), "下周", word)
    for word in ("这个星期", "这个礼拜", "这星期", "这礼拜", "这周", "本周"):
        if word in text:
            return found(today, monday + timedelta(days=6), "本周", word)
    if "下个月" in text:
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return found(first, _month_end(first), "下个月", "下个月")
    for word in ("这个月", "本月"):
        if word in text:
            return found(today, _month_end(today), "本月", word)
    month = _MONTH_PATTERN.search(text)
    if month:
        number = cn_number(month.group(1))
        if number and 1 <= number <= 12:
            year = today.year if number >= today.month else today.year + 1
            first = date(year, number, 1)
            return found(max(first, today), _month_end(first), f"{number}月", month.group(0))
    return None


def part_of_day(text: str) -> tuple[str, tuple[int, int], str] | None:
    """(label, China-time hours [from, to), words matched) of 上午 / 下午 / 晚上 / 中午 / 早上 in text."""
    for word, hours in _PARTS_OF_DAY:
        if word in text:
            label = {"明早": "早上", "一早": "早上", "今晚": "晚上", "明晚": "晚上"}.get(word, word)
            return label, hours, word
    return None


def _calendar_day(year: int, month: int | None, day: int | None) -> date | None:
    try:
        return date(year, month or 0, day or 0)
    except ValueError:
        return None


def _month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)

