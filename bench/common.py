"""Shared pieces of the benchmarks: free ports, background servers, latency statistics, a load client."""
from __future__ import annotations

import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def free_port() -> int:
    """An unused local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], env: dict, health_url: str | None = None, timeout: float = 60,
          log_dir: Path | None = None, cwd: Path | None = None) -> subprocess.Popen:
    """Start a process logging to <log_dir>/<name>.log (a pipe nobody reads would block it); wait until healthy."""
    log_dir = log_dir or ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    name = next((a for a in args if a in ("gunicorn", "fake-wechat", "scheduler", "worker")), "process")
    log_file = open(log_dir / f"{name}.log", "ab")
    process = subprocess.Popen(args, env=env, cwd=cwd or ROOT, stdout=subprocess.DEVNULL, stderr=log_file)
    deadline = time.monotonic() + timeout
    while health_url and time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{args} exited; see {log_file.name}")
        try:
            if requests.get(health_url, timeout=1).status_code < 500:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.2)
    if health_url:
        process.kill()
        raise RuntimeError(f"{args} did not become healthy; see {log_file.name}")
    return process


def stop(*processes: subprocess.Popen) -> None:
    """Terminate processes and wait for them."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] if ordered else float("nan")


def _client_worker(args):
    base_url, requests_chunk = args
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    latencies, errors = [], 0
    for method, path, body, headers in requests_chunk:
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
    connection.close()
    return latencies, errors


def run_load(base_url: str, prepared: list[tuple], concurrency: int) -> dict:
    """Send prepared (method, path, body, headers) requests over `concurrency` keep-alive connections."""
    chunks = [prepared[i::concurrency] for i in range(concurrency)]
    context = multiprocessing.get_context("fork")
    with context.Pool(concurrency) as pool:
        started = time.perf_counter()
        results = pool.map(_client_worker, [(base_url, chunk) for chunk in chunks])
        elapsed = time.perf_counter() - started
    latencies = [l for result in results for l in result[0]]
    errors = sum(result[1] for result in results)
    return {"requests": len(latencies), "errors": errors, "seconds": elapsed,
            "rps": len(latencies) / elapsed, "p50_ms": percentile(latencies, 0.50),
            "p99_ms": percentile(latencies, 0.99), "mean_ms": statistics.fmean(latencies)}


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a running process (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return float("nan")


def children_peak_rss_mb(pid: int) -> list[float]:
    """Peak memory of each child process of pid (gunicorn workers)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [peak_rss_mb(int(child)) for child in children]


def python() -> str:
    """The interpreter running the benchmark (the project's venv)."""
    return sys.executable


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a process and its children (gunicorn master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        children = []
    for one in [pid, *children]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15 of stat)
    return total
