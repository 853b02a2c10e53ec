"""Signing up, the waiting list, cancelling (with a confirmation) and 我的活动; the rules are the service's."""
from __future__ import annotations

import re

from bot.messages import Reply
from bot.services.activities import (
    SHOWN_CANCELLED,
    SHOWN_ENDED,
    SHOWN_FULL,
    SHOWN_OPEN,
    WAITING,
    ActivityClosed,
    ActivityFull,
    ActivityNotFound,
    AlreadySignedUp,
    MembersOnly,
    NotSignedUp,
    PartyTooLarge,
    SignUpView,
    TooManyCompanions,
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

def with_companions(activity_id: int, companions: int) -> str:
    """The argument of a sign-up or waiting-list choice: "<id>", or "<id>:<companions>" for a party."""
    return f"{activity_id}:{companions}" if companions else str(activity_id)


def party_seats_line(turn: Turn, sign_up_view: SignUpView) -> str:
    """"这份报名共3人…" for a sign-up with companions, else ""."""
    if not sign_up_view.companions:
        return ""
    return turn.say("activity_party_seats", companions=sign_up_view.companions, seats=sign_up_view.seats)


def sign_up_to(turn: Turn, activity_id: int, note: str = "", companions: int = 0) -> Reply:
    """Take a place (one per person: the worker and their companions), or explain why not and offer what can be done."""
    service = turn.services.activities
    others = (turn.say("activity_option_others"), back_target(turn))
    extra = f"\n{note}" if note else ""
    try:
        done = service.sign_up(turn.worker.person_id, activity_id, companions=companions)
    except ActivityNotFound:
        return gone_reply(turn)
    except AlreadySignedUp as exc:
        return already_reply(turn, exc.sign_up, note)
    except TooManyCompanions as exc:
        view = service.get(activity_id)
        return companions_over_limit(turn, view, exc.asked) if view is not None else gone_reply(turn)
    except PartyTooLarge as exc:
        remember_shown(turn, activity_id)
        return party_too_large(turn, activity_id, exc, extra)
    except ActivityFull as exc:
        remember_shown(turn, activity_id)  # "那排个队吧" now means this one
        if exc.waiting_list_open:
            view = service.get(activity_id)
            sessions = other_sessions(turn, view) if view is not None else []
            return turn.offer(turn.say("activity_last_place_taken") + extra,
                              [(turn.say("activity_option_waiting_list"),
                                f"@action:waitlist:{with_companions(activity_id, companions)}"), *sessions, others])
        return turn.offer(turn.say("activity_full_and_waiting_list_full") + extra, [others])
    except MembersOnly:
        return members_only_reply(turn)
    except ActivityClosed as exc:
        return closed_reply(turn, exc)
    view = service.get(activity_id)
    if done.join_url:  # an online activity: the link instead of a place
        text = turn.say("activity_signed_up_online", title=done.activity_title, when=when(view, with_end=True),
                        join_url=done.join_url) + extra
    elif done.companions:
        text = turn.say("activity_signed_up_party", title=done.activity_title, when=when(view, with_end=True),
                        city=view.city, place=view.place, companions=done.companions, seats=done.seats) + extra
    else:
        text = turn.say("activity_signed_up", title=done.activity_title, when=when(view, with_end=True),
                        city=view.city, place=view.place) + extra
    if done.join_url and done.companions:
        text += "\n" + party_seats_line(turn, done)
    return turn.offer(text, [(turn.say("activity_option_mine"), "@action:my_activities:"), others])


def party_too_large(turn: Turn, activity_id: int, exc: PartyTooLarge, extra: str = "") -> Reply:
    """Seats remain, but not for the whole party: say how many, offer fewer people or the waiting list together."""
    options = []
    if exc.places_left > 1:
        options.append((turn.say("activity_option_sign_up_fewer", seats=exc.places_left,
                                 companions=exc.places_left - 1),
                        f"@action:sign_up:{with_companions(activity_id, exc.places_left - 1)}"))
    options.append((turn.say("activity_option_sign_up_myself"), f"@action:sign_up:{activity_id}"))
    if exc.waiting_list_open:
        options.append((turn.say("activity_option_wait_together", seats=exc.seats),
                        f"@action:waitlist:{with_companions(activity_id, exc.seats - 1)}"))
    options.append((turn.say("activity_option_others"), back_target(turn)))
    key = "activity_party_too_large" if exc.waiting_list_open else "activity_party_too_large_no_waiting"
    view = turn.services.activities.get(activity_id)
    title = view.title if view is not None else ""
    return turn.offer(turn.say(key, title=title, left=exc.places_left, seats=exc.seats) + extra, options)


def companions_over_limit(turn: Turn, view, asked: int) -> Reply:
    """More companions than the activity allows: say what it allows and book nothing."""
    allowed = view.max_companions
    if not allowed:
        return turn.offer(turn.say("activity_party_none_allowed", title=view.title),
                          [(turn.say("activity_option_sign_up_myself"), f"@action:sign_up:{view.id}"),
                           (turn.say("activity_option_others"), back_target(turn))])
    options = []
    if allowed and view.status in (SHOWN_OPEN, SHOWN_FULL):
        options.append((turn.say("activity_option_sign_up_fewer", seats=allowed + 1, companions=allowed),
                        f"@action:sign_up:{with_companions(view.id, allowed)}"))
    if view.status in (SHOWN_OPEN, SHOWN_FULL):
        options.append((turn.say("activity_option_sign_up_myself"), f"@action:sign_up:{view.id}"))
    options.append((turn.say("activity_option_others"), back_target(turn)))
    return turn.offer(turn.say("activity_party_over_limit", title=view.title, allowed=allowed, asked=asked), options)


def change_companions_to(turn: Turn, activity_id: int, companions: int) -> Reply:
    """Change how many companions come with the worker's sign-up, and say what it is now."""
    service = turn.services.activities
    mine_option = (turn.say("activity_option_mine"), "@action:my_activities:")
    others = (turn.say("activity_option_others"), back_target(turn))
    try:
        done = service.change_companions(turn.worker.person_id, activity_id, companions)
    except ActivityNotFound:
        return gone_reply(turn)
    except NotSignedUp:
        return turn.offer(turn.say("activity_not_signed_up"), [mine_option, others])
    except TooManyCompanions as exc:
        view = service.get(activity_id)
        key = "activity_party_change_over_limit" if exc.allowed else "activity_party_none_allowed"
        return turn.offer(turn.say(key, title=view.title, allowed=exc.allowed), [mine_option, others])
    except PartyTooLarge as exc:
        return turn.offer(turn.say("activity_party_no_seats_to_add", left=exc.places_left), [mine_option, others])
    except ActivityFull:
        return turn.offer(turn.say("activity_party_waiting_list_no_room"), [mine_option, others])
    except ActivityClosed as exc:
        if exc.reason == SHOWN_ENDED:
            return turn.offer(turn.say("activity_started_cannot_cancel"), [mine_option])
        return closed_reply(turn, exc)
    key = "activity_party_changed" if done.companions else "activity_party_changed_alone"
    return turn.offer(turn.say(key, title=done.activity_title, companions=done.companions, seats=done.seats),
                      [mine_option, others])


def join_waiting_list_of(turn: Turn, activity_id: int, companions: int = 0) -> Reply:
    """A place in the activity's waiting list for the worker's party (or the seats themselves if enough came free)."""
    service = turn.services.activities
    others = (turn.say("activity_option_others"), back_target(turn))
    try:
        done = service.join_waiting_list(turn.worker.person_id, activity_id, companions=companions)
    except ActivityNotFound:
        return gone_reply(turn)
    except AlreadySignedUp as exc:
        return already_reply(turn, exc.sign_up)
    except TooManyCompanions as exc:
        view = service.get(activity_id)
        return companions_over_limit(turn, view, exc.asked) if view is not None else gone_reply(turn)
    except ActivityFull:
        key = "activity_party_waiting_list_no_room" if companions else "activity_waiting_list_full"
        return turn.offer(turn.say(key), [others])
    except MembersOnly:
        return members_only_reply(turn)
    except ActivityClosed as exc:
        return closed_reply(turn, exc)
    options = [(turn.say("activity_option_mine"), "@action:my_activities:"), others]
    party = party_seats_line(turn, done)
    party = f"\n{party}" if party else ""
    if done.status != WAITING:
        return turn.offer(turn.say("activity_place_came_free", title=done.activity_title) + party, options)
    return turn.offer(turn.say("activity_joined_waiting_list", title=done.activity_title, position=done.position)
                      + party, options)


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
        status = status_label(sign_up_view, turn)
        if sign_up_view.companions:
            status += turn.say("activity_mine_party", seats=sign_up_view.seats)
        lines.append(turn.say("activity_mine_item", title=sign_up_view.activity_title,
                              when=when_local(sign_up_view.starts_at), city=sign_up_view.city, status=status))
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

