"""Greetings, help and the services menu; polite answers to what the union does not handle."""
from __future__ import annotations

from bot.messages import Reply
from bot.turn import Turn

THANKS_WORDS = ("谢谢", "感谢", "多谢", "辛苦", "好的", "收到", "明白")


def handle(turn: Turn) -> Reply:
    """你好 / 帮助 / 菜单 / 谢谢: the numbered services list."""
    text = turn.text or ""
    if any(word in text for word in THANKS_WORDS) and len(text) <= 12:
        return turn.main_menu(turn.say("help_thanks"))
    return turn.main_menu(turn.say("help_greeting"))


def out_of_scope(turn: Turn) -> Reply:
    """Something the union's services do not cover: say so kindly and show what we can do."""
    return turn.main_menu(turn.say("help_out_of_scope"))
