"""Precision and recall per slot on the labelled messages (tests/understanding/data/labelled.yaml).

Run: python -m tests.understanding.scoring [labelled|heldout] [-v]  (the table, and with -v every miss)
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "labelled.yaml"
SLOTS = ("act", "field", "question", "name", "phone", "id_number", "city", "district", "employer", "money",
         "headcount", "duration", "since", "when", "wants")


@dataclass
class Tally:
    """True positives, false positives and false negatives of one slot."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of values read that were right."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of labelled values that were read right."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load(path: Path = DATA):
    """A labelled set: (today, messages)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return data["today"], data["messages"]


def predicted(understanding, regions, text: str, today: date) -> dict:
    """What the understanding layer read, in the labels' vocabulary."""
    reading = understanding.reading_of_reply(text)
    ex = understanding.extract(text, today, regions)
    dur = ex.duration.value if ex.duration else None
    return {
        "act": reading.act.name if reading.act.name != "NOTHING" else None,
        "field": reading.field,
        "question": understanding.looks_like_question(text) or None,
        "name": ex.name.value if ex.name else None,
        "phone": ex.phone.value if ex.phone else None,
        "id_number": ex.id_number.value if ex.id_number else None,
        "city": ex.place.value.city if ex.place else None,
        "district": ex.place.value.district if ex.place else None,
        "employer": ex.employer.value if ex.employer else None,
        "money": ex.money.value.yuan if ex.money else None,
        "headcount": ex.headcount.value.people if ex.headcount else None,
        "duration": f"{dur.amount:g} {dur.unit}" if dur else None,
        "since": ex.since.value.isoformat() if ex.since else None,
        "when": ex.when.value.day.isoformat() if ex.when else None,
        "wants": sorted(w.value for w in ex.wants) or None,
    }


def expected(entry: dict) -> dict:
    """The labels of one message in the same vocabulary (absent = nothing)."""
    out = {}
    for slot in SLOTS:
        value = entry.get(slot)
        if slot == "act" and isinstance(value, bool):
            value = "YES" if value else "NO"  # unquoted YES/NO are YAML 1.1 booleans
        if slot == "act" and value == "NOTHING":
            value = None
        if slot == "question" and not value:
            value = None
        if isinstance(value, date):
            value = value.isoformat()
        if slot == "wants" and value:
            value = sorted(value)
        if slot in ("phone", "id_number") and value is not None:
            value = str(value)
        out[slot] = value
    return out


def score(understanding, regions, path: Path = DATA) -> dict[str, Tally]:
    """Compare every message's reading with its labels."""
    today, messages = load(path)
    tallies = {slot: Tally() for slot in SLOTS}
    for entry in messages:
        got, want = predicted(understanding, regions, entry["text"], today), expected(entry)
        for slot in SLOTS:
            g, w = got[slot], want[slot]
            tally = tallies[slot]
            if g is not None and g == w:
                tally.tp += 1
                continue
            if g is not None:
                tally.fp += 1
            if w is not None:
                tally.fn += 1
            if g != w:
                tally.misses.append((entry["text"], w, g))
    return tallies


def main() -> None:
    """Print the table and the misses."""
    from bot.services.places import Regions
    from bot.understanding import Understanding
    root = Path(__file__).resolve().parents[2]
    understanding = Understanding.from_content(root / "content")
    regions = Regions.from_content(yaml.safe_load((root / "content" / "places.yaml").read_text(encoding="utf-8")))
    sets = [a for a in sys.argv[1:] if not a.startswith("-")] or ["labelled"]
    path = Path(__file__).parent / "data" / f"{sets[0]}.yaml"
    tallies = score(understanding, regions, path)
    print(f"set: {path.name}")
    print(f"{'slot':<10} {'labelled':>8} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}")
    for slot, t in tallies.items():
        print(f"{slot:<10} {t.tp + t.fn:>8} {t.tp:>4} {t.fp:>4} {t.fn:>4} {t.precision:>9.2f} {t.recall:>7.2f}")
    if "-v" in sys.argv:
        for slot, t in tallies.items():
            for text, want, got in t.misses:
                print(f"  [{slot}] {text!r}: want {want!r}, got {got!r}")


if __name__ == "__main__":
    main()
