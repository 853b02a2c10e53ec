"""Benchmark the intent matcher (rules and learned model): start-up, throughput on one core, latency, memory.

Run: taskset -c 1 .venv/bin/python bench/nlu.py [--dev FILE] [--repeat N]
(pinned to one core, as the figures in content/nlu/README.md were measured)
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEV = Path("/work/shared/eval/intents_dev.jsonl")
FALLBACK = ROOT / "tests" / "nlu" / "heldout.jsonl"

STARTUP_PROBE = r"""
import time
t0 = time.perf_counter()
c0 = time.process_time()
import sys
sys.path.insert(0, {root!r})
from bot.nlu import IntentMatcher
matcher = IntentMatcher.from_content({content!r}, cache_dir={cache!r})
ready = time.perf_counter()
matcher.classify("老板拖了我两个月工姿了怎么办")
assert matcher.model is not None, matcher.model_status
t1 = time.perf_counter()
c1 = time.process_time()
matcher.tokenizer.tokens("劳动合同到期了")
t2 = time.perf_counter()
print(t1 - t0, t2 - t0, c1 - c0, ready - t0)
"""


def startup(runs: int = 5) -> tuple[float, float, float, float, float]:
    """Return best and median seconds to first classification, jieba ready, one wall time, median CPU seconds and
    the median seconds until the matcher is ready (the model is read on the first message that needs it)."""
    cache = str(ROOT / "var" / "cache")
    code = STARTUP_PROBE.format(root=str(ROOT), content=str(ROOT / "content"), cache=cache)
    firsts, jiebas, cpus, readies = [], [], [], []
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)  # warm the caches
    for _ in range(runs):
        wall = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - wall
        first, jieba_ready, cpu, ready = map(float, out.stdout.split())
        readies.append(ready)
        firsts.append(first)
        cpus.append(cpu)
        jiebas.append(jieba_ready)
    return (min(firsts), statistics.median(firsts), statistics.median(jiebas), wall, statistics.median(cpus),
            statistics.median(readies))


def main() -> None:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV if DEFAULT_DEV.exists() else FALLBACK)
    parser.add_argument("--repeat", type=int, default=30, help="how many times to run through the set")
    args = parser.parse_args()
    # Classification is single-threaded: this measures one core (taskset -c N keeps it on one chosen core).

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    best, median, jieba_ready, wall, cpu, ready = startup()

    sys.path.insert(0, str(ROOT))
    from bot.nlu import IntentMatcher

    texts = [json.loads(line)["text"] for line in args.dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    tracemalloc.start()
    matcher = IntentMatcher.from_content(ROOT / "content", cache_dir=ROOT / "var" / "cache")
    matcher.classify(texts[0])
    _, load_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # Throughput without the normalisation cache (every message is new to the process).
    from bot.nlu.normalize import _normalize_cached
    latencies = []
    cpu_started = time.process_time()
    started = time.perf_counter()
    for _ in range(args.repeat):
        _normalize_cached.cache_clear()
        for text in texts:
            t = time.perf_counter()
            matcher.classify(text)
            latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    cpu_elapsed = time.process_time() - cpu_started
    n = len(texts) * args.repeat
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1e6
    p99 = latencies[int(len(latencies) * 0.99)] * 1e6
    worst = latencies[-1] * 1e6
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # The learned model on its own: load time (median of 5, without tracemalloc, which slows allocation-heavy
    # code several times over), memory and size (the matcher above loaded it too).
    from bot.nlu.model import LearnedModel, model_path
    path = model_path(ROOT / "content")
    loads = []
    for _ in range(5):
        t = time.perf_counter()
        LearnedModel.load(path)
        loads.append(time.perf_counter() - t)
    model_load = statistics.median(loads)
    tracemalloc.start()
    LearnedModel.load(path)
    _, model_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Every message new to the process: the jieba cut cache cleared too (the loop above keeps it, so from the second
    # pass on it measures the matcher without jieba's cutting, a quarter of a message's cost).
    cold_repeat = max(1, args.repeat // 3)
    cold_started = time.process_time()
    for _ in range(cold_repeat):
        _normalize_cached.cache_clear()
        matcher.segmenter._plain_cut.cache_clear()
        for text in texts:
            matcher.classify(text)
    cold_rate = len(texts) * cold_repeat / (time.process_time() - cold_started)
    rules_latencies = []
    for text in texts:
        t = time.perf_counter()
        matcher.rules_only(text)
        rules_latencies.append(time.perf_counter() - t)
    rules_latencies.sort()

    rows = [
        ("start-up: matcher ready, model read on first use (fresh process, median of 5)", f"{ready * 1000:.0f} ms"),
        ("start-up to first classification, jieba included (fresh process, median of 5)", f"{median * 1000:.0f} ms (best {best * 1000:.0f} ms)"),
        ("start-up to first classification, CPU time (median)", f"{cpu * 1000:.0f} ms"),
        ("whole probe: interpreter, matcher and jieba (wall, last run)", f"{wall * 1000:.0f} ms"),
        ("full-dictionary jieba ready too (misses report only, median)", f"{jieba_ready * 1000:.0f} ms"),
        ("messages", f"{n} ({len(texts)} x {args.repeat}, {args.dev.name})"),
        ("throughput, one core (wall)", f"{n / elapsed:,.0f} msg/s"),
        ("throughput, one core (CPU time)", f"{n / cpu_elapsed:,.0f} msg/s"),
        ("latency p50 / p99 / max", f"{p50:.0f} / {p99:.0f} / {worst:.0f} µs"),
        ("throughput, every message new: jieba's cuts not cached either (CPU time)", f"{cold_rate:,.0f} msg/s"),
        ("memory: matcher load (tracemalloc peak)", f"{load_peak / 1e6:.1f} MB"),
        ("memory: process peak RSS", f"{rss:.0f} MB"),
        ("learned model: file size", f"{path.stat().st_size / 1e6:.2f} MB ({matcher.model_status})"),
        ("learned model: load time (median of 5) / memory (tracemalloc peak)",
         f"{model_load * 1000:.0f} ms / {model_peak / 1e6:.1f} MB"),
        ("rules alone: latency p50 / p99 (for comparison)",
         f"{rules_latencies[len(rules_latencies) // 2] * 1e6:.0f} / {rules_latencies[int(len(rules_latencies) * 0.99)] * 1e6:.0f} µs"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'NLU benchmark':<{width}}  value")
    print("-" * (width + 30))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    cores = ",".join(map(str, sorted(os.sched_getaffinity(0)))) if hasattr(os, "sched_getaffinity") else "?"
    print(f"(load average {load_before:.1f} at the start, {load:.1f} at the end, on {os.cpu_count()} CPUs; "
          f"this process ran on core(s) {cores}: wall-clock figures suffer on a busy machine, CPU-time ones less)")


if __name__ == "__main__":
    main()
