"""Measure FAQ retrieval on labelled worker messages: `python -m bench.faq [file.jsonl ...]`.

For every legal message (intent legal_consult or rights_complaint) it checks whether the best answer's
topic equals the labelled topic, with and without the labelled topic as prior, and how long a search takes.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bot.services.legal_faq import LegalFAQ

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = (Path("/work/shared/eval/intents_dev.jsonl"), ROOT / "tests" / "nlu" / "heldout.jsonl")


def legal_messages(path: Path) -> list[dict]:
    """Return the labelled legal messages of one JSONL file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("topic")]


def evaluate(faq: LegalFAQ, rows: list[dict], use_prior: bool) -> dict:
    """Return topic accuracy of best_answer, the share answered at all, and the misses."""
    right = answered = 0
    misses = []
    for r in rows:
        hit = faq.best_answer(r["text"], topic_prior=r["topic"] if use_prior else None)
        answered += hit is not None
        if hit and hit.entry.topic == r["topic"]:
            right += 1
        else:
            misses.append((r["topic"], hit.entry.id if hit else None, r["text"]))
    n = len(rows) or 1
    return {"n": len(rows), "topic_accuracy": right / n, "answered": answered / n, "misses": misses}


def main(argv: list[str]) -> int:
    """Print accuracy per file and the misses without prior."""
    faq = LegalFAQ.load(ROOT / "content")
    for path in [Path(a) for a in argv] or [p for p in DEFAULT_FILES if p.exists()]:
        rows = legal_messages(path)
        start = time.perf_counter()
        plain = evaluate(faq, rows, use_prior=False)
        per_query_ms = (time.perf_counter() - start) * 1000 / (len(rows) or 1)
        prior = evaluate(faq, rows, use_prior=True)
        print(f"{path.name}: {plain['n']} legal messages, topic accuracy {plain['topic_accuracy']:.0%} "
              f"(with topic prior {prior['topic_accuracy']:.0%}), answered {plain['answered']:.0%}, "
              f"{per_query_ms:.1f} ms/query")
        for topic, got, text in plain["misses"]:
            print(f"   miss  {topic:24s} -> {got}  | {text[:50]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
