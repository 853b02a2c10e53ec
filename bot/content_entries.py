"""Reading and checking the entries of the editors' YAML: one error type, one reader, one placeholder filler.

bot/content.py loads and reloads the files themselves; this module reads what is in them.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

import opencc

from bot.nlu.normalize import Corrections

# Traditional input (加班費) should find the same answers as simplified (加班费).
_T2S = opencc.OpenCC("t2s")

# {zhejiang_min_wage_tier1} or {zhejiang_min_wage_tier1.effective_date}
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)(?:\.([a-z_]+))?\}")
FIGURE_FIELDS = ("value", "effective_date", "source")


class ContentError(ValueError):
    """A content file is missing, malformed, or has a bad entry; the message names the file and entry."""

    def __init__(self, path: str | Path, message: str, entry_id: str | None = None):
        self.path = str(path)
        self.entry_id = entry_id
        where = f"{self.path}" + (f" [entry {entry_id}]" if entry_id else "")
        super().__init__(f"{where}: {message}")


def read_yaml(path: str | Path) -> Any:
    """Read one YAML file, raising ContentError (naming the file) when missing or unparsable."""
    path = Path(path)
    if not path.exists():
        raise ContentError(path, "file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(path, f"not valid YAML: {exc}") from exc


def load_figures(path: str | Path) -> dict[str, dict[str, Any]]:
    """Load regional_figures.yaml: each figure needs value, effective_date and source."""
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("figures"), dict):
        raise ContentError(path, "expected a mapping under 'figures'")
    figures: dict[str, dict[str, Any]] = {}
    for key, figure in data["figures"].items():
        if not isinstance(figure, dict):
            raise ContentError(path, "figure must be a mapping", key)
        missing = [f for f in FIGURE_FIELDS if figure.get(f) in (None, "")]
        if missing:
            raise ContentError(path, f"missing {', '.join(missing)}", key)
        figures[str(key)] = dict(figure)
    return figures


def unverified_figures(path: str | Path) -> list[str]:
    """Return the keys of figures still marked needs_verification (for a content check before launch)."""
    return [key for key, figure in load_figures(path).items() if figure.get("needs_verification")]


def fill_placeholders(text: str, figures: Mapping[str, Mapping[str, Any]], path: str | Path,
                      entry_id: str | None) -> str:
    """Replace {figure} and {figure.field} with values from the figures; unknown ones raise ContentError."""

    def replace(match: re.Match) -> str:
        key, field = match.group(1), match.group(2) or "value"
        figure = figures.get(key)
        if figure is None or field not in figure:
            raise ContentError(path, f"unfilled placeholder {match.group(0)}", entry_id)
        value = figure[field]
        if isinstance(value, datetime.date):
            return f"{value.year}年{value.month}月{value.day}日"
        return str(value)

    return PLACEHOLDER.sub(replace, text)


def tidy_text(text: str) -> str:
    """Drop the spaces YAML folding leaves between Chinese sentences (一样。 浙江 -> 一样。浙江)."""
    return re.sub(r"(?<=[。！？；，：、）”」])\s+", "", text).strip()


def normalize(text: str) -> str:
    """Fold text for matching: full-width to half-width, lower case, traditional to simplified."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _T2S.convert(text)


def query_normalizer(content_dir: str | Path) -> Callable[[str], str]:
    """Return a function folding a worker's message with normalize() plus the typo table of content/nlu/corrections.txt.

    Punctuation is kept (unlike the intent matcher's normalisation): it tells jieba where phrases end.
    """
    corrections = Corrections.from_file(Path(content_dir) / "nlu" / "corrections.txt")
    return lambda text: corrections.apply(normalize(text))


def require_str(path: Path, entry: Mapping[str, Any], field: str, entry_id: str | None) -> str:
    """Return entry[field] as stripped text, or raise ContentError when it is missing or blank."""
    value = entry.get(field)
    if not isinstance(value, (str, int, float)) or not str(value).strip():
        raise ContentError(path, f"missing or empty '{field}'", entry_id)
    return str(value).strip()


def require_str_list(path: Path, entry: Mapping[str, Any], field: str, entry_id: str | None,
                     min_len: int = 0, max_len: int | None = None) -> tuple[str, ...]:
    """Return entry[field] as a tuple of non-empty strings within the length bounds."""
    value = entry.get(field, [])
    if value is None:
        value = []
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
        raise ContentError(path, f"'{field}' must be a list of non-empty strings", entry_id)
    if len(value) < min_len or (max_len is not None and len(value) > max_len):
        bounds = f"{min_len}-{max_len}" if max_len is not None else f"at least {min_len}"
        raise ContentError(path, f"'{field}' needs {bounds} items, has {len(value)}", entry_id)
    return tuple(v.strip() for v in value)
