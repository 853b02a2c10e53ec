"""Numbers as workers write them: 8千5, 一万二, 3w, 二十几, 十来天; cn2an does the numeral arithmetic."""
from __future__ import annotations

import re

import cn2an

# One number with its colloquial approximations: digits or numerals, an optional 万/千 tail digit,
# then 多/来/几/余 ("about").
NUMERAL = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万几]+)(?:[万千百wk](?:\d|[一二两三四五六七八九])?)?"
_APPROX = re.compile(r"(?:多|来|余|几)$")


_DIGITS = "一二三四五六七八九"
_NEIGHBOURS = re.compile(r"(.*?)([一二三四五六七八九])([一二三四五六七八九])")


def parse_number(token: str) -> tuple[float, bool] | None:
    """The value of a number token and whether it was approximate (三万多, 二十几); None if it is not one."""
    token = token.strip()
    approx = False
    if "几" in token:
        approx = True
        if token.startswith("几"):
            # 几十 / 几百: a few tens, read as the smallest plausible value, two of the unit.
            token = "二" + token[1:]
        token = token.replace("几", "")
    while token and _APPROX.search(token):
        token, approx = token[:-1], True
    neighbours = _NEIGHBOURS.fullmatch(token)
    if neighbours and _DIGITS.index(neighbours[3]) == _DIGITS.index(neighbours[2]) + 1:
        token, approx = neighbours[1] + neighbours[2], True  # 七八个人, 十七八岁: about seven, about seventeen
    if not token:
        return None
    token = token.replace("w", "万").replace("k", "千")
    try:
        value = cn2an.cn2an(token, "smart")
    except (ValueError, KeyError, IndexError):
        return None
    return float(value), approx
