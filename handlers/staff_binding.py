"""Staff binding: "绑定 12345678" sent by a staff member binds their WeChat to their console account for notices."""
from __future__ import annotations

import re

from bot.messages import Reply, TextReply
from bot.turn import Turn

PATTERN = re.compile(r"^\s*(绑定|绑定微信|绑定账号)\s*[:：]?\s*(\d{8})\s*$")


def bind(turn: Turn) -> Reply:
    """Bind the sender's WeChat to the console account whose one-time code they sent."""
    bound = turn.services.staff_notices.bind(turn.found.group(2), turn.openid)
    if bound is None:
        return TextReply(turn.say("staff_bind_refused"))
    turn.services.audit(bound.username, "account.wechat_bound", bound.username)
    return TextReply(turn.say("staff_bind_done", username=bound.username))
