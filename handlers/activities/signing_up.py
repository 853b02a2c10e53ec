"""Signing up, the waiting list, cancelling (with a confirmation) and 我的活动; the rules are the service's."""
from __future__ import annotations

import re

from bot.messages import Reply
from bot.services.activities import (
    SHOWN_CANCELLED,
    WAITING,
    ActivityClosed,
    ActivityFull,
    ActivityNotFound,
    AlreadySignedUp,
    MembersOnly,
    NotSignedUp,
    SignUpView,
)
from bot.turn import Turn
from handlers.activities.context import (
    OPTIONS_KEY,
    SHOWN_KEY,
    back_target,
    remember_options,
    remember_shown,
    whole_number,
)
from handlers.activities.details import (
    already_reply,
    closed_reply,
    gone_reply,
    members_only_reply,
    other_sessions,
    status_label,
    when,
    when_local,
)
from handlers.activities.words import SIGN_UP_WORDS

def sign_up_to(turn: Turn, activity_id: int, note: str = "") -> Reply:
    """Take a place in the activity, or explain why not and offer the waiting list or others."""
    service = turn.services.activities
    others = (turn.say("activity_option_others"), back_target(turn))
    extra = f"\n{note}" if note else ""
    try:
        done = service.sign_up(turn.worker.person_id, activity_id)
    except ActivityNotFound:
        return gone_reply(turn)
    except AlreadySignedUp as exc:
        return already_reply(turn, exc.sign_up, note)
    except ActivityFull as exc:
        remember_shown(turn, activity_id)  # "那排个队吧" now means this one
        if exc.waiting_list_open:
            view = service.get(activity_id)
            sessions = other_sessions(turn, view) if view is not None else []
            return turn.offer(turn.say("activity_last_place_taken") + extra,
                              [(turn.say("activity_option_waiting_list"), f"@action:waitlist:{activity_id}"),
                               *sessions, others])
        return turn.offer(turn.say("activity_full_and_waiting_list_full") + extra, [others])
    except MembersOnly:
        return members_only_reply(turn)
    except ActivityClosed as exc:
        return closed_reply(turn, exc)
    view = service.get(activity_id)
    if done.join_url:  # an online activity: the link instead of a place
        text = turn.say("activity_signed_up_online", title=done.activity_title, when=when(view, with_end=True),
                        join_url=done.join_url) + extra
    else:
        text = turn.say("activity_signed_up", title=done.activity_title, when=when(view, with_end=True),
                        city=view.city, place=view.place) + extra
    return turn.offer(text, [(turn.say("activity_option_mine"), "@action:my_activities:"), others])


def join_waiting_list_of(turn: Turn, activity_id: int) -> Reply:
    """A place in the activity's waiting list (or the place itself if one came free)."""
    service = turn.services.activities
    others = (turn.say("activity_option_others"), back_target(turn))
    try:
        done = service.join_waiting_list(turn.worker.person_id, activity_id)
    except ActivityNotFound:
        return gone_reply(turn)
    except AlreadySignedUp as exc:
        return already_reply(turn, exc.sign_up)
    except ActivityFull:
        return turn.offer(turn.say("activity_waiting_list_full"), [others])
    except MembersOnly:
        return members_only_reply(turn)
    except ActivityClosed as exc:
        return closed_reply(turn, exc)
    options = [(turn.say("activity_option_mine"), "@action:my_activities:"), others]
    if done.status != WAITING:
        return turn.offer(turn.say("activity_place_came_free", title=done.activity_title), options)
    return turn.offer(turn.say("activity_joined_waiting_list", title=done.activity_title, position=done.position),
                      options)


def cancel_or_confirm(turn: Turn, argument: str) -> Reply:
    """"<id>": ask to confirm cancelling; "<id>:yes": cancel, and the place goes on."""
    activity_id_text, _, confirmed = argument.partition(":")
    activity_id = whole_number(activity_id_text) or 0
    service = turn.services.activities
    mine_option = (turn.say("activity_option_mine"), "@action:my_activities:")
    others = (turn.say("activity_option_others"), back_target(turn))
    mine = service.sign_up_of(turn.worker.person_id, activity_id)
    if mine is None:
        return turn.offer(turn.say("activity_not_signed_up"), [mine_option, others])
    if confirmed != "yes":
        what = turn.say("activity_what_leave_waiting_list" if mine.status == WAITING else "activity_what_cancel")
        note = "" if mine.status == WAITING else turn.say("activity_cancel_note")
        return turn.offer(turn.say("activity_confirm_cancel", what=what, title=mine.activity_title, note=note),
                          [(turn.say("activity_option_confirm_cancel", what=what),
                            f"@action:cancel_sign_up:{activity_id}:yes"),
                           (turn.say("activity_option_keep"), f"@action:activity:{activity_id}")])
    try:
        done = service.cancel(turn.worker.person_id, activity_id)
    except NotSignedUp:
        return turn.offer(turn.say("activity_not_signed_up"), [mine_option])
    except ActivityClosed:
        return turn.offer(turn.say("activity_started_cannot_cancel"), [mine_option])
    except ActivityNotFound:
        return gone_reply(turn)
    what = turn.say("activity_what_waiting" if mine.status == WAITING else "activity_what_sign_up")
    return turn.offer(turn.say("activity_cancelled_sign_up", title=done.activity_title, what=what),
                      [others, mine_option])


def my_activities(turn: Turn) -> Reply:
    """我的活动: the worker's sign-ups with their status, and a number to cancel each."""
    turn.state.context.pop(SHOWN_KEY, None)
    mine = turn.services.activities.my_sign_ups(turn.worker.person_id)
    if not mine:
        turn.state.context.pop(OPTIONS_KEY, None)
        return turn.offer(turn.say("activity_mine_none"), [(turn.say("activity_option_recent"), "@action:activity:all")])
    return render_mine(turn, mine, turn.say("activity_mine_heading", count=len(mine)))


def render_mine(turn: Turn, mine: list[SignUpView], heading: str) -> Reply:
    """The worker's sign-ups as numbered choices to cancel each."""
    lines = [heading]
    options = []
    for sign_up_view in mine:
        lines.append(turn.say("activity_mine_item", title=sign_up_view.activity_title,
                              when=when_local(sign_up_view.starts_at), city=sign_up_view.city,
                              status=status_label(sign_up_view, turn)))
        if len(options) < 7 and sign_up_view.activity_status != SHOWN_CANCELLED:
            what = turn.say("activity_option_leave_waiting_list" if sign_up_view.status == WAITING
                            else "activity_option_cancel")
            options.append((turn.say("activity_mine_option", what=what, title=sign_up_view.activity_title),
                            f"@action:cancel_sign_up:{sign_up_view.activity_id}"))
    remember_options(turn, [int(t.rpartition(":")[2]) for _label, t in options], mine=True)
    options.append((turn.say("activity_option_others"), "@action:activity:all"))
    return turn.offer("\n".join(lines), options, turn.say("activity_mine_outro"))


def is_bare_sign_up(text: str) -> bool:
    """"报名" / "我要报名" / "加入候补" without naming another activity."""
    stripped = re.sub(r"[我要想帮给个一下吧呀啊了！!。.，, ]", "", text)
    return stripped in SIGN_UP_WORDS or stripped in ("报名参加", "报名这个", "就报这个", "报这个")

