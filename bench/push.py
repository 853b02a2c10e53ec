"""Benchmark: a template-message campaign to N followers through RQ workers against the fake WeChat API.

    .venv/bin/python bench/push.py [--recipients 100000] [--workers 2] [--latency-ms 50]

Runs the campaign twice, first to a tenth of the audience, then to all of it, each with the
same fresh worker processes (`python -m bot worker`), PostgreSQL and Redis, and prints sends
per second, the peak memory of every process, and the duplicates and misses counted at the
fake WeChat API (both must be 0). Memory that stays flat from the small run to the large one
shows nothing grows with the audience.

Uses BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test, in its own
schema bench_push, dropped and recreated) and BENCH_REDIS_URL (default
redis://127.0.0.1:6379/14, flushed).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

SCHEMA = "bench_push"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_kb(pid: int, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and its threads."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                pids.extend(_tree(int(child)))
    except OSError:
        pass
    return pids


class PeakSampler:
    """Samples the resident memory of some processes (and their children) until stopped."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak: dict[str, int] = {name: 0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], *(_rss_kb(p) for p in self._members(pid)))
            self._stop.wait(0.2)

    def _members(self, pid: int) -> list[int]:
        # The fake is gunicorn: its worker process runs under the master. Our own process is just itself.
        return [pid] if pid == os.getpid() else _tree(pid)

    def _cpu(self) -> dict[str, float]:
        return {name: sum(_cpu_seconds(p) for p in self._members(pid)) for name, pid in self.pids.items()}

    def __enter__(self) -> "PeakSampler":
        self._cpu_before = self._cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        after = self._cpu()
        self.cpu = {name: after[name] - self._cpu_before[name] for name in after}


_COUNT_AT_FAKE = """
import json, sys
from collections import Counter
import requests
url, size = sys.argv[1], int(sys.argv[2])
calls = requests.get(url + "/_fake/calls", params={"path": "/cgi-bin/message/template/send"}, timeout=300).json()
accepted = Counter(c["json"]["touser"] for c in calls if c["errcode"] == 0)
expected = {f"bench{i:08d}" for i in range(size)}
print(json.dumps({"duplicates": sum(n - 1 for n in accepted.values() if n > 1),
                  "misses": len(expected - set(accepted)), "calls": len(calls),
                  "first": min(c["time"] for c in calls), "last": max(c["time"] for c in calls)}))
"""


def _schema_url(url: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{SCHEMA}"


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent sends per worker")
    parser.add_argument("--rate", type=float, default=3000.0, help="shared rate limit, sends per second")
    parser.add_argument("--no-small-run", action="store_true", help="skip the run to a tenth of the audience")
    args = parser.parse_args()

    base_url = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    database_url = _schema_url(base_url)

    engine = create_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    import redis

    redis.Redis.from_url(redis_url).flushdb()

    import tempfile

    config_file = Path(tempfile.mkdtemp(prefix="bench-push-")) / "config.yaml"
    config_file.write_text("{}\n")  # everything comes from the environment below
    port = _free_port()
    fake_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "PUSH_", "SCHEDULER_"))}
    env.update({
        "ZGZJ_CONFIG": str(config_file),
        "WECHAT_TOKEN": "bench-token", "WECHAT_APP_ID": "wxbench000000000", "WECHAT_APP_SECRET": "bench-secret",
        "WECHAT_API_BASE_URL": fake_url, "WECHAT_API_TIMEOUT_SECONDS": "10",
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "bench-secret-key-0123456789",
        "LOG_LEVEL": "WARNING", "PUSH_CONCURRENCY": str(args.concurrency), "PUSH_RATE_PER_SECOND": str(args.rate),
        "PUSH_TEMPLATE_ID_ACTIVITY_NOTICE": "TPL_ACTIVITY_NOTICE", "PUSH_BATCH_SIZE": "500",
        "PUSH_DRAIN_JOBS": str(args.workers), "PUSH_TEMPLATE_SENDS_PER_DAY": "0",
        "PUSH_QUEUE_NAME": "push-bench",
    })

    from bot.config import load_config
    from bot.push import campaigns
    from bot.push.queue_worker import RQDispatcher
    from bot.runtime import Runtime
    from bot.storage.models import Follower

    config = load_config(environ=env)
    runtime = Runtime.build(config)
    runtime.database.upgrade()

    children: list[subprocess.Popen] = []

    def spawn(*cmd: str) -> subprocess.Popen:
        """Start `python -m bot CMD` in its own process group."""
        child = subprocess.Popen([sys.executable, "-m", "bot", *cmd], cwd=ROOT, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        children.append(child)
        return child

    results = []
    try:
        # The fake WeChat API app served by gunicorn's threaded worker, one process (the fake keeps
        # its calls in memory), with keep-alive as WeChat's servers have: `python -m bot fake-wechat`
        # runs werkzeug's development server, which closes every connection.
        threads = args.workers * args.concurrency + 32
        fake = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", "gthread", "--workers", "1", "--threads", str(threads),
             "--keep-alive", "30", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             f"bot.wechat.fake:create_fake_app(latency_ms={args.latency_ms})"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        children.append(fake)
        for _ in range(100):
            try:
                requests.get(fake_url + "/_fake/faults", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        workers = [spawn("worker", "--name", f"bench-{i}-{os.getpid()}") for i in range(args.workers)]
        time.sleep(2.0)  # let the workers import and register

        sizes = [args.recipients] if args.no_small_run else [max(1000, args.recipients // 10), args.recipients]
        added = 0
        for size in sizes:
            # Grow the audience to `size` followers.
            with runtime.database.engine.begin() as connection:
                for start in range(added, size, 10_000):
                    connection.execute(Follower.__table__.insert(), [
                        {"openid": f"bench{i:08d}", "subscribed": True, "created_at": runtime.clock()}
                        for i in range(start, min(size, start + 10_000))])
            added = size
            requests.delete(fake_url + "/_fake/calls", timeout=10)
            pids = {"fake WeChat API": fake.pid, **{f"worker {i + 1}": w.pid for i, w in enumerate(workers)},
                    "bench (creates the campaign and its delivery rows)": os.getpid()}
            with PeakSampler(pids) as sampler:
                campaign = campaigns.create(runtime, title="活动通知", text=f"基准测试 {size}", channel="template",
                                            audience="all")
                started = time.monotonic()
                sending_id = campaigns.start(runtime, campaign.id, RQDispatcher(runtime))
                materialized = time.monotonic() - started
                while campaigns.get(runtime, sending_id).state == "sending":
                    time.sleep(0.2)
                elapsed = time.monotonic() - started
            report = campaigns.report(runtime, sending_id)
            # Counted in a child process, so reading 100,000 calls back does not inflate our own memory.
            check = json.loads(subprocess.run(
                [sys.executable, "-c", _COUNT_AT_FAKE, fake_url, str(size)], capture_output=True, text=True,
                check=True, timeout=300).stdout)
            duplicates, misses = check["duplicates"], check["misses"]
            first, last, calls = check["first"], check["last"], check["calls"]
            results.append({
                "recipients": size, "seconds": round(elapsed, 1), "materialise_seconds": round(materialized, 1),
                "sends_per_second": round(size / elapsed), "api_calls_per_second": round(calls / (last - first)),
                "sends_per_second_while_sending": round(size / (last - first)),
                "sent": report["counts"]["sent"], "failed": report["counts"]["failed"],
                "duplicates": duplicates, "misses": misses,
                "peak_rss_mb": {name: round(kb / 1024, 1) for name, kb in sampler.peak.items()},
                "cpu_ms_per_send": {name: round(seconds * 1000 / size, 2) for name, seconds in sampler.cpu.items()},
                "load_average": round(os.getloadavg()[0], 1),
            })
            _print(results[-1], args)
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        runtime.close()

    if len(results) == 2:
        small, large = results
        print(f"\nmemory, {small['recipients']:,} vs {large['recipients']:,} recipients (peak RSS, MB):")
        for name in large["peak_rss_mb"]:
            print(f"  {name:<45} {small['peak_rss_mb'][name]:>7} -> {large['peak_rss_mb'][name]:>7}")
    ok = all(r["duplicates"] == 0 and r["misses"] == 0 for r in results)
    best = results[-1]["sends_per_second"]
    cpu_ms = sum(results[-1]["cpu_ms_per_send"].values())
    print(f"\nCPU per send of the processes above: {cpu_ms:.2f} ms (PostgreSQL and Redis not counted); with both "
          f"cores to themselves they would allow about {2000 / cpu_ms:.0f} sends/s. Load average during the "
          f"run: {results[-1]['load_average']} (other work on this machine takes its share).")
    print(f"\n{'PASS' if ok and best >= 1000 else 'FAIL'}: {best} sends/s (target >= 1000), "
          f"duplicates {results[-1]['duplicates']}, misses {results[-1]['misses']}")
    print(json.dumps(results, ensure_ascii=False))
    return 0 if ok else 1


def _print(result: dict, args) -> None:
    print(f"\n{result['recipients']:,} recipients, {args.workers} RQ workers x {args.concurrency} concurrent sends, "
          f"fake WeChat API latency {args.latency_ms:.0f} ms")
    print(f"  {result['sends_per_second']} sends/s end to end ({result['seconds']} s, "
          f"of which {result['materialise_seconds']} s creating the delivery rows); "
          f"{result['sends_per_second_while_sending']} sends/s from first to last call at the fake")
    print(f"  sent {result['sent']}, failed {result['failed']}, duplicates {result['duplicates']}, "
          f"misses {result['misses']}")
    for name, mb in result["peak_rss_mb"].items():
        cpu = result["cpu_ms_per_send"].get(name)
        print(f"  peak RSS {name:<45} {mb:>7} MB" + (f"   CPU {cpu} ms per send" if cpu is not None else ""))
    print(f"  machine load average {result['load_average']} on {os.cpu_count()} cores")


if __name__ == "__main__":
    sys.exit(main())
