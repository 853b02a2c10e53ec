"""The word lists of content/understanding/, loaded and checked once by the composition root."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.understanding.text import reading_form

ACT_NAMES = ("CONFIRM", "EDIT", "CANCEL", "PAUSE", "RESUME", "YES", "NO", "HANDOFF")


def _words(data: dict, key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise ValueError(f"{path}: '{key}' must be a list of words")
    if any(isinstance(v, bool) for v in value):  # YAML 1.1 reads unquoted yes/no/on/off as true/false
        raise ValueError(f"{path}: '{key}' has yes, no, on or off without quotes; write them as \"yes\"")
    return tuple(reading_form(str(v)).strip() for v in value if str(v).strip())


def alternation(phrases, *, ascii_bounds: bool = True) -> re.Pattern:
    """One regex that finds any phrase, longest first (ASCII phrases only as whole words, spaces optional)."""
    parts = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        escaped = re.escape(phrase)
        if ascii_bounds and phrase.isascii():
            # Pinyin is written with or without spaces between syllables ("tong yi", "tongyi").
            escaped = escaped.replace(re.escape(" "), r"\s*")
            escaped = rf"(?<![a-z0-9]){escaped}(?![a-z0-9])"
        parts.append(escaped)
    return re.compile("|".join(parts) if parts else r"(?!x)x")


@dataclass(frozen=True)
class Words:
    """Every word list the readers use; immutable once built."""

    acts: dict[str, tuple[str, ...]]
    weak: dict[str, tuple[str, ...]]
    menu: dict[str, str]
    neutral: tuple[str, ...]
    reasons: tuple[str, ...]
    negations: str
    negation_window: int
    leftover: dict[str, int]
    fields: dict[str, tuple[str, ...]]
    question_markers: tuple[str, ...]
    question_openers: tuple[str, ...]
    not_questions: tuple[str, ...]
    name_cues: tuple[str, ...]
    surname_cue: str
    surnames: frozenset[str]
    name_stop_chars: frozenset[str]
    name_relations: tuple[str, ...]
    not_names: frozenset[str]
    employer_suffixes: tuple[str, ...]
    employer_cues: tuple[str, ...]
    work_verbs: tuple[str, ...]
    employer_left_stops: frozenset[str]
    employer_generic: frozenset[str]
    place_need_context: frozenset[str]
    street_after: tuple[str, ...]
    wants: dict[str, tuple[str, ...]]
    want_refusals: tuple[str, ...]

    @classmethod
    def from_dir(cls, folder: str | Path) -> "Words":
        """Read replies.yaml and slots.yaml from folder; raise ValueError naming the file and key."""
        folder = Path(folder)
        replies_path, slots_path = folder / "replies.yaml", folder / "slots.yaml"
        reply_words = yaml.safe_load(replies_path.read_text(encoding="utf-8")) or {}
        slots = yaml.safe_load(slots_path.read_text(encoding="utf-8")) or {}
        acts_raw = reply_words.get("acts") or {}
        missing = [a for a in ACT_NAMES if a not in acts_raw]
        if missing:
            raise ValueError(f"{replies_path}: 'acts' lacks {', '.join(missing)}")
        unknown = [a for a in acts_raw if a not in ACT_NAMES]
        if unknown:
            raise ValueError(f"{replies_path}: unknown acts {', '.join(unknown)}")
        acts = {a: _words(acts_raw, a, replies_path) for a in ACT_NAMES}
        weak = {a: _words(reply_words.get("weak") or {}, a, replies_path) for a in (reply_words.get("weak") or {})}
        menu = {str(k): str(v) for k, v in (reply_words.get("menu") or {}).items()}
        if any(v not in ACT_NAMES for v in menu.values()):
            raise ValueError(f"{replies_path}: 'menu' maps to an unknown act")
        leftover = {str(k): int(v) for k, v in (reply_words.get("leftover") or {}).items()}
        if set(leftover) != set(ACT_NAMES):
            raise ValueError(f"{replies_path}: 'leftover' must give a number for every act")
        fields = {str(k): _words(reply_words["fields"], k, replies_path) for k in reply_words.get("fields") or {}}
        questions = reply_words.get("questions") or {}
        names, employers = slots.get("names") or {}, slots.get("employers") or {}
        places, wants = slots.get("places") or {}, dict(slots.get("wants") or {})
        refusals = wants.pop("refusals", [])
        return cls(
            acts=acts, weak=weak, menu=menu,
            neutral=_words(reply_words, "neutral", replies_path),
            reasons=_words(reply_words, "reasons", replies_path),
            negations="".join(_words(reply_words, "negations", replies_path)),
            negation_window=int(reply_words.get("negation_window") or 4),
            leftover=leftover, fields=fields,
            question_markers=_words(questions, "markers", replies_path),
            question_openers=_words(questions, "openers", replies_path),
            not_questions=_words(questions, "not_questions", replies_path),
            name_cues=_words(names, "cues", slots_path),
            surname_cue=reading_form(str(names.get("surname_cue") or "我姓")),
            surnames=frozenset(_words(names, "surnames", slots_path)),
            name_stop_chars=frozenset(str(names.get("stop_chars") or "")),
            name_relations=_words(names, "relations", slots_path),
            not_names=frozenset(_words(names, "not_names", slots_path)),
            employer_suffixes=_words(employers, "suffixes", slots_path),
            employer_cues=_words(employers, "cues", slots_path),
            work_verbs=_words(employers, "work_verbs", slots_path),
            employer_left_stops=frozenset(_words(employers, "left_stops", slots_path)),
            employer_generic=frozenset(_words(employers, "generic", slots_path)),
            place_need_context=frozenset(_words(places, "need_city_or_suffix", slots_path)),
            street_after=_words(places, "street_after", slots_path),
            wants={k: _words(wants, k, slots_path) for k in wants},
            want_refusals=tuple(reading_form(str(r)) for r in refusals),
        )
