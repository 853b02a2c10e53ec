"""Lists of upcoming activities: filters from the worker's words (city, day, part of the day, places), search, pages."""
from __future__ import annotations

import re
from datetime import date

from bot.messages import Reply
from bot.services.activities import ActivityView, to_local
from bot.turn import Turn
from handlers.activities.context import LIST_KEY, SHOWN_KEY, remember_options, whole_number
from handlers.activities.dates import dates_in, part_of_day
from handlers.activities.details import short_places, when_local
from handlers.activities.words import (
    COMPANION_PATTERN,
    COUNT_PATTERN,
    GENERIC_WORDS,
    NEXT_PATTERN,
    PLACES_WORDS,
    QUESTION_PATTERN,
    SELF_PATTERN,
    WAIT_PATTERN,
)

PAGE_SIZE = 5  # a phone screen: five activities, "more", "my activities"


def list_activities(turn: Turn, filters: dict, offset: int, note: str = "") -> Reply:
    """A page of upcoming activities that fit the filters, or why there are none."""
    service = turn.services.activities
    query = {k: filters.get(k) for k in ("city", "has_places")}
    query["date_from"] = _date(filters.get("date_from"))
    query["date_to"] = _date(filters.get("date_to"))
    label = filters.get("label") or ""
    part = filters.get("part")
    if part:  # 明天下午: the service knows days, not hours; a day has few activities, filtered here
        views, _total = service.upcoming(limit=50, **query)
        views = [v for v in views if part[0] <= to_local(v.starts_at).hour < part[1]][:PAGE_SIZE * 2]
        if views:
            turn.state.context[LIST_KEY] = {"offset": 0, "ids": [v.id for v in views], "label": label}
            heading = turn.say("activity_list_heading_filtered", label=label)
            return render_list(turn, views, len(views), 0, f"{note}\n{heading}" if note else heading)
        total = 0
    else:
        views, total = service.upcoming(offset=offset, limit=PAGE_SIZE, **query)
    turn.state.context[LIST_KEY] = {**{k: v for k, v in filters.items() if k != "ids"}, "offset": offset}
    if total == 0 and (any(query.values()) or part):
        turn.state.context[LIST_KEY] = {"offset": 0}
        return turn.offer(turn.say("activity_list_none_for_filter", label=label),
                          [(turn.say("activity_option_all"), "@action:activity:all"),
                           (turn.say("activity_option_mine"), "@action:my_activities:")])
    if total == 0:
        return turn.offer(turn.say("activity_list_none"), [(turn.say("activity_option_mine"), "@action:my_activities:")])
    if offset >= total:
        return list_activities(turn, filters, 0)
    heading = turn.say("activity_list_heading_filtered", label=label) if label else turn.say("activity_list_heading")
    return render_list(turn, views, total, offset, f"{note}\n{heading}" if note else heading)


def show_list(turn: Turn, argument: str) -> Reply:
    """"all": every upcoming activity; "list:<offset>": the last list again, at that page."""
    if argument == "all":  # every upcoming activity, whatever the last list was filtered by
        turn.state.context.pop(LIST_KEY, None)
        return list_activities(turn, {}, offset=0)
    offset = whole_number(argument.partition(":")[2]) or 0
    kept = dict(turn.state.context.get(LIST_KEY) or {})
    if kept.get("ids"):  # a search result: show it again as it was
        views = [v for v in (turn.services.activities.get(i) for i in kept["ids"]) if v is not None]
        return render_list(turn, views, len(views), 0,
                           turn.say("activity_list_heading_search", label=kept.get("label", "")))
    kept.pop("offset", None)
    return list_activities(turn, kept, offset=offset)


def render_list(turn: Turn, views: list[ActivityView], total: int, offset: int, heading: str) -> Reply:
    """The list as numbered choices, with the next or first page and 我的活动."""
    turn.state.context.pop(SHOWN_KEY, None)  # "报名" now means nothing until one is chosen
    remember_options(turn, [v.id for v in views])
    options = [(turn.say("activity_list_item", title=v.title, when=when_local(v.starts_at), city=v.city,
                         places=short_places(turn, v)), f"@action:activity:{v.id}") for v in views]
    if offset + len(views) < total:
        options.append((turn.say("activity_option_next_page"), f"@action:activity:list:{offset + PAGE_SIZE}"))
    elif offset > 0:
        options.append((turn.say("activity_option_first_page"), "@action:activity:list:0"))
    options.append((turn.say("activity_option_mine"), "@action:my_activities:"))
    page = turn.say("activity_list_count", total=total) if total > len(views) else ""
    return turn.offer(f"{heading}{page}：", options, turn.say("activity_list_outro"))


def search(turn: Turn, filters: dict) -> list[ActivityView]:
    """Upcoming activities whose title or summary has one of the worker's words, soonest first.

    A word that matches nothing is shortened from the end (羽毛球赛 -> 羽毛球, 书法课 -> 书法),
    since workers name the kind of activity rather than its exact title. Dates and a part of the
    day in filters narrow it down.
    """
    service, found, hits = turn.services.activities, {}, {}
    dates = {"date_from": _date(filters.get("date_from")), "date_to": _date(filters.get("date_to"))}
    part = filters.get("part")
    for term in filters["keyword_terms"]:
        for length in range(len(term), 1, -1):
            if length < len(term) and term[:length] in GENERIC_WORDS:
                break  # 怎么弄 -> 怎么 would match any summary
            views, _total = service.upcoming(city=filters.get("city"), has_places=filters.get("has_places"),
                                             keyword=term[:length], limit=20 if part else PAGE_SIZE, **dates)
            if part:
                views = [v for v in views if part[0] <= to_local(v.starts_at).hour < part[1]]
            for view in views:
                found.setdefault(view.id, view)
                hits[view.id] = hits.get(view.id, 0) + 1
            if views:
                break
    # 插花体验课 names one activity by both its words: the ones with a single word (体验) are not meant.
    best = max(hits.values(), default=0)
    return sorted((v for v in found.values() if hits[v.id] == best), key=lambda v: (v.starts_at, v.id))[:PAGE_SIZE]


def search_with_dates(turn: Turn, filters: dict, include_full: bool) -> tuple[list[ActivityView], str]:
    """The search, on the day the worker named; when that day has none, the nearest other days, with a note."""
    if include_full:  # "还有位置吗" is answered about the activity, full or not
        filters = {k: v for k, v in filters.items() if k != "has_places"}
    found = search(turn, filters)
    if found or not (filters.get("date_from") or filters.get("part")):
        return found, ""
    undated = {k: v for k, v in filters.items() if k not in ("date_from", "date_to", "part")}
    found = search(turn, undated)
    if not found:
        return [], ""
    what = "、".join(filters["keyword_terms"])
    return found, turn.say("activity_none_on_date", date=filters.get("date_label") or filters.get("label", ""),
                           what=what)


def filters_from_text(text: str, turn) -> dict:
    """City, dates, part of the day, open places and search words the worker mentioned, with a label for the heading."""
    filters: dict = {}
    labels = []
    city = city_in(text, turn)
    if city:
        filters["city"] = city
        labels.append(city)
    today = to_local(turn.now).date()
    span = dates_in(text, today, with_matched=True)
    rest = text
    day_label = ""
    if span:
        start, end, word, matched = span
        filters["date_from"], filters["date_to"] = start.isoformat(), end.isoformat()
        day_label = word
        rest = rest.replace(matched, " ")
    part = part_of_day(text)  # on the whole text: 明晚 is a day and a part of it
    if part:
        filters["part"] = part[1]
        day_label += part[0]
        rest = rest.replace(part[2], " ")
    if day_label:
        labels.append(day_label)
        filters["date_label"] = day_label
    if any(word in text for word in PLACES_WORDS):
        filters["has_places"] = True
        labels.append("还有名额")
    for word in PLACES_WORDS:
        rest = rest.replace(word, " ")
    filters["label"] = "、".join(labels)
    terms = search_terms(rest, turn, city)
    if terms:
        filters["keyword_terms"] = terms
    return filters


def search_terms(text: str, turn, city: str | None) -> list[str]:
    """The words of text that could name an activity: not generic words, cities, numbers or dates."""
    tokens = turn.services.tokenizer.tokens(text)
    cities = {name for city in turn.services.places.cities for name in (city.short, city.name)}
    terms = []
    for token in tokens:
        token = token.strip()
        if len(token) < 2 or token in GENERIC_WORDS or token in cities or re.fullmatch(r"[\W\d_]+", token):
            continue
        if any(word in token for word in ("周末", "名额", "报名", "活动")):
            continue
        if token not in terms:
            terms.append(token)
    return terms[:4]


def city_in(text: str, turn) -> str | None:
    """The Zhejiang city the worker named, by city, district or county-level city (content/places.yaml)."""
    return next((city for word, city in turn.services.places.place_words() if word in text), None)


def names_nothing(text: str, turn: Turn) -> bool:
    """True when text names no activity, city or day of its own (so it is about the one just shown)."""
    rest = text
    for word in PLACES_WORDS:
        rest = rest.replace(word, " ")
    for pattern in (WAIT_PATTERN, NEXT_PATTERN, COMPANION_PATTERN, COUNT_PATTERN, SELF_PATTERN, QUESTION_PATTERN):
        rest = pattern.sub(" ", rest)
    return not search_terms(rest, turn, None) and city_in(text, turn) is None \
        and dates_in(text, to_local(turn.now).date()) is None


def _date(value) -> date | None:
    return date.fromisoformat(value) if value else None
