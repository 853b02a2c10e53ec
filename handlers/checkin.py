"""A worker checks in at an activity's door by scanning its QR code with WeChat (scene checkin_<id>)."""
from __future__ import annotations

from bot.messages import Reply, TextReply
from bot.services.activities import SELF, ActivityNotFound, CheckInRefused, activity_of_scene
from bot.turn import Turn


def is_check_in(scene: str | None) -> bool:
    """Is this QR scene an activity's door?"""
    return activity_of_scene(scene) is not None


def on_door_scan(turn: Turn) -> Reply:
    """Check the worker in to the activity of the scanned code, and say so (or why not)."""
    activity_id = activity_of_scene(turn.message.event_key)
    services = turn.services
    view = services.activities.get(activity_id) if activity_id is not None else None
    if view is None:
        return TextReply(turn.say("checkin_self_unknown_activity"))
    try:
        services.attendance.check_in(activity_id, turn.worker.person_id, SELF)
    except CheckInRefused as refused:
        return TextReply(turn.say("checkin_self_refused", title=view.title, reason=turn.say(refused.reason)))
    except ActivityNotFound:
        return TextReply(turn.say("checkin_self_unknown_activity"))
    return TextReply(turn.say("checkin_self_done", title=view.title, place=f"{view.city} {view.place}"))
