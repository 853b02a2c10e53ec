"""What a reply to a form's control question means: confirm, edit, cancel, pause, resume, yes, no, hand-off."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from bot.understanding.text import is_cjk, reading_form
from bot.understanding.words import ACT_NAMES, Words, alternation


class Act(enum.Enum):
    """A dialogue act at a form's step; NOTHING when the reply is not clearly one."""

    CONFIRM = "confirm"
    EDIT = "edit"
    CANCEL = "cancel"
    PAUSE = "pause"
    RESUME = "resume"
    YES = "yes"
    NO = "no"
    HANDOFF = "handoff"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Reading:
    """The act a reply performs and, for an edit, the field it names (name, phone, employer, city...)."""

    act: Act
    field: str | None = None

    @property
    def agrees(self) -> bool:
        """A plain yes at a consent step or a summary (好, 可以, 同意, 没错 交吧)."""
        return self.act in (Act.CONFIRM, Act.YES)


NOTHING = Reading(Act.NOTHING)

# When two acts are both said, the one kept (the less destructive one, or the more specific one).
_PAIRS = {
    frozenset({Act.CONFIRM, Act.EDIT}): Act.EDIT,          # 对，改一下电话
    frozenset({Act.CONFIRM, Act.CANCEL}): Act.CANCEL,      # 好吧 算了
    frozenset({Act.CONFIRM, Act.PAUSE}): Act.PAUSE,        # 好的 等会再说
    frozenset({Act.CONFIRM, Act.RESUME}): Act.RESUME,      # 好 继续
    frozenset({Act.CONFIRM, Act.YES}): Act.YES,            # 行 同意
    frozenset({Act.CONFIRM, Act.HANDOFF}): Act.HANDOFF,
    frozenset({Act.CANCEL, Act.PAUSE}): Act.PAUSE,         # 算了 以后再说: keep what was typed
    frozenset({Act.NO, Act.CANCEL}): Act.CANCEL,           # 不同意 算了
    frozenset({Act.EDIT, Act.RESUME}): Act.EDIT,
    frozenset({Act.PAUSE, Act.RESUME}): Act.PAUSE,         # 继续 等下再说... says it will come back
    frozenset({Act.CANCEL, Act.HANDOFF}): Act.HANDOFF,
    frozenset({Act.EDIT, Act.NO}): Act.EDIT,
}
_PUNCT = re.compile(r"[\s\W_]+")
_LATIN_WORD = re.compile(r"[a-z]+")


def _spaceless(phrase: str) -> str:
    """The key of a phrase: pinyin and English match with or without spaces ("tong yi", "tongyi")."""
    return "".join(phrase.split()) if phrase.isascii() else phrase


class ReplyReader:
    """Reads control replies and side questions with the words of content/understanding/replies.yaml."""

    def __init__(self, words: Words):
        self.words = words
        self._act_of: dict[str, Act] = {}
        for name in ACT_NAMES:
            for phrase in words.acts[name]:
                self._act_of.setdefault(_spaceless(phrase), Act[name])
        self._weak_of = {_spaceless(p): Act[a] for a, phrases in words.weak.items() for p in phrases}
        neutral = set(words.neutral) | set(words.reasons)
        self._neutral = neutral
        self._tokens = alternation([*(p for name in ACT_NAMES for p in words.acts[name]),
                                    *(p for phrases in words.weak.values() for p in phrases), *neutral])
        self._fields = [(f, alternation(ws)) for f, ws in words.fields.items()]
        self._field_any = alternation([w for ws in words.fields.values() for w in ws])
        self._markers = alternation(words.question_markers)
        self._openers = alternation(words.question_openers)
        self._not_questions = alternation(words.not_questions)

    def _negated(self, text: str, start: int, covered: bytearray) -> bool:
        lo = max(0, start - self.words.negation_window)
        return any(text[i] in self.words.negations and not covered[i] for i in range(lo, start))

    def read(self, text: str) -> Reading:
        """The act of a reply, or NOTHING when unsure (the form then asks again)."""
        norm = reading_form(text).strip()
        compact = _PUNCT.sub("", norm)
        if not compact:
            return NOTHING
        if compact in self.words.menu:
            return Reading(Act[self.words.menu[compact]])
        strong: dict[Act, int] = {}
        weak: set[Act] = set()
        blocked: set[Act] = set()
        matches = list(self._tokens.finditer(norm))
        covered = bytearray(len(norm))  # a negation inside other known words (没错, 不方便) is not ours
        for found in matches:
            covered[found.start():found.end()] = b"\x01" * (found.end() - found.start())
        for found in matches:
            phrase = _spaceless(found.group())
            act = self._act_of.get(phrase) or self._weak_of.get(phrase)
            if act is None:
                continue
            if self._negated(norm, found.start(), covered):
                blocked.add(act)
            elif phrase in self._act_of:
                strong[act] = strong.get(act, 0) + 1
            else:
                weak.add(act)
        for act in blocked:
            strong.pop(act, None)
            weak.discard(act)
        rest = self._tokens.sub(" ", norm)
        # An unexplained Latin word ("wang" in "wang xing") weighs like a word of three characters.
        leftover = sum(1 for ch in rest if is_cjk(ch)) + 3 * len(_LATIN_WORD.findall(rest))
        field_mention = self._field_any.search(norm)
        if strong:
            acts = set(strong)
        elif weak and not blocked and leftover == 0:
            acts = set(weak)
        else:
            return NOTHING
        act = self._choose(acts)
        if act is None:
            return NOTHING
        if act in (Act.CONFIRM, Act.CANCEL, Act.YES, Act.PAUSE, Act.RESUME) and self.looks_like_question(text):
            return NOTHING
        if act in (Act.CONFIRM, Act.YES) and field_mention and blocked:
            return Reading(Act.EDIT, self._field(norm))  # 电话不对 / 名字不正确 without an edit word
        limit = self.words.leftover[act.name] * (2 if strong.get(act, 0) > 1 else 1)
        if act is not Act.EDIT and leftover > limit:
            return NOTHING
        return Reading(act, self._field(norm) if act is Act.EDIT else None)

    def _choose(self, acts: set[Act]) -> Act | None:
        if len(acts) == 1:
            return next(iter(acts))
        if len(acts) == 2:
            return _PAIRS.get(frozenset(acts))
        return None

    def _field(self, norm: str) -> str | None:
        best = None
        for field, pattern in self._fields:
            found = pattern.search(norm)
            if found and (best is None or found.start() < best[1]):
                best = (field, found.start())
        return best[0] if best else None

    def looks_like_question(self, text: str) -> bool:
        """A side question ("插一句，年假一年有几天") rather than an answer to the form's question."""
        norm = reading_form(text)
        if self._openers.search(norm):
            rest = self._openers.sub("", norm)
            if sum(1 for ch in rest if is_cjk(ch)) >= 2:
                return True
        cleaned = self._not_questions.sub(" ", norm)
        return bool(self._markers.search(cleaned))
