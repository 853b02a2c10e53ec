"""Benchmark: text messages through the full webhook under gunicorn (2 workers) on PostgreSQL and Redis,
against a bare Flask endpoint that answers 'success' in the same run.

    .venv/bin/python bench/webhook.py [--messages 3000] [--concurrency 16]

Each message is a distinct worker message (MsgId) from the development set, signed as WeChat
signs it (plain mode, and safe mode with AES encryption), so every request is verified,
deduplicated, classified, answered and logged. A second baseline is a minimal wechatpy webhook
that verifies, parses and replies (bench/wechatpy_app.py). Prints requests per second, p50/p99
latency, the ratio to each baseline and the CPU milliseconds per message spent by the server's
processes (less noisy than throughput on a shared machine); --profile writes a py-spy flame graph.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.common import (PG_URL, REDIS_URL, ROOT, children_peak_rss_mb, free_port, process_tree_cpu_seconds,  # noqa: E402
                          python, run_load, start, stop)
from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN  # noqa: E402
from bot.wechat.envelope import Envelope, sign  # noqa: E402

DEV_SET = ROOT.parent / "shared" / "eval" / "intents_dev.jsonl"
FALLBACK_TEXTS = ["你好", "我要入会", "公司拖欠工资怎么办", "加班费怎么算", "有什么活动", "福利有哪些", "转人工"]


def bench_database(name: str = "zgzj_bench") -> str:
    """A dedicated PostgreSQL database for the benchmark, emptied."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def texts() -> list[str]:
    if DEV_SET.exists():
        return [json.loads(line)["text"] for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return FALLBACK_TEXTS


def prepare(count: int, safe: bool) -> list[tuple]:
    """Signed WeChat callbacks, each a new message from one of 500 workers."""
    envelope = Envelope(DEMO_TOKEN, DEMO_APP_ID, [DEMO_AES_KEY])
    corpus = texts()
    prepared = []
    run = uuid.uuid4().hex[:6]
    for i in range(count):
        openid = f"o_bench_{run}_{i % 500:04d}"
        xml = (f"<xml><ToUserName><![CDATA[gh_zgzj]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
               f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{corpus[i % len(corpus)]}]]></Content><MsgId>{run}{i:09d}</MsgId></xml>")
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:12]
        query = {"timestamp": timestamp, "nonce": nonce, "signature": sign(DEMO_TOKEN, timestamp, nonce)}
        body = xml
        if safe:
            sealed = envelope.seal(xml, "safe", nonce, timestamp)
            encrypted = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
            body = f"<xml><ToUserName><![CDATA[gh_zgzj]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
            query.update(encrypt_type="aes", msg_signature=sign(DEMO_TOKEN, timestamp, nonce, encrypted))
        prepared.append(("POST", "/wechat?" + urlencode(query), body.encode(), {"Content-Type": "text/xml"}))
    return prepared


def _measure(url: str, prepared: list[tuple], concurrency: int, server) -> dict:
    """Run the load against one server; add the CPU milliseconds its processes spent per message."""
    cpu_before = process_tree_cpu_seconds(server.pid)
    result = run_load(url, prepared, concurrency)
    result["cpu_ms"] = (process_tree_cpu_seconds(server.pid) - cpu_before) * 1000 / len(prepared)
    return result


def _profile(pid: int, svg: Path) -> subprocess.Popen:
    """Start py-spy on the webhook's gunicorn workers (`pip install py-spy`; it needs ptrace rights)."""
    svg.parent.mkdir(parents=True, exist_ok=True)
    py_spy = Path(python()).with_name("py-spy")
    return subprocess.Popen([str(py_spy if py_spy.exists() else "py-spy"), "record", "--pid", str(pid),
                             "--subprocesses", "--rate", "250", "--nonblocking", "--gil",
                             "--format", "flamegraph" if svg.suffix == ".svg" else "raw",
                             "--output", str(svg)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database", default="zgzj_bench", help="PostgreSQL database to empty and use")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT",
                        help="also run the webhook of another checkout (e.g. the main branch) in the same run")
    parser.add_argument("--profile-compare", type=Path, help="a flame graph of the other checkout's plain-mode run")
    parser.add_argument("--profile", type=Path, help="write a py-spy flame graph of the plain-mode run here (.svg; any other suffix: collapsed stacks)")
    args = parser.parse_args()

    database_url = bench_database(args.database)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    fake_port, web_port, bare_port, wechatpy_port = free_port(), free_port(), free_port(), free_port()
    env = {**os.environ, "WECHAT_TOKEN": DEMO_TOKEN, "WECHAT_APP_ID": DEMO_APP_ID, "WECHAT_APP_SECRET": "bench",
           "WECHAT_ENCODING_AES_KEY": DEMO_AES_KEY, "WECHAT_API_BASE_URL": f"http://127.0.0.1:{fake_port}",
           "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench-secret-key-0123456789",
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    subprocess.run([python(), "-m", "bot", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    fake = start([python(), "-m", "bot", "fake-wechat", "--port", str(fake_port)], env,
                 f"http://127.0.0.1:{fake_port}/_fake/calls")
    gunicorn = [python(), "-m", "gunicorn", "--workers", "2", "--threads", "4", "--log-level", "warning"]
    web = start(gunicorn + ["--bind", f"127.0.0.1:{web_port}", "bot.wsgi:app"], env,
                f"http://127.0.0.1:{web_port}/healthz")
    bare = start(gunicorn + ["--bind", f"127.0.0.1:{bare_port}", "bench.bare_app:app"], env,
                 f"http://127.0.0.1:{bare_port}/healthz")
    minimal = start(gunicorn + ["--bind", f"127.0.0.1:{wechatpy_port}", "bench.wechatpy_app:app"], env,
                    f"http://127.0.0.1:{wechatpy_port}/healthz")
    other = None
    if args.compare:
        other_port = free_port()
        other_env = {**env, "DATABASE_URL": bench_database(args.database + "_compare"),
                     "PYTHONPATH": str(args.compare.resolve())}
        subprocess.run([python(), "-m", "bot", "db", "upgrade"], env=other_env, cwd=args.compare, check=True,
                       stdout=subprocess.DEVNULL)
        other = start(gunicorn + ["--bind", f"127.0.0.1:{other_port}", "bot.wsgi:app"], other_env,
                      f"http://127.0.0.1:{other_port}/healthz", cwd=args.compare.resolve())
    sent = 0
    try:
        warm = prepare(200, safe=False)
        run_load(f"http://127.0.0.1:{web_port}", warm, args.concurrency)  # jieba and the FAQ index load lazily
        sent += len(warm)
        results = {
            "bare Flask 'success'": _measure(f"http://127.0.0.1:{bare_port}", prepare(args.messages, False),
                                             args.concurrency, bare),
            "minimal wechatpy, plain": _measure(f"http://127.0.0.1:{wechatpy_port}", prepare(args.messages, False),
                                                args.concurrency, minimal),
            "minimal wechatpy, safe": _measure(f"http://127.0.0.1:{wechatpy_port}", prepare(args.messages, True),
                                               args.concurrency, minimal),
        }
        if other is not None:
            run_load(f"http://127.0.0.1:{other_port}", prepare(200, False), args.concurrency)
            profiler = _profile(other.pid, args.profile_compare) if args.profile_compare else None
            results[f"{args.compare.name}: webhook, plain"] = _measure(
                f"http://127.0.0.1:{other_port}", prepare(args.messages, False), args.concurrency, other)
            if profiler:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(timeout=60)
            results[f"{args.compare.name}: webhook, safe"] = _measure(
                f"http://127.0.0.1:{other_port}", prepare(args.messages, True), args.concurrency, other)
            stop(other)
        profiler = _profile(web.pid, args.profile) if args.profile else None
        results["webhook, plain mode"] = _measure(f"http://127.0.0.1:{web_port}", prepare(args.messages, False),
                                                  args.concurrency, web)
        if profiler:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        results["webhook, safe mode (AES)"] = _measure(f"http://127.0.0.1:{web_port}", prepare(args.messages, True),
                                                       args.concurrency, web)
        sent += 2 * args.messages + (2 * args.messages + 200 if other is not None else 0)
        memory = children_peak_rss_mb(web.pid)
    finally:
        stop(web, bare, minimal, fake, *([other] if other else []))
    logged = _inbound_rows(database_url) + (_inbound_rows(other_env["DATABASE_URL"]) if other is not None else 0)

    bare_rps = results["bare Flask 'success'"]["rps"]
    print(f"\nWebhook benchmark: {args.messages} messages per run, {args.concurrency} concurrent clients, "
          f"gunicorn 2 workers x 4 threads, PostgreSQL + Redis, {os.cpu_count()} cores shared with the clients\n")
    print(f"{'endpoint':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs bare':>8} "
          f"{'vs wechatpy':>12} {'CPU ms/msg':>11}")
    for name, r in results.items():
        mode = "safe" if "safe" in name else "plain"
        minimal_rps = results[f"minimal wechatpy, {mode}"]["rps"]
        print(f"{name:28} {r['rps']:8.0f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['errors']:7d} "
              f"{r['rps'] / bare_rps:8.2f} {r['rps'] / minimal_rps:12.2f} {r['cpu_ms']:11.2f}")
    print(f"\ninbound messages in the message log after shutdown: {logged} of {sent} sent "
          f"({'none lost, none twice' if logged == sent else 'MISMATCH'})")
    print(f"peak memory of the webhook's gunicorn workers: {', '.join(f'{m:.0f} MiB' for m in memory)}")
    if args.profile:
        print(f"flame graph of the plain-mode run: {args.profile}")


def _inbound_rows(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM message_log WHERE direction = 'in'")).scalar()
    engine.dispose()
    return count


if __name__ == "__main__":
    main()
