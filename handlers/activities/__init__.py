"""工会活动 in the chat: upcoming activities, details, sign-up, waiting list, cancel, 我的活动, in workers' words.

The rules (places, waiting list, who moves up) live in bot/services/activities/; this package
only talks. Numbered choices carry the activity id: "@action:activity:<id>" shows one,
"@action:activity:list:<offset>" pages through the last list (its filters are kept in
state.context), "@action:activity:all" lists everything, "@action:cancel_sign_up:<id>" asks for confirmation and
"@action:cancel_sign_up:<id>:yes" cancels.

Words are understood too: a date and a kind of activity ("下周日的读书会还有位置吗"), and, right after
a list or an activity was shown, a reference to it ("礼拜六上午那个", "第二个", "杭州那个"), the waiting
list ("那排个队吧"), the next session ("下次什么时候还有") and companions ("我和我老婆两个人一起报").
Those follow-ups reach `follow_up` through a text pattern (FOLLOW_UP_PATTERN), since on their own
they name no service.

This module holds the entry points bot/wiring.py registers; the rest is split by what it does:
    words.py       the words and patterns recognised, the plain form of a message
    context.py     what the conversation remembers between turns (last list, activity shown, numbers offered)
    dates.py       dates and parts of the day in words, read forward from today
    details.py     one activity, its time and places in words, other sessions, the refusal replies
    listing.py     lists: filters from the worker's words, search, pages
    signing_up.py  sign up, waiting list, cancel with confirmation, 我的活动
    follow_ups.py  references to what was just shown, the next session, companions, cancel in words
"""
from __future__ import annotations

from bot.messages import Reply
from bot.services.activities import SHOWN_FULL
from bot.turn import Turn
from handlers.activities.context import LIST_KEY, fresh, shown_id, whole_number
from handlers.activities.context import OPTIONS_KEY, SEEN_AT_KEY, SHOWN_KEY  # noqa: F401 (tests read the keys here)
from handlers.activities.dates import dates_in as _dates_in  # noqa: F401 (tests read dates here)
from handlers.activities.dates import part_of_day as _part_of_day  # noqa: F401
from handlers.activities.details import show_one
from handlers.activities.follow_ups import (
    cancel_by_text,
    change_party_by_words,
    party_in,
    sign_up_party,
    understood_follow_up,
)
from handlers.activities.listing import (
    filters_from_text,
    list_activities,
    names_nothing,
    render_list,
    search_with_dates,
    show_list,
)
from handlers.activities.signing_up import (
    cancel_or_confirm,
    change_companions_to,
    is_bare_sign_up,
    join_waiting_list_of,
    my_activities,
    sign_up_to,
)
from handlers.activities.words import (
    CANCEL_PATTERN,
    CANCEL_WORDS,
    FOLLOW_UP_PATTERN,
    GENERIC_WORDS,
    MY_WORDS,
    asks_about_places,
    plain,
)

__all__ = ["FOLLOW_UP_PATTERN", "cancel_sign_up", "follow_up", "handle", "join_waiting_list", "my_activities",
           "show_activity", "sign_up"]


def handle(turn: Turn) -> Reply:
    """活动 / 有什么活动 / 杭州的活动 / 下周日的读书会还有位置吗 / 我的活动 / 取消报名 / 报名羽毛球赛."""
    text = plain(turn.text)
    if any(word in text for word in MY_WORDS):
        return my_activities(turn)
    if any(word in text for word in CANCEL_WORDS) or CANCEL_PATTERN.search(text):
        return cancel_by_text(turn, text)
    if fresh(turn):
        reply = understood_follow_up(turn, text)
        if reply is not None:
            return reply
    shown = shown_id(turn)
    if shown and is_bare_sign_up(text):  # "报名" typed after the details instead of the number
        view = turn.services.activities.get(shown)
        if view is not None and view.status == SHOWN_FULL and view.waiting_list_open:
            return join_waiting_list_of(turn, view.id)
        return sign_up_to(turn, shown)
    asks_places = asks_about_places(text)
    if shown and asks_places and fresh(turn) and names_nothing(text, turn):  # "还有名额吗" about the one just shown
        return show_one(turn, str(shown), asked_places=True)
    filters = filters_from_text(text, turn)
    party = party_in(text)
    if filters.get("keyword_terms"):
        found, note = search_with_dates(turn, filters, include_full=asks_places or party is not None)
        if len(found) == 1:
            if party is not None:
                return sign_up_party(turn, found[0], party, text, head=note)
            return show_one(turn, str(found[0].id), asked_places=asks_places, head=note)
        if found:
            label = "、".join(filters["keyword_terms"])
            turn.state.context[LIST_KEY] = {"offset": 0, "ids": [v.id for v in found], "label": label}
            heading = turn.say("activity_list_heading_search", label=label)
            if party is not None:
                heading = f"{turn.say('activity_party_which')}\n{heading}"
            return render_list(turn, found, len(found), 0, f"{note}\n{heading}" if note else heading)
    terms = filters.pop("keyword_terms", None) or []
    # Say so when the worker named a kind of activity we know (篮球赛) and none is coming up.
    known = turn.match.keywords if turn.match is not None else ()
    named = [k for k in known if len(k) >= 2 and k not in GENERIC_WORDS and any(k in t for t in terms)]
    note = turn.say("activity_none_of_kind", kinds="、".join(named)) if named else ""
    if party is not None and not note:
        note = turn.say("activity_party_which")
    return list_activities(turn, filters, offset=0, note=note)


def follow_up(turn: Turn) -> Reply | None:
    """Right after activities were shown: "第二个", "礼拜六上午那个", "那排个队吧", "下次什么时候还有", "我和我老婆一起报".

    Anywhere else (or for any other message) it returns None and the dialogue routes the text as usual.
    """
    if not fresh(turn):
        return None
    text = plain(turn.text)
    changed = change_party_by_words(turn, text)  # before the cancel: "我老婆不去了" is not the worker's cancel
    if changed is not None:
        return changed
    if any(word in text for word in CANCEL_WORDS) or CANCEL_PATTERN.search(text):
        return cancel_by_text(turn, text)  # "取消礼拜六上午那个": activities were just shown, so one of them
    reply = understood_follow_up(turn, text)
    if reply is None and shown_id(turn) and asks_about_places(text) and names_nothing(text, turn):
        reply = show_one(turn, str(shown_id(turn)), asked_places=True)
    return reply


def show_activity(turn: Turn) -> Reply:
    """"@action:activity:<id>": one activity's details; "list:<offset>" the last list again; "all" every one."""
    if turn.argument == "all" or turn.argument.startswith("list"):
        return show_list(turn, turn.argument)
    return show_one(turn, turn.argument)


def _id_and_companions(argument: str) -> tuple[int, int]:
    """"<id>" or "<id>:<companions>" of a choice."""
    activity_id, _, companions = (argument or "").partition(":")
    return whole_number(activity_id) or 0, whole_number(companions) or 0


def sign_up(turn: Turn) -> Reply:
    """"@action:sign_up:<id>[:<companions>]" (报名): take the seats, or explain why not and offer what can be done."""
    activity_id, companions = _id_and_companions(turn.argument)
    return sign_up_to(turn, activity_id, companions=companions)


def join_waiting_list(turn: Turn) -> Reply:
    """"@action:waitlist:<id>[:<companions>]" (加入候补): the party waits together (or takes seats come free)."""
    activity_id, companions = _id_and_companions(turn.argument)
    return join_waiting_list_of(turn, activity_id, companions)


def change_companions(turn: Turn) -> Reply:
    """"@action:companions:<id>:<companions>": change how many come with the worker's sign-up."""
    activity_id, companions = _id_and_companions(turn.argument)
    return change_companions_to(turn, activity_id, companions)


def cancel_sign_up(turn: Turn) -> Reply:
    """"@action:cancel_sign_up:<id>" (取消报名): ask to confirm, then cancel ("<id>:yes"); the place goes on."""
    return cancel_or_confirm(turn, turn.argument)

