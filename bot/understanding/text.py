"""One normal form for reading: half-width, lower case, simplified characters, same length as the input.

Keeping the length lets every reader report spans that index the worker's own message.
"""
from __future__ import annotations

import unicodedata

from bot.nlu.normalize import to_simplified

# Digits a worker may say one by one ("一三八…", "幺" for 1 on the phone).
DIGIT_WORDS = {"零": "0", "〇": "0", "○": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3",
               "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}


def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded.lower() if len(folded) == 1 else ch


def reading_form(text: str) -> str:
    """Half-width, lower-case, simplified text with exactly one character per input character."""
    folded = "".join(_fold_char(ch) for ch in str(text or ""))
    simple = to_simplified(folded)
    if len(simple) != len(folded):  # a phrase conversion changed the length: convert char by char
        simple = "".join(c if len(c := to_simplified(ch)) == 1 else ch for ch in folded)
    return simple


def is_cjk(ch: str) -> bool:
    """A CJK ideograph (the basic block and extension A)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
