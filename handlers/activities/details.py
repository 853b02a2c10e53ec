"""One activity in the chat: its details with the options that fit, how its time and places are worded, other sessions.

Also the short replies every front step shares when a sign-up cannot be made (gone, already signed up,
members only, closed).
"""
from __future__ import annotations

import re

from bot.messages import Reply
from bot.services.activities import (
    SHOWN_CANCELLED,
    SHOWN_CLOSED,
    SHOWN_ENDED,
    SHOWN_FULL,
    SHOWN_OPEN,
    WAITING,
    ActivityClosed,
    ActivityView,
    SignUpView,
    to_local,
)
from bot.turn import Turn
from handlers.activities.context import back_target, remember_shown, whole_number
from handlers.activities.dates import NUMBER

WEEKDAYS = "一二三四五六日"


def show_one(turn: Turn, argument: str, asked_places: bool = False, head: str = "") -> Reply:
    """One activity's details (argument: its id), with the answer on places first when asked_places."""
    service = turn.services.activities
    view = service.get(whole_number(argument) or 0)
    if view is None or view.status == SHOWN_CANCELLED and not service.sign_up_of(turn.worker.person_id, view.id):
        return gone_reply(turn)
    remember_shown(turn, view.id)
    mine = service.sign_up_of(turn.worker.person_id, view.id)
    lines = [head] if head else []
    if asked_places and mine is None:
        lines += [_places_answer(turn, view), ""]
    lines += [turn.say("activity_title_line", title=view.title),
              turn.say("activity_time_line", when=when(view, with_end=True)),
              where_line(turn, view, mine)]
    if view.organizer:
        lines.append(turn.say("activity_organizer_line", organizer=view.organizer))
    members_only = turn.say("activity_members_only_note") if view.members_only else ""
    lines.append(turn.say("activity_eligibility_line", eligibility=view.eligibility or turn.say("activity_everyone"),
                          members_only=members_only))
    if view.summary:
        lines.append(turn.say("activity_summary_line", summary=view.summary))
    lines.append(places_line(turn, view))
    if view.max_companions:
        lines.append(turn.say("activity_companions_line", allowed=view.max_companions))
    back = (turn.say("activity_option_back"), back_target(turn))
    others = (turn.say("activity_option_others"), back_target(turn))
    mine_option = (turn.say("activity_option_mine"), "@action:my_activities:")
    if mine is not None:
        lines += ["", turn.say("activity_yours", status=status_label(mine, turn))]
        label = turn.say("activity_option_leave_waiting_list" if mine.status == WAITING else "activity_option_cancel")
        return turn.offer("\n".join(lines), [(label, f"@action:cancel_sign_up:{view.id}"), back])
    if view.status == SHOWN_OPEN:
        return turn.offer("\n".join(lines), [(turn.say("activity_option_sign_up"), f"@action:sign_up:{view.id}"), back],
                          turn.say("activity_sign_up_hint"))
    sessions = other_sessions(turn, view)
    if view.status == SHOWN_FULL and view.waiting_list_open:
        lines += ["", turn.say("activity_waiting_list_explained" if asked_places else "activity_full_waiting_list")]
        return turn.offer("\n".join(lines), [(turn.say("activity_option_waiting_list"), f"@action:waitlist:{view.id}"),
                                             *sessions, others])
    # An activity set up without a waiting list says so, rather than that its waiting list is full.
    full = "activity_full_none_kept" if view.waiting_list_size == 0 else "activity_full_no_waiting_list"
    reason = {SHOWN_FULL: full, SHOWN_CLOSED: "activity_closed",
              SHOWN_ENDED: "activity_ended", SHOWN_CANCELLED: "activity_cancelled"}[view.status]
    if not asked_places:  # otherwise the answer above said it already
        lines += ["", turn.say(reason)]
    return turn.offer("\n".join(lines), [*sessions, others, mine_option])


def where_line(turn: Turn, view: ActivityView, mine: SignUpView | None) -> str:
    """The place of an on-site activity; for an online one, its link once the worker has a place."""
    if view.mode != "online":
        return turn.say("activity_place_line", city=view.city, place=view.place)
    if mine is not None and mine.join_url:
        return turn.say("activity_join_url_line", join_url=mine.join_url)
    return turn.say("activity_online_line")


def when_local(moment) -> str:
    """12月2日（周三）08:00 in China time."""
    local = to_local(moment)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def _day_local(moment) -> str:
    """12月2日（周三）in China time."""
    local = to_local(moment)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）"


def when(view: ActivityView, with_end: bool = False) -> str:
    """The start, and with_end the end when it is the same day (08:00-11:00) or its date otherwise."""
    text = when_local(view.starts_at)
    if with_end and view.ends_at:
        start, end = to_local(view.starts_at), to_local(view.ends_at)
        text += f"-{end:%H:%M}" if end.date() == start.date() else f" 至 {when_local(view.ends_at)}"
    return text


def status_label(sign_up_view: SignUpView, turn: Turn) -> str:
    """已确认 / 候补第2位 / 活动已取消."""
    if sign_up_view.activity_status == SHOWN_CANCELLED:
        return turn.say("activity_status_cancelled")
    if sign_up_view.status == WAITING:
        return turn.say("activity_status_waiting", position=sign_up_view.position)
    return turn.say("activity_status_promoted" if sign_up_view.promoted else "activity_status_confirmed")


def places_line(turn: Turn, view: ActivityView) -> str:
    """The places line of the details: left and the deadline, full and how many wait, or the capacity."""
    if view.status == SHOWN_FULL:
        waiting = turn.say("activity_places_waiting", count=view.waiting_count) if view.waiting_count else ""
        return turn.say("activity_places_full", capacity=view.capacity, waiting=waiting)
    if view.status == SHOWN_OPEN:
        deadline = "" if view.signup_deadline == view.starts_at else \
            turn.say("activity_places_deadline", when=when_local(view.signup_deadline))
        return turn.say("activity_places_open", capacity=view.capacity, left=view.places_left, deadline=deadline)
    return turn.say("activity_places", capacity=view.capacity)


def _places_answer(turn: Turn, view: ActivityView) -> str:
    """The first line of the answer to "还有位置吗": places left, or full (and whether one can wait)."""
    day = _day_local(view.starts_at)
    if view.status == SHOWN_OPEN:
        return turn.say("activity_answer_open", when=day, title=view.title, left=view.places_left)
    if view.status == SHOWN_FULL:
        key = "activity_answer_full" if view.waiting_list_open else (
            "activity_answer_full_none_kept" if view.waiting_list_size == 0 else "activity_answer_full_no_waiting_list")
        return turn.say(key, when=day, title=view.title)
    if view.status == SHOWN_CLOSED:
        return turn.say("activity_answer_closed", when=day, title=view.title)
    return turn.say("activity_ended" if view.status == SHOWN_ENDED else "activity_cancelled")


def short_places(turn: Turn, view: ActivityView) -> str:
    """Places in a few words, for a list item or the option of another session."""
    if view.status == SHOWN_OPEN:
        return turn.say("activity_short_open", left=view.places_left)
    if view.status == SHOWN_FULL:
        return turn.say("activity_short_full_waiting_list" if view.waiting_list_open else "activity_short_full")
    return turn.say("activity_short_closed") if view.status == SHOWN_CLOSED else ""


def series_of(title: str) -> str:
    """The title without its session number: 职工读书会（第三期） -> 职工读书会."""
    return re.sub(rf"\s*[（(]?第\s*(?:{NUMBER}|\d+)\s*[期场批次届轮][)）]?\s*$", "", title).strip() or title


def other_sessions(turn: Turn, view: ActivityView) -> list[tuple[str, str]]:
    """Options for up to two other upcoming sessions of the same activity that still have places."""
    series = series_of(view.title)
    views, _total = turn.services.activities.upcoming(keyword=series, has_places=True, limit=10)
    others = [v for v in views if v.id != view.id and series_of(v.title) == series][:2]
    return [(turn.say("activity_option_other_session", when=when_local(v.starts_at), places=short_places(turn, v)),
             f"@action:activity:{v.id}") for v in others]


def already_reply(turn: Turn, mine: SignUpView, note: str = "") -> Reply:
    """The worker already has a place (or a place in the waiting list) in this activity."""
    what = turn.say("activity_already_waiting", title=mine.activity_title, position=mine.position) \
        if mine.status == WAITING else turn.say("activity_already_signed_up", title=mine.activity_title)
    if mine.companions:
        what += "\n" + turn.say("activity_party_seats", companions=mine.companions, seats=mine.seats)
    return turn.offer(f"{what}\n{note}" if note else what,
                      [(turn.say("activity_option_mine"), "@action:my_activities:"),
                       (turn.say("activity_option_others"), back_target(turn))])


def members_only_reply(turn: Turn) -> Reply:
    """The activity is for union members only: offer to join the union."""
    return turn.offer(turn.say("activity_members_only"),
                      [(turn.say("activity_option_join_union"), "@intent:join_union"),
                       (turn.say("activity_option_others"), back_target(turn))])


def closed_reply(turn: Turn, exc: ActivityClosed) -> Reply:
    """Sign-up is closed: ended, cancelled or closed by the organiser."""
    reason = {SHOWN_ENDED: "activity_sign_up_ended", SHOWN_CANCELLED: "activity_cancelled"}.get(
        exc.reason, "activity_closed")
    return turn.offer(turn.say(reason), [(turn.say("activity_option_others"), back_target(turn)),
                                         (turn.say("activity_option_mine"), "@action:my_activities:")])


def gone_reply(turn: Turn) -> Reply:
    """The activity no longer exists: offer the recent ones."""
    return turn.offer(turn.say("activity_gone"), [(turn.say("activity_option_recent"), "@action:activity:all")])

