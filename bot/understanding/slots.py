"""Readers of single slots from free text. Each takes the reading form of a message and returns Found or None."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from bot.services.identity_checks import PROVINCE_CODES, birth_date_of, id_check_digit
from bot.understanding.numbers import NUMERAL, parse_number
from bot.understanding.text import DIGIT_WORDS, is_cjk
from bot.understanding.words import Words, alternation

T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """A value read from a message and the span [start, end) of the message it came from."""

    value: T
    start: int
    end: int


@dataclass(frozen=True)
class Amount:
    """An amount of money in yuan; approximate for 三万多 / 八千来块."""

    yuan: int
    approximate: bool = False


@dataclass(frozen=True)
class Count:
    """A number of people; approximate for 二十几个 / 一百多."""

    people: int
    approximate: bool = False


@dataclass(frozen=True)
class Duration:
    """A length of time: amount of unit ('day', 'week', 'month', 'year')."""

    amount: float
    unit: str
    approximate: bool = False

    @property
    def months(self) -> float:
        """The length in months (30 days, 4.3 weeks to a month)."""
        per_month = {"day": 1 / 30, "week": 7 / 30, "month": 1, "year": 12}[self.unit]
        return round(self.amount * per_month, 2)


# --- phones and ID numbers --------------------------------------------------------------

_SEPARATOR = set(" -—–_.·/")
_MAX_SEPARATORS = 3  # "138 - 5761" has three


def _digit_runs(text: str):
    """Runs of digits (arabic or spoken one by one) with at most three separator characters between them."""
    run, positions, gap, start = [], [], 0, None
    for i, ch in enumerate(text + "\0"):
        digit = ch if ch.isdigit() and ch.isascii() else DIGIT_WORDS.get(ch)
        if ch == "x" and run and len(run) == 17:
            digit = "X"
        if digit is not None:
            if start is None:
                start = i
            run.append(digit)
            positions.append(i)
            gap = 0
            if digit == "X":
                yield "".join(run), start, i + 1
                run, positions, start = [], [], None
        elif run and (ch in _SEPARATOR or (ch == "+" and not run)) and gap < _MAX_SEPARATORS:
            gap += 1
        else:
            if run:
                yield "".join(run), start, positions[-1] + 1
            run, positions, gap, start = [], [], 0, None


def find_phone(text: str) -> Found[str] | None:
    """A mainland mobile number written with spaces, dashes, full-width or spoken digits, +86."""
    for digits, start, end in _digit_runs(text):
        if "X" in digits:
            continue
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        elif len(digits) == 15 and digits.startswith("0086"):
            digits = digits[4:]
        if len(digits) == 11 and re.fullmatch(r"1[3-9]\d{9}", digits):
            return Found(digits, start, end)
    return None


def find_id_number(text: str) -> Found[str] | None:
    """An 18-character mainland ID number with a right check digit and a real birth date."""
    for digits, start, end in _digit_runs(text):
        if len(digits) != 18 or not digits[:17].isdigit():
            continue
        if digits[:2] in PROVINCE_CODES and birth_date_of(digits) and id_check_digit(digits[:17]) == digits[17]:
            return Found(digits, start, end)
    return None


# --- amounts, counts, durations ---------------------------------------------------------

_MONEY = re.compile(rf"(?P<n>{NUMERAL})(?P<approx>多|来|余)?(?P<cur>块钱|块|元|rmb)?")
_NOT_MONEY_AFTER = ("个", "月", "天", "年", "人", "号", "点", "岁", "楼", "小时", "次", "位", "名", "周", "星期",
                    "倍", "分", "斤", "米", "条", "家", "层", "礼拜", "半", "%", "级", "期", "日", "工", "号人")
_MONEY_CONTEXT = ("工资", "工钱", "欠", "钱", "补偿", "赔偿", "薪", "一共", "总共", "金额", "加班费", "拖", "月薪", "底薪")


def find_amounts(text: str) -> list[Found[Amount]]:
    """Amounts of money: 三万多, 8千5, 一万二, 1.2万, 3w, 5000块 (not counts, dates or phone numbers)."""
    found = []
    for m in _MONEY.finditer(text):
        token = m.group("n")
        if token.isdigit() and len(token) > 7:
            continue  # a phone, an ID or an order number
        if m.start() > 0 and (text[m.start() - 1].isdigit() or text[m.start() - 1] == "."):
            continue
        after = text[m.end():m.end() + 2]
        if any(after.startswith(w) for w in _NOT_MONEY_AFTER) and not m.group("cur"):
            continue
        has_unit = bool(re.search(r"[万千百wk]", token))
        context = any(w in text[max(0, m.start() - 6):m.start()] for w in _MONEY_CONTEXT)
        if not (m.group("cur") or has_unit or (context and re.search(r"\d|十", token))):
            continue
        parsed = parse_number(token)
        if parsed is None or parsed[0] < 10:
            continue
        value, approx = parsed
        found.append(Found(Amount(int(round(value)), approx or bool(m.group("approx"))), m.start(), m.end()))
    return found


_COUNT = re.compile(rf"(?P<n>{NUMERAL})(?P<approx>多|来|余)?(?:个|名|位|号)?(?:人|工友|同事|员工|工人)")
_PARTNERS = re.compile(r"我(?:和|跟|与|带|带上|带着)(?:我)?(?:的)?(老婆|老公|爱人|媳妇|孩子|儿子|女儿|朋友|同事|妈妈|爸爸|"
                       r"家属|对象|男朋友|女朋友|老妈|老爸|母亲|父亲)")


def find_headcount(text: str) -> Found[Count] | None:
    """How many people: 二十几个人, 一百多人, 我们组5个人, 我和我老婆两个人, 就我一个人."""
    for m in _COUNT.finditer(text):
        parsed = parse_number(m.group("n"))
        if parsed is None or parsed[0] < 1:
            continue
        value, approx = parsed
        return Found(Count(int(value), approx or bool(m.group("approx"))), m.start(), m.end())
    m = _PARTNERS.search(text)
    if m:
        return Found(Count(2), m.start(), m.end())
    return None


_DURATION = re.compile(rf"(?P<n>{NUMERAL}|半)(?P<approx1>多|来)?(?P<ge>个)?(?P<approx2>多|半)?"
                       r"(?P<unit>月|年|天|星期|周|礼拜)(?P<half>半)?")
_UNITS = {"月": "month", "年": "year", "天": "day", "星期": "week", "周": "week", "礼拜": "week"}


_DEDUCTED = re.compile(r"[扣罚赔]")
_WAGES = re.compile(r"的?(工资|工钱|薪水|薪资)")


def find_duration(text: str) -> Found[Duration] | None:
    """A length of time: 三个月, 半年, 一年半, 十来天, 八个多月, 两周 (not 三月 = March, not 2024年)."""
    for m in _DURATION.finditer(text):
        unit = _UNITS[m.group("unit")]
        if m.group("unit") in ("星期", "周", "礼拜") and text[m.end():m.end() + 1] in set("一二三四五六日天末1234567"):
            if m.group("n") not in ("半",) and not m.group("ge"):
                continue  # 周日, 星期三
        if unit == "month" and not m.group("ge"):
            continue  # 三月 is March; a length of months needs 个
        if unit == "day" and text[m.start() - 1:m.start()] in ("今", "明", "后", "昨", "前", "每"):
            continue
        if _DEDUCTED.search(text[max(0, m.start() - 4):m.start()]) and _WAGES.match(text, m.end()):
            continue  # 扣了我半个月工资: an amount taken, not how long it has gone on
        token = m.group("n")
        if token == "半":
            value, approx = 0.5, False
        else:
            parsed = parse_number(token)
            if parsed is None:
                continue
            value, approx = parsed
        if unit == "year" and value >= 100:
            continue  # 2024年 is a year, not a length
        if m.group("approx2") == "半" or m.group("half"):
            value += 0.5
        approx = approx or bool(m.group("approx1")) or m.group("approx2") == "多"
        if unit == "month" and value == 0.5:
            value, unit = 15, "day"
        elif unit == "year" and value != int(value):
            value, unit = value * 12, "month"
        elif unit == "year" and value == 0.5:
            value, unit = 6, "month"
        return Found(Duration(value if value != int(value) else int(value), unit, approx), m.start(), m.end())
    return None


_SINCE = re.compile(r"(?:从|自从|自)?(?P<year>去年|今年|前年|\d{4}年)?(?:(?P<rel>上上个月|上个月|这个月|本月)|"
                    r"(?P<month>\d{1,2}|十[一二]?|[一二三四五六七八九])月份?|(?P<edge>年初|年底|年中))"
                    r"(?P<part>初|底|中旬|中)?(?:份)?(?P<tail>开始|起|以来|到现在|至今|就|一直)")


def find_since(text: str, today: date) -> Found[date] | None:
    """Since when: 从去年十月开始, 今年三月起, 上个月开始, 八月份开始 (the first day of that month)."""
    m = _SINCE.search(text)
    if not m or (m.group("tail") in ("就", "一直") and not text[m.start():m.start() + 1] in ("从", "自")):
        return None
    year = today.year
    word = m.group("year")
    if word:
        year = {"去年": year - 1, "今年": year, "前年": year - 2}.get(word) or int(word[:-1])
    if m.group("rel"):
        back = {"上上个月": 2, "上个月": 1, "这个月": 0, "本月": 0}[m.group("rel")]
        month, year = today.month - back, today.year
        while month < 1:
            month, year = month + 12, year - 1
    elif m.group("edge"):
        month = {"年初": 1, "年中": 6, "年底": 12}[m.group("edge")]
    else:
        parsed = parse_number(m.group("month"))
        if parsed is None or not 1 <= parsed[0] <= 12:
            return None
        month = int(parsed[0])
        if not word and month > today.month:
            year -= 1  # 八月份开始 said in March means last August
    day = 1
    if m.group("part") == "底":
        day = 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31
    elif m.group("part") in ("中", "中旬"):
        day = 15
    return Found(date(year, month, day), m.start(), m.end())


# --- names --------------------------------------------------------------------------------


class NameReader:
    """A person's own name after 我叫/名字是/我是..., or a bare 2-4 character name."""

    def __init__(self, words: Words, place_words: frozenset[str] = frozenset()):
        self.words = words
        self._cues = alternation(words.name_cues)
        self._compound = tuple(s for s in words.surnames if len(s) > 1)
        self._place_words = place_words

    def _surname_len(self, text: str) -> int:
        for s in self._compound:
            if text.startswith(s):
                return len(s)
        return 1 if text[:1] in self.words.surnames else 0

    def _is_name(self, cand: str) -> bool:
        n = self._surname_len(cand)
        if not n or not 2 <= len(cand) <= 4 or len(cand) - n not in (1, 2) and not (n == 2 and len(cand) == 4):
            return False
        if not all(is_cjk(ch) for ch in cand) or any(ch in self.words.name_stop_chars for ch in cand[n:]):
            return False
        if cand in self.words.not_names or cand[:2] in self.words.not_names:
            return False
        if any(cand.startswith(p) for p in self._place_words):
            return False
        return not any(cand.endswith(r) or cand[n:].startswith(r) for r in self.words.name_relations if len(r) > 1)

    def _name_at(self, text: str, i: int) -> tuple[str, int] | None:
        for length in (4, 3, 2):
            cand = text[i:i + length]
            if len(cand) < length or not self._is_name(cand):
                continue
            nxt = text[i + length:i + length + 1]
            if nxt and is_cjk(nxt) and nxt not in self.words.name_stop_chars and not any(
                    text.startswith(r, i + length) for r in self.words.name_relations):
                continue
            return cand, i + length
        return None

    def find(self, text: str) -> Found[str] | None:
        """The worker's own name, or None (never someone else's: 我是李建国的家属, 我老公叫吴刚)."""
        for cue in self._cues.finditer(text):
            i = cue.end()
            while i < len(text) and text[i] in " :：,，是":
                i += 1
            got = self._name_at(text, i)
            if got is None:
                continue
            name, end = got
            rest = text[end:end + 3].lstrip(" ,，")
            if any(rest.startswith(r) for r in self.words.name_relations):
                return None  # 我是李建国的家属
            return Found(name, i, end)
        cue = text.find(self.words.surname_cue)
        if cue >= 0:
            j = text.find("叫", cue)
            if j > 0:
                got = self._name_at(text, j + 1)
                if got:
                    return Found(got[0], j + 1, got[1])
        bare = text.strip(" ,，。.!！~")
        if bare and self._is_name(bare):
            start = text.index(bare)
            return Found(bare, start, start + len(bare))
        return None


# --- employers ------------------------------------------------------------------------------


class EmployerReader:
    """The employer's name: 杭州某某电子厂, 单位是…, 在美团送外卖."""

    def __init__(self, words: Words, place_words: frozenset[str] = frozenset()):
        self.words = words
        self._suffix = alternation(words.employer_suffixes)
        self._cues = alternation(words.employer_cues)
        self._verbs = alternation(words.work_verbs)
        self._place_words = place_words

    def _good(self, name: str, suffix_len: int) -> bool:
        core = name[:len(name) - suffix_len] if suffix_len else name
        if len(core) < 2 or core in self.words.employer_generic or core in self._place_words:
            return False
        return not any(core.startswith(g) and len(core) <= len(g) + 1 for g in self.words.employer_generic)

    def find(self, text: str) -> Found[str] | None:
        """The employer named in the message, or None for 我们厂 / 一家快递公司."""
        for cue in self._cues.finditer(text):
            start = cue.end()
            end = start
            while end < len(text) and (is_cjk(text[end]) or text[end].isalnum()) and text[end] not in "，,。":
                end += 1
            name = text[start:end]
            if self._good(name, 0):
                return Found(name, start, end)
        for m in self._suffix.finditer(text):
            start = m.start()
            while start > 0 and (is_cjk(text[start - 1]) or text[start - 1].isalnum()) \
                    and text[start - 1] not in self.words.employer_left_stops:
                start -= 1
            name = text[start:m.end()]
            if self._good(name, len(m.group())):
                return Found(name, start, m.end())
        for m in self._verbs.finditer(text):
            at = text.rfind("在", 0, m.start())
            if at < 0 or m.start() - at > 9:
                continue
            name = text[at + 1:m.start()].strip()
            if name and all(is_cjk(c) or c.isalnum() for c in name) and self._good(name, 0) \
                    and not any(name.startswith(p) or name.endswith(p) for p in self._place_words):
                return Found(name, at + 1, m.start())
        return None


class WantReader:
    """What the worker wants done (back_pay, compensation, contract, social_insurance, stop_overtime...)."""

    def __init__(self, words: Words):
        self.words = words
        self._of = {p: key for key, ps in words.wants.items() for p in ps}
        self._pattern = alternation(self._of)

    def find(self, text: str) -> list[Found[str]]:
        """Every want mentioned, in order, without those explicitly refused (不要赔偿)."""
        found, seen = [], set()
        for m in self._pattern.finditer(text):
            key = self._of[m.group()]
            before = text[max(0, m.start() - 3):m.start()]
            if key in seen or any(before.endswith(r) for r in self.words.want_refusals):
                continue
            seen.add(key)
            found.append(Found(key, m.start(), m.end()))
        return found
