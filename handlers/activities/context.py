"""What the conversation remembers between turns (state.context): the last list, the activity shown, the numbers."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.activities import ActivityView
from bot.turn import Turn

LIST_KEY = "activity_list"  # state.context: filters and offset of the last list shown
SHOWN_KEY = "activity_shown"  # state.context: the activity whose details were shown last
OPTIONS_KEY = "activity_options"  # state.context: {"ids": [...], "mine": bool} of the numbers shown last
SEEN_AT_KEY = "activity_seen_at"  # state.context: when (UTC, ISO) a list or an activity was last shown
FRESH_FOR = timedelta(minutes=30)  # "那个" and "排队" refer to what was shown this recently, in this conversation


def fresh(turn: Turn) -> bool:
    """True when activities were shown in this conversation recently and nothing else was asked since."""
    seen = turn.state.context.get(SEEN_AT_KEY)
    if turn.state.last_intent != "activity" or not seen:
        return False
    try:
        return turn.now - datetime.fromisoformat(seen) <= FRESH_FOR
    except ValueError:
        return False


def remember_shown(turn: Turn, activity_id: int) -> None:
    """Remember the activity whose details were just shown ("报名", "那排个队吧" now mean it)."""
    turn.state.context[SHOWN_KEY] = activity_id
    turn.state.context[SEEN_AT_KEY] = turn.now.isoformat()


def remember_options(turn: Turn, ids: list[int], mine: bool = False) -> None:
    """Remember the activities (or, mine, the sign-ups) the numbers just offered stand for."""
    turn.state.context[OPTIONS_KEY] = {"ids": ids, "mine": mine}
    turn.state.context[SEEN_AT_KEY] = turn.now.isoformat()


def shown_id(turn: Turn) -> int | None:
    """The activity whose details were shown last, if any."""
    return whole_number(str(turn.state.context.get(SHOWN_KEY) or ""))


def offered(turn: Turn) -> dict:
    """The ids the numbers just offered stand for, and whether they are the worker's own sign-ups."""
    kept = turn.state.context.get(OPTIONS_KEY) or {}
    return {"ids": [int(i) for i in kept.get("ids") or []], "mine": bool(kept.get("mine"))}


def option_views(turn: Turn) -> list[ActivityView]:
    """The activities just listed, in the order shown (none when the list was 我的活动)."""
    options = offered(turn)
    if options["mine"]:
        return []
    service = turn.services.activities
    return [v for v in (service.get(i) for i in options["ids"]) if v is not None]


def only_option(turn: Turn) -> int | None:
    """The one activity just listed, when the list had exactly one."""
    ids = offered(turn)["ids"]
    return ids[0] if len(ids) == 1 and not offered(turn)["mine"] else None


def back_target(turn: Turn) -> str:
    """The choice that goes back to the page of the last list."""
    offset = int((turn.state.context.get(LIST_KEY) or {}).get("offset") or 0)
    return f"@action:activity:list:{offset}"


def whole_number(text: str) -> int | None:
    """The whole number a choice argument carries, or None."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else None

