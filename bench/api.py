"""Benchmark: the mini-program API's activity list and sign-up under 50 concurrent clients.

    .venv/bin/python bench/api.py [--clients 50] [--list-requests 3000] [--activities 40]

Starts the fake WeChat API and gunicorn (2 workers x 8 threads) on PostgreSQL and Redis, logs
50 members in through the API (wx.login codes against the fake), then measures:

- GET /api/v1/activities with filters (city, has_places, paging);
- POST /api/v1/activities/{id}/sign-up, every member signing up for every activity;
- the last places: all members at once for an activity with fewer places than members, after
  which the database must show exactly `capacity` confirmed sign-ups (never overbooked).

Prints requests per second and p50/p99 latency for each. Uses BENCH_DATABASE_URL's server
(default postgresql+psycopg://postgres@127.0.0.1:5432/test) with its own database
zgzj_bench_api, emptied, and BENCH_API_REDIS_URL (default redis://127.0.0.1:6379/13), flushed.
The per-member rate limit is lifted so the figures show the API, not the limiter.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.common import PG_URL, children_peak_rss_mb, free_port, python, run_load, start, stop  # noqa: E402
from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_MINIPROGRAM_APP_ID, DEMO_TOKEN  # noqa: E402

REDIS_URL = os.environ.get("BENCH_API_REDIS_URL", "redis://127.0.0.1:6379/13")
DATABASE = "zgzj_bench_api"
CITIES = ["杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "台州"]
WORKERS, THREADS = 2, 8


def bench_database() -> str:
    """The benchmark's own PostgreSQL database, emptied."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")).scalar():
            connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    url = PG_URL.rsplit("/", 1)[0] + "/" + DATABASE
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def seed_activities(database_url: str, count: int, last_places: int) -> tuple[list[int], int]:
    """Create `count` roomy activities and one with only `last_places` places; return their ids."""
    from bot.config import load_config
    from bot.runtime import Runtime

    config = load_config(environ={}, path=ROOT / "absent.yaml", overrides={
        "wechat.token": DEMO_TOKEN, "wechat.app_id": DEMO_APP_ID, "wechat.app_secret": "bench",
        "database_url": database_url, "secret_key": "bench-secret-key-0123456789"})
    runtime = Runtime.build(config)
    try:
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        ids = [runtime.activities.create(title=f"职工活动 {i + 1}", city=CITIES[i % len(CITIES)], place="职工之家",
                                         capacity=10_000, starts_at=now + timedelta(days=2 + i % 20)).id
               for i in range(count)]
        scarce = runtime.activities.create(title="最后几个名额", city="杭州", place="职工之家", capacity=last_places,
                                           starts_at=now + timedelta(days=3)).id
        return ids, scarce
    finally:
        runtime.close()


def confirmed(database_url: str, activity_id: int) -> tuple[int, int]:
    """(confirmed_count on the activity, confirmed sign-up rows) straight from the database."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT confirmed_count FROM activities WHERE id = :id"),
                                   {"id": activity_id}).scalar()
        rows = connection.execute(text("SELECT count(*) FROM activity_sign_ups WHERE activity_id = :id "
                                       "AND status = 'confirmed'"), {"id": activity_id}).scalar()
    engine.dispose()
    return count, rows


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--list-requests", type=int, default=3000)
    parser.add_argument("--activities", type=int, default=40, help="each member signs up for each of them")
    args = parser.parse_args()
    last_places = max(1, args.clients * 2 // 5)

    database_url = bench_database()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    fake_port, web_port = free_port(), free_port()
    env = {**os.environ, "WECHAT_TOKEN": DEMO_TOKEN, "WECHAT_APP_ID": DEMO_APP_ID, "WECHAT_APP_SECRET": "bench",
           "WECHAT_ENCODING_AES_KEY": DEMO_AES_KEY, "WECHAT_API_BASE_URL": f"http://127.0.0.1:{fake_port}",
           "MINIPROGRAM_APP_ID": DEMO_MINIPROGRAM_APP_ID, "MINIPROGRAM_APP_SECRET": "bench-mp",
           "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench-secret-key-0123456789",
           "API_RATE_LIMIT_PER_MINUTE": "1000000", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    subprocess.run([python(), "-m", "bot", "db", "upgrade"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    activity_ids, scarce = seed_activities(database_url, args.activities, last_places)

    fake = start([python(), "-m", "bot", "fake-wechat", "--port", str(fake_port)], env,
                 f"http://127.0.0.1:{fake_port}/_fake/calls")
    web = start([python(), "-m", "gunicorn", "--workers", str(WORKERS), "--threads", str(THREADS),
                 "--log-level", "warning", "--bind", f"127.0.0.1:{web_port}", "bot.wsgi:app"], env,
                f"http://127.0.0.1:{web_port}/healthz")
    base = f"http://127.0.0.1:{web_port}"
    try:
        tokens = []
        for i in range(args.clients):
            answer = requests.post(f"{base}/api/v1/auth/login", json={"code": f"bench-member-{i:03d}"}, timeout=10)
            answer.raise_for_status()
            tokens.append({"Authorization": f"Bearer {answer.json()['access_token']}"})

        def listing(count: int) -> list[tuple]:
            """Activity-list requests with varied filters, spread over the members."""
            queries = ["", "?city=" + quote("杭州"), "?has_places=true", "?limit=50",
                       "?city=" + quote("宁波") + "&offset=2&limit=5", "?date_from=2020-01-01&limit=10"]
            return [("GET", "/api/v1/activities" + queries[i % len(queries)], None, tokens[i % len(tokens)])
                    for i in range(count)]

        run_load(base, listing(200), args.clients)  # warm both workers
        results = {"activity list": run_load(base, listing(args.list_requests), args.clients)}
        # Request i goes to connection i % clients, so every member's sign-ups travel on their own connection.
        sign_ups = [("POST", f"/api/v1/activities/{activity}/sign-up", b"", tokens[member])
                    for activity in activity_ids for member in range(args.clients)]
        results["sign-up"] = run_load(base, sign_ups, args.clients)
        race = [("POST", f"/api/v1/activities/{scarce}/sign-up", b"", tokens[m]) for m in range(args.clients)]
        results["sign-up, last places"] = run_load(base, race, args.clients)
        memory = children_peak_rss_mb(web.pid)
    finally:
        stop(web, fake)

    count, rows = confirmed(database_url, scarce)
    print(f"\nMini-program API benchmark: {args.clients} concurrent clients (each a signed-in member), "
          f"gunicorn {WORKERS} workers x {THREADS} threads, PostgreSQL + Redis, {os.cpu_count()} cores shared "
          f"with the clients\n")
    print(f"{'endpoint':24} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:24} {r['requests']:8d} {r['rps']:8.0f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['errors']:7d}")
    print(f"\nlast places: capacity {last_places}, {args.clients} members at once -> {rows} confirmed sign-ups, "
          f"confirmed_count {count}, {results['sign-up, last places']['errors']} refused as full (409): "
          f"{'never overbooked' if rows == count == last_places else 'OVERBOOKED OR LOST'}")
    print(f"peak memory of the gunicorn workers: {', '.join(f'{m:.0f} MiB' for m in memory)}")
    if not rows == count == last_places or results["sign-up"]["errors"] or results["activity list"]["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
