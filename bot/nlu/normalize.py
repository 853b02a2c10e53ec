"""Normalisation before matching: width, traditional characters, emoji and punctuation, typos and homophones."""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc

_OPENCC_DIR = Path(opencc.__file__).resolve().parent / "dictionary"
_lock = threading.Lock()
_converter = None
_traditional_chars: frozenset[str] | None = None

# Everything that is not a letter, a digit or a CJK character is noise for matching.
_NOISE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_RUN = re.compile(r"[a-z]+(?: [a-z]+)*")
_LATIN_LETTER = re.compile(r"[a-z]")


def _traditional() -> frozenset[str]:
    """Return the characters OpenCC would change (a fast gate before the slow converter)."""
    global _traditional_chars
    if _traditional_chars is None:
        chars = set()
        with open(_OPENCC_DIR / "TSCharacters.txt", encoding="utf-8") as handle:
            for line in handle:
                key = line.split("\t", 1)[0]
                if len(key) == 1:
                    chars.add(key)
        _traditional_chars = frozenset(chars)
    return _traditional_chars


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified (OpenCC t2s), only when there are any."""
    global _converter
    if _traditional().isdisjoint(text):
        return text
    if _converter is None:
        with _lock:
            if _converter is None:
                _converter = opencc.OpenCC("t2s")
    return _converter.convert(text)


class Corrections:
    """A typo, homophone and pinyin correction table: wrong form -> right form, longest first."""

    def __init__(self, pairs: dict[str, str] | None = None):
        self.pairs: dict[str, str] = {}
        self.latin: dict[str, str] = {}
        for wrong, right in (pairs or {}).items():
            wrong = str(wrong).strip().lower()
            if not wrong:
                continue
            if wrong.replace(" ", "").isascii():
                self.latin[wrong.replace(" ", "")] = str(right)
            else:
                self.pairs[wrong] = str(right)
        self._cjk = (re.compile("|".join(re.escape(w) for w in sorted(self.pairs, key=len, reverse=True)))
                     if self.pairs else None)
        self._latin = (re.compile("|".join(re.escape(w) for w in sorted(self.latin, key=len, reverse=True)))
                       if self.latin else None)

    @classmethod
    def from_file(cls, path: str | Path) -> "Corrections":
        """Read `wrong<TAB or spaces>right` lines; `#` starts a comment."""
        pairs: dict[str, str] = {}
        path = Path(path)
        if path.exists():
            for raw in path.read_text(encoding="utf-8").splitlines():
                line = raw.split("#", 1)[0].strip()
                if not line:
                    continue
                parts = line.split("\t") if "\t" in line else line.rsplit(None, 1)
                if len(parts) == 2:
                    pairs[parts[0].strip()] = parts[1].strip()
        return cls(pairs)

    def apply(self, text: str) -> str:
        """Return text with every known wrong form replaced."""
        if self._latin is not None and _LATIN_LETTER.search(text):
            # Pinyin is typed with or without spaces: match each run of latin words with spaces removed.
            def fix_run(match: re.Match) -> str:
                run = match.group(0).replace(" ", "")
                fixed = self._latin.sub(lambda m: self.latin[m.group(0)], run)
                return fixed if fixed != run else match.group(0)

            text = _LATIN_RUN.sub(fix_run, text)
        if self._cjk is not None:
            text = self._cjk.sub(lambda m: self.pairs[m.group(0)], text)
        return text


EMPTY = Corrections()
_DEFAULT_TABLE = Path(__file__).resolve().parents[2] / "content" / "nlu" / "corrections.txt"
_default_corrections: Corrections | None = None


@lru_cache(maxsize=4096)
def _normalize_cached(text: str, corrections: Corrections) -> str:
    text = unicodedata.normalize("NFKC", text).lower()  # full-width letters, digits and spaces to half-width
    text = to_simplified(text)
    text = _NOISE.sub(" ", text)
    text = corrections.apply(text)
    # Spaces only matter between latin words (pinyin, English); drop the rest.
    text = re.sub(r"(?<![a-z0-9]) | (?![a-z0-9])", "", text.strip())
    return text


def normalize(text: str, corrections: Corrections | None = None) -> str:
    """Return text in the form the matcher reads: half-width, simplified, no emoji or punctuation, typos fixed."""
    if not text:
        return ""
    global _default_corrections
    if corrections is None:
        if _default_corrections is None:
            _default_corrections = Corrections.from_file(_DEFAULT_TABLE)
        corrections = _default_corrections
    return _normalize_cached(text, corrections)
