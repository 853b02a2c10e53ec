"""Benchmark: text messages through the full webhook under gunicorn (2 workers) on PostgreSQL and Redis,
against a bare Flask endpoint that answers 'success' in the same run.

    .venv/bin/python bench/webhook.py [--messages 3000] [--concurrency 16]

Each message is a distinct worker message (MsgId) from the development set, signed as WeChat
signs it (plain mode, and safe mode with AES encryption), so every request is verified,
deduplicated, classified, answered and logged. Prints requests per second and p50/p99 latency
of each, and the ratio to the bare endpoint.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.common import PG_URL, REDIS_URL, ROOT, children_peak_rss_mb, free_port, python, run_load, start, stop  # noqa: E402
from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN  # noqa: E402
from bot.wechat.envelope import Envelope, sign  # noqa: E402

DEV_SET = ROOT.parent / "shared" / "eval" / "intents_dev.jsonl"
FALLBACK_TEXTS = ["你好", "我要入会", "公司拖欠工资怎么办", "加班费怎么算", "有什么活动", "福利有哪些", "转人工"]


def bench_database() -> str:
    """A dedicated PostgreSQL database for the benchmark, emptied."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = 'zgzj_bench'")).scalar():
            connection.execute(text('CREATE DATABASE "zgzj_bench"'))
    admin.dispose()
    url = PG_URL.rsplit("/", 1)[0] + "/zgzj_bench"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    database_url = bench_database()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    fake_port, web_port, bare_port = free_port(), free_port(), free_port()
    env = {**os.environ, "WECHAT_TOKEN": DEMO_TOKEN, "WECHAT_APP_ID": DEMO_APP_ID, "WECHAT_APP_SECRET": "bench",
           "WECHAT_ENCODING_AES_KEY": DEMO_AES_KEY, "WECHAT_API_BASE_URL": f"http://127.0.0.1:{fake_port}",
           "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench-secret-key-0123456789",
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    subprocess_env = {k: v for k, v in env.items()}
    import subprocess

    subprocess.run([python(), "-m", "bot", "db", "upgrade"], env=subprocess_env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    fake = start([python(), "-m", "bot", "fake-wechat", "--port", str(fake_port)], env,
                 f"http://127.0.0.1:{fake_port}/_fake/calls")
    gunicorn = [python(), "-m", "gunicorn", "--workers", "2", "--threads", "4", "--log-level", "warning"]
    web = start(gunicorn + ["--bind", f"127.0.0.1:{web_port}", "bot.wsgi:app"], env,
                f"http://127.0.0.1:{web_port}/healthz")
    bare = start(gunicorn + ["--bind", f"127.0.0.1:{bare_port}", "bench.bare_app:app"], env,
                 f"http://127.0.0.1:{bare_port}/healthz")
    try:
        warm = prepare(200, safe=False)
        run_load(f"http://127.0.0.1:{web_port}", warm, args.concurrency)  # jieba and the FAQ index load lazily
        results = {
            "bare Flask 'success'": run_load(f"http://127.0.0.1:{bare_port}", prepare(args.messages, False), args.concurrency),
            "webhook, plain mode": run_load(f"http://127.0.0.1:{web_port}", prepare(args.messages, False), args.concurrency),
            "webhook, safe mode (AES)": run_load(f"http://127.0.0.1:{web_port}", prepare(args.messages, True), args.concurrency),
        }
        memory = children_peak_rss_mb(web.pid)
    finally:
        stop(web, bare, fake)

    baseline = results["bare Flask 'success'"]["rps"]
    print(f"\nWebhook benchmark: {args.messages} messages per run, {args.concurrency} concurrent clients, "
          f"gunicorn 2 workers x 4 threads, PostgreSQL + Redis, {os.cpu_count()} cores shared with the clients\n")
    print(f"{'endpoint':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs bare':>8}")
    for name, r in results.items():
        print(f"{name:28} {r['rps']:8.0f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['errors']:7d} {r['rps'] / baseline:8.2f}")
    print(f"\npeak memory of the webhook's gunicorn workers: {', '.join(f'{m:.0f} MiB' for m in memory)}")


if __name__ == "__main__":
    main()
