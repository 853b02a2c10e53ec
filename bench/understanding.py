"""Benchmark the understanding layer: start-up, throughput, p50/p99 latency per message, peak memory.

Each message is read as a form would: reading_of_reply + looks_like_question + extract.
Run: /work/main/.venv/bin/python bench/understanding.py [--repeat N]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STARTUP_PROBE = r"""
import sys, time, resource
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from bot.understanding import Understanding
u = Understanding.from_content({content!r})
t1 = time.perf_counter()
print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def messages() -> list[str]:
    """Every labelled message of tests/understanding/data (short replies and long voice-to-text alike)."""
    out = []
    for name in ("labelled.yaml", "heldout.yaml"):
        data = yaml.safe_load((ROOT / "tests" / "understanding" / "data" / name).read_text(encoding="utf-8"))
        out.extend(str(m["text"]) for m in data["messages"])
    return out


def startup() -> tuple[float, float]:
    """Seconds from a fresh interpreter to a ready Understanding, and that process's peak RSS in MB."""
    probe = STARTUP_PROBE.format(root=str(ROOT), content=str(ROOT / "content"))
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    seconds, rss = out.split()[-2:]
    return float(seconds), float(rss)


def main() -> None:
    """Print the figures as one JSON object."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    from bot.services.places import Regions
    from bot.understanding import Understanding
    start_seconds, start_rss = startup()
    understanding = Understanding.from_content(ROOT / "content")
    regions = Regions.from_content(yaml.safe_load((ROOT / "content" / "places.yaml").read_text(encoding="utf-8")))
    today = date(2025, 12, 3)
    texts = messages()

    def one(text: str) -> None:
        understanding.reading_of_reply(text)
        understanding.looks_like_question(text)
        understanding.extract(text, today, regions)

    for text in texts:  # warm-up: regions readers, jionlp patterns, OpenCC
        one(text)
    latencies = []
    began = time.perf_counter()
    for _ in range(args.repeat):
        for text in texts:
            t = time.perf_counter()
            one(text)
            latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - began
    latencies.sort()
    tracemalloc.start()
    for text in texts:
        one(text)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    long_texts = [t for t in texts if len(t) >= 40]
    long_lat = []
    for text in long_texts * args.repeat:
        t = time.perf_counter()
        one(text)
        long_lat.append(time.perf_counter() - t)
    long_lat.sort()
    print(json.dumps({
        "messages": len(texts), "repeat": args.repeat,
        "startup_seconds": round(start_seconds, 3), "startup_peak_rss_mb": round(start_rss, 1),
        "throughput_msgs_per_s": round(len(latencies) / elapsed),
        "p50_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 3),
        "max_ms": round(latencies[-1] * 1000, 3),
        "long_messages_p50_ms": round(statistics.median(long_lat) * 1000, 3) if long_lat else None,
        "per_message_peak_alloc_kb": round(traced_peak / 1024, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
