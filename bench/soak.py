"""Soak test: mixed traffic with a push running, then Redis killed and restarted, then database connections cut.

    .venv/bin/python bench/soak.py [--minutes 10] [--database-url URL] [--clients 6]

Starts its own Redis (a second redis-server on --redis-port, never the one on 6379), the fake
WeChat API, the webhook under gunicorn (2 workers x 4 threads), the push scheduler and an RQ
worker, all on PostgreSQL. Followers chat through the simulator (signed as WeChat signs,
safe mode): greetings, legal questions, activities, benefits, complaints filled in as a form,
WeChat's retries of a message; members use the mini-program API. A template campaign to every
follower runs alongside. At 35% of the run Redis is killed (SIGKILL) for 20 seconds and
restarted empty; at 65% every connection to the database is cut (pg_terminate_backend).

Reports server errors, apologies, lost messages (no message-log row), rows left processing,
retries not answered with the first reply, lost and duplicated deliveries of the campaign,
memory growth of the web workers and the slowest reply. Exits 1 if anything was lost or duplicated.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench import common  # noqa: E402
from bench.common import PG_URL, ROOT, free_port, python, stop  # noqa: E402
from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN  # noqa: E402
from bot.wechat.simulator import WeChatSimulator  # noqa: E402

APOLOGY = "系统刚才出了点小问题"
CHAT = ["你好", "公司拖欠工资怎么办", "加班费怎么算", "有什么活动", "福利有哪些", "入会进度", "我的工单",
        "试用期可以随时辞退吗", "年假有几天", "1", "2", "谢谢"]
COMPLAINT = ["我要维权，公司已经拖欠我两个月工资了", "同意", "杭州某某电子有限公司", "13812345678", "1"]
FOLLOWERS = 2000  # recipients of the campaign besides those who chat


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def _workers(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Traffic:
    """Followers chatting and members using the API until told to stop; every outcome recorded."""

    def __init__(self, web_url: str, clients: int) -> None:
        self.web_url = web_url
        self.clients = clients
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent: list[str] = []  # msg ids
        self.latencies: list[tuple[float, str]] = []
        self.errors: Counter = Counter()
        self.apologies = 0
        self.retries = 0
        self.retries_differing = 0
        self.api_requests = 0
        self.began = time.monotonic()
        self.error_times: list[float] = []  # seconds into the run
        self.threads = [threading.Thread(target=self._follower, args=(n,), daemon=True) for n in range(clients)]
        self.threads.append(threading.Thread(target=self._member, daemon=True))

    def start(self) -> None:
        """Start every client."""
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        """Stop and wait for every client."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _record(self, msg_id: str, started: float, status: int, body: str, what: str) -> None:
        with self.lock:
            self.sent.append(msg_id)
            self.latencies.append(((time.perf_counter() - started) * 1000, what))
            if status >= 500 or status == 0:
                self.errors[f"HTTP {status}"] += 1
                self.error_times.append(time.monotonic() - self.began)
            elif status >= 400:
                self.errors[f"HTTP {status}"] += 1
            if APOLOGY in body:
                self.apologies += 1

    def _follower(self, n: int) -> None:
        rng = random.Random(n)
        run = uuid.uuid4().hex[:6]
        count = 0
        while not self.stop.is_set():
            openid = f"o_soak_{run}_{n:02d}_{count // 40:03d}"  # a new follower every 40 messages
            sim = WeChatSimulator(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY, mode="safe", openid=openid,
                                  url=self.web_url + "/wechat", account_id="gh_zgzj")
            script = COMPLAINT if rng.random() < 0.25 else [rng.choice(CHAT) for _ in range(5)]
            for line in script:
                if self.stop.is_set():
                    return
                count += 1
                msg_id = int(f"{abs(hash(run)) % 10**6}{n:02d}{count:07d}")
                started = time.perf_counter()
                try:
                    reply = sim.send_text(line, msg_id=msg_id)
                    status, body = reply.status, reply.text or ""
                except requests.RequestException:
                    status, body = 0, ""
                self._record(str(msg_id), started, status, body, line)
                if rng.random() < 0.05 and status == 200:  # WeChat retries the same message
                    try:
                        again = sim.retry_last()
                        with self.lock:
                            self.retries += 1
                            if (again.text or "") != (reply.text or ""):
                                self.retries_differing += 1
                    except requests.RequestException:
                        pass
                time.sleep(rng.uniform(0.05, 0.3))

    def _member(self) -> None:
        session = requests.Session()
        base = self.web_url + "/api/v1"
        n = 0
        token = None
        while not self.stop.is_set():
            n += 1
            started = time.perf_counter()
            try:
                if token is None or n % 50 == 0:
                    answer = session.post(base + "/auth/login", json={"code": f"soak-member-{n % 7}"}, timeout=10)
                    token = answer.json().get("access_token") if answer.status_code == 200 else None
                    status = answer.status_code
                else:
                    path = random.choice(["/activities", "/consents", "/me", "/benefits", "/tickets"])
                    answer = session.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)
                    status = answer.status_code
                    if status == 401:
                        token = None
            except requests.RequestException:
                status = 0
            with self.lock:
                self.api_requests += 1
                self.latencies.append(((time.perf_counter() - started) * 1000, "api"))
                if status >= 500 or status == 0:
                    self.errors[f"API HTTP {status}"] += 1
                    self.error_times.append(time.monotonic() - self.began)
            time.sleep(0.2)


LOG_DIR = ROOT / "var" / "soak"


def start(args: list[str], env: dict, health_url: str | None = None, timeout: float = 60) -> subprocess.Popen:
    """Start a process logging to var/soak/<name>.log; wait until healthy."""
    return common.start(args, env, health_url, timeout, log_dir=LOG_DIR)


def _prepare_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def _seed_followers(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO followers (openid, subscribed, created_at) "
            "SELECT 'o_soak_fan_' || lpad(g::text, 5, '0'), true, now() FROM generate_series(1, :n) g"), {"n": FOLLOWERS})
    engine.dispose()


def _cut_connections(url: str) -> int:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        cut = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    engine.dispose()
    return int(cut or 0)


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                                "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    import redis

    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port).ping():
                return process
        except redis.RedisError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL",
                                                                 PG_URL.rsplit("/", 1)[0] + "/zgzj_soak"))
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--outage-seconds", type=float, default=20.0)
    args = parser.parse_args()
    if args.redis_port == 6379:
        parser.error("the soak test kills its Redis: give it its own port, not 6379")
    duration = args.minutes * 60

    _prepare_database(args.database_url)
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
    redis_server = _start_redis(args.redis_port)
    fake_port, web_port = free_port(), free_port()
    env = {**os.environ, "WECHAT_TOKEN": DEMO_TOKEN, "WECHAT_APP_ID": DEMO_APP_ID, "WECHAT_APP_SECRET": "soak",
           "WECHAT_ENCODING_AES_KEY": DEMO_AES_KEY, "WECHAT_API_BASE_URL": f"http://127.0.0.1:{fake_port}",
           "MINIPROGRAM_APP_ID": "wx_soak_mp", "MINIPROGRAM_APP_SECRET": "soak-mp",
           "DATABASE_URL": args.database_url, "REDIS_URL": redis_url, "SECRET_KEY": "soak-secret-key-0123456789",
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT), "PUSH_RATE_PER_SECOND": "20",
           "PUSH_TEMPLATE_ID_ACTIVITY_NOTICE": "TPL_SOAK", "SCHEDULER_POLL_SECONDS": "2"}
    subprocess.run([python(), "-m", "bot", "db", "upgrade"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    _seed_followers(args.database_url)
    fake = start([python(), "-m", "bot", "fake-wechat", "--port", str(fake_port)], env,
                 f"http://127.0.0.1:{fake_port}/_fake/calls")
    web_url = f"http://127.0.0.1:{web_port}"
    web = start([python(), "-m", "gunicorn", "--workers", "2", "--threads", "4", "--log-level", "warning",
                 "--bind", f"127.0.0.1:{web_port}", "bot.wsgi:app"], env, web_url + "/healthz")
    scheduler = start([python(), "-m", "bot", "scheduler"], env)
    worker = start([python(), "-m", "bot", "worker"], env)
    worker_restarts = 0
    traffic = Traffic(web_url, args.clients)
    events: list[str] = []
    try:
        # Warm up every web worker (jieba, the matcher, the FAQ index), then measure memory from here.
        warm = WeChatSimulator(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY, openid="o_soak_warm", url=web_url + "/wechat",
                               account_id="gh_zgzj")
        for line in CHAT * 4:
            warm.send_text(line)
        memory_start = {pid: _rss_mb(pid) for pid in _workers(web.pid)}
        created = subprocess.run([python(), "-m", "bot", "campaigns", "create", "--title", "职工运动会",
                                  "--text", "本周六上午九点，西湖文化广场", "--channel", "template",
                                  "--audience", "all", "--at", "now"],
                                 env=env, cwd=ROOT, check=True, capture_output=True, text=True)
        campaign_id = created.stdout.strip().splitlines()[-1]
        events.append(f"campaign {campaign_id} created (template, all followers)")
        traffic.began = began = time.monotonic()
        traffic.start()
        redis_done = cut_done = False
        while time.monotonic() - began < duration:
            elapsed = time.monotonic() - began
            if worker.poll() is not None:  # as systemd would: the RQ worker exits when Redis goes away
                worker = start([python(), "-m", "bot", "worker"], env)
                worker_restarts += 1
            if not redis_done and elapsed > duration * 0.35:
                redis_server.send_signal(signal.SIGKILL)
                redis_server.wait()
                events.append(f"{elapsed:5.0f}s Redis killed")
                time.sleep(args.outage_seconds)
                redis_server = _start_redis(args.redis_port)
                events.append(f"{time.monotonic() - began:5.0f}s Redis restarted, empty")
                redis_done = True
            if not cut_done and elapsed > duration * 0.65:
                cut = _cut_connections(args.database_url)
                events.append(f"{elapsed:5.0f}s {cut} database connections cut")
                cut_done = True
            time.sleep(1)
        traffic.finish()
        events.append(f"{time.monotonic() - began:5.0f}s traffic stopped")
        memory_end = {pid: _rss_mb(pid) for pid in _workers(web.pid)}
        # Let the campaign and any late replies finish.
        deadline = time.monotonic() + 120
        report = {}
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                worker = start([python(), "-m", "bot", "worker"], env)
                worker_restarts += 1
            shown = subprocess.run([python(), "-m", "bot", "campaigns", "show", campaign_id, "--json"],
                                   env=env, cwd=ROOT, capture_output=True, text=True)
            if shown.returncode == 0:
                report = json.loads(shown.stdout)
                if report["state"] in ("done", "failed", "cancelled"):
                    break
            time.sleep(3)
        time.sleep(5)
        calls = requests.get(f"http://127.0.0.1:{fake_port}/_fake/calls",
                             params={"path": "/cgi-bin/message/template/send", "limit": 200000}, timeout=30).json()
        calls = calls.get("calls", calls) if isinstance(calls, dict) else calls
    finally:
        traffic.stop.set()
        stop(worker, scheduler, web, fake)
        if redis_server.poll() is None:
            redis_server.terminate()
            redis_server.wait(timeout=10)

    engine = create_engine(args.database_url)
    with engine.connect() as connection:
        logged = {row[0] for row in connection.execute(text(
            "SELECT dedup_key FROM message_log WHERE direction = 'in' AND dedup_key LIKE 'msg:%'"))}
        outcomes = dict(connection.execute(text(
            "SELECT outcome, count(*) FROM message_log WHERE direction = 'in' GROUP BY outcome")).all())
        recipients = connection.execute(text(
            "SELECT count(*) FROM push_deliveries WHERE campaign_id = :c"), {"c": int(campaign_id)}).scalar()
        owed = connection.execute(text("SELECT count(*) FROM pending_late_replies WHERE delivered_at IS NULL")).scalar()
    engine.dispose()
    lost_messages = [m for m in traffic.sent if f"msg:{m}" not in logged]
    accepted = Counter(c["json"]["touser"] for c in calls if c.get("errcode") == 0 and c.get("json"))
    # A repeat after a crash carries the same client_msg_id: WeChat drops it (the fake does not, so count it apart).
    keys = {}
    for c in calls:
        if c.get("errcode") == 0 and c.get("json"):
            keys.setdefault(c["json"]["touser"], set()).add(c["json"].get("client_msg_id"))
    repeats = sum(n - 1 for n in accepted.values() if n > 1)
    duplicated = sum(1 for touser, n in accepted.items() if n > 1 and (len(keys[touser]) > 1 or None in keys[touser]))
    lost_deliveries = int(recipients or 0) - len(accepted)
    latencies = sorted(traffic.latencies, reverse=True)
    growth = {pid: memory_end.get(pid, 0) - memory_start.get(pid, 0) for pid in memory_start}

    print(f"\nSoak test: {args.minutes:g} minutes, {args.clients} chatting followers + 1 mini-program member, "
          f"PostgreSQL + Redis (port {args.redis_port}), gunicorn 2 workers x 4 threads\n")
    for event in events:
        print("  " + event)
    print(f"\nmessages sent                {len(traffic.sent)}  (+{traffic.retries} WeChat retries, "
          f"{traffic.api_requests} API requests)")
    print(f"server errors / refused      {sum(traffic.errors.values())}  {dict(traffic.errors) or ''}")
    if traffic.error_times:
        buckets = Counter(int(t // 10) * 10 for t in traffic.error_times)
        print("  errors by time              " + ", ".join(f"{b}s: {n}" for b, n in sorted(buckets.items())))
    print(f"apologies                    {traffic.apologies}")
    print(f"lost messages (no log row)   {len(lost_messages)}")
    print(f"message-log outcomes         {outcomes}")
    print(f"retries answered differently {traffic.retries_differing} of {traffic.retries}")
    print(f"late replies still owed      {owed}")
    print(f"campaign                     {report.get('state')} {report.get('counts')}")
    print(f"deliveries lost / duplicated {lost_deliveries} / {duplicated}  (of {recipients} recipients; "
          f"{repeats} repeats after the worker died carried WeChat's client_msg_id, which WeChat drops)")
    print(f"RQ worker restarts           {worker_restarts}")
    print(f"memory of web workers        " + ", ".join(
        f"{memory_start[p]:.0f} -> {memory_end.get(p, 0):.0f} MiB" for p in memory_start)
        + f"  (growth {max(growth.values(), default=0):+.0f} MiB)")
    print(f"slowest replies (ms)         " + ", ".join(f"{ms:.0f} ({what})" for ms, what in latencies[:3]))
    bad = lost_messages or duplicated or lost_deliveries or outcomes.get("processing")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
