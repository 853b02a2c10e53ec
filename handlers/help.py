"""Greetings, help and the services menu; polite answers to what the union does not handle."""
from __future__ import annotations

from bot.messages import Reply
from bot.turn import Turn

THANKS_WORDS = ("谢谢", "感谢", "多谢", "辛苦", "好的", "收到", "明白")


def handle(turn: Turn) -> Reply:
    """你好 / 帮助 / 菜单 / 谢谢: the numbered services list."""
    text = turn.text or ""
    if any(word in text for word in THANKS_WORDS) and len(text) <= 12:
        return turn.main_menu("不客气，能帮上忙就好！还有别的事也可以找我。")
    return turn.main_menu(turn.services.replies.get("help_greeting"))


def out_of_scope(turn: Turn) -> Reply:
    """Something the union's services do not cover: say so kindly and show what we can do."""
    return turn.main_menu("这个问题我帮不上忙，我是工会的服务助手，专门为职工办理工会的事。")
