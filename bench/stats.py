"""Benchmark: aggregate the dashboard's daily figures over a large message log on PostgreSQL.

    .venv/bin/python bench/stats.py [--messages 1500000] [--followers 20000] [--days 90]

Seeds (in SQL, with generate_series) a message log of N rows over D days, F followers from a
handful of QR channels, applications, tickets with answers, then times: aggregating one day
(with the unplaced words, tokenised by the real matcher), and rebuilding a month. It checks a
few figures of the timed day against counts taken directly from the raw tables.

Uses BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test, like the other
benchmarks), in its own schema bench_stats, dropped and recreated.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

SCHEMA = "bench_stats"
LAST_DAY = date(2026, 11, 30)


def seed(database, messages: int, followers: int, days: int) -> None:
    """Fill the schema with realistic-looking rows, all in SQL."""
    start = LAST_DAY - timedelta(days=days - 1)
    params = {"n": messages, "f": followers, "days": days, "start": f"{start} 00:00:00"}
    statements = [
        # Followers: most from no code, the rest from five channels; one in eight has left.
        """INSERT INTO followers (openid, subscribed, source_scene, subscribed_at, unsubscribed_at, created_at)
           SELECT 'o' || g, g % 8 <> 0,
                  (ARRAY[NULL, NULL, NULL, 'hz_poster', 'nb_factory', 'wz_event', 'sx_union', 'jh_market'])[1 + g % 8],
                  t, CASE WHEN g % 8 = 0 THEN t + interval '20 days' END, t
           FROM (SELECT g, CAST(:start AS timestamp) - interval '8 hours' + random() * (:days * interval '1 day') AS t
                 FROM generate_series(1, :f) g) s""",
        # Messages: a third are the bot's replies, a few follow/unfollow events, the rest workers' words.
        """INSERT INTO message_log (direction, openid, kind, event, text, intent, score, outcome, created_at)
           SELECT CASE WHEN r < 0.33 THEN 'out' ELSE 'in' END,
                  'o' || (1 + floor(power(random(), 2) * :f)::int),
                  CASE WHEN r >= 0.33 AND r < 0.36 THEN 'event' ELSE 'text' END,
                  CASE WHEN r >= 0.33 AND r < 0.35 THEN 'subscribe' WHEN r >= 0.35 AND r < 0.36 THEN 'unsubscribe'
                       WHEN r >= 0.33 AND r < 0.36 THEN 'CLICK' END,
                  (ARRAY['公司拖欠工资怎么办', '我要入会', '有什么活动', '量子纠缠薛定谔', '福利', '那个东西弄好没有',
                         '加班费怎么算', '转人工', '蓝牙耳机左边不响', '入会进度'])[1 + (g % 10)],
                  CASE WHEN r < 0.36 THEN NULL
                       ELSE (ARRAY['legal_consult', 'join_union', 'activities', 'unknown', 'benefit_query',
                                   'unknown', 'legal_consult', 'human', 'out_of_scope', 'membership_status'])[1 + (g % 10)] END,
                  random(), 'replied',
                  CAST(:start AS timestamp) - interval '8 hours' + random() * (:days * interval '1 day')
           FROM (SELECT g, random() AS r FROM generate_series(1, :n) g) s""",
        """INSERT INTO people (created_at) SELECT now() FROM generate_series(1, :f / 10)""",
        """INSERT INTO membership_applications (application_no, person_id, status, city, channel, consent_at,
               consent_version, no_fixed_employer, created_at, updated_at, decided_at)
           SELECT 'RH' || g, NULL, (ARRAY['submitted', 'approved', 'rejected', 'need_info'])[1 + g % 4],
                  (ARRAY['杭州市', '宁波市', '温州市', '绍兴'])[1 + g % 4], 'chat', t, 'v1', false, t, t,
                  CASE WHEN g % 4 IN (1, 2) THEN t + interval '2 days' END
           FROM (SELECT g, CAST(:start AS timestamp) + random() * (:days * interval '1 day') AS t
                 FROM generate_series(1, :f / 5) g) s""",
        """INSERT INTO tickets (number, kind, status, person_id, anonymous, channel, department, text, details,
               attachments, check_status, flagged, due_at, created_at)
           SELECT 'T' || g, (ARRAY['consultation', 'complaint', 'hardship', 'mailbox'])[1 + g % 4], 'open', NULL,
                  false, 'chat', (ARRAY['维权部', '法律服务中心', '帮扶中心', '办公室'])[1 + g % 4], '……',
                  CASE WHEN g % 4 = 2 THEN '{"city": "宁波"}'::json ELSE '{}'::json END, '[]'::json,
                  'passed', false, t + interval '5 days', t
           FROM (SELECT g, CAST(:start AS timestamp) + random() * (:days * interval '1 day') AS t
                 FROM generate_series(1, :f / 4) g) s""",
        """INSERT INTO ticket_replies (ticket_id, staff, text, created_at)
           SELECT id, '张老师', '已处理', created_at + (random() * 8) * interval '1 day' FROM tickets WHERE id % 3 <> 0""",
    ]
    with database.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), params)
        connection.execute(text("ANALYZE"))


def main() -> int:
    """Seed, time one day and a month, check a few figures; print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_500_000)
    parser.add_argument("--followers", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()

    from bot.config import load_config
    from bot.stats.aggregate import Aggregator, _acting, day_bounds
    from bot.cli.nlu import unplaced_words
    from bot.nlu.matcher import IntentMatcher
    from bot.storage import Database
    from bot.storage.models import DailyFigure, MessageLog
    from sqlalchemy import func, select

    from bench.common import PG_URL

    base = PG_URL
    admin = Database(base)
    with admin.engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    database = Database(base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{SCHEMA}")
    database.upgrade()

    began = time.perf_counter()
    seed(database, args.messages, args.followers, args.days)
    print(f"seeded {args.messages:,} messages, {args.followers:,} followers over {args.days} days "
          f"in {time.perf_counter() - began:.0f} s")

    matcher = IntentMatcher.from_content(load_config().content_dir)
    matcher.classify("你好")
    aggregator = Aggregator(database, threshold=matcher.threshold,
                            words=lambda texts: unplaced_words(matcher, texts, 30))
    day = LAST_DAY - timedelta(days=10)
    aggregator.run_day(day)  # warm the caches once, as a long-running scheduler has them
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        stored = aggregator.run_day(day)
        timings.append(time.perf_counter() - began)
    print(f"one day: {min(timings):.2f} s (best of 3; median {sorted(timings)[1]:.2f} s), {stored} figures")

    without_words = Aggregator(database, threshold=matcher.threshold)
    began = time.perf_counter()
    without_words.run_day(day)
    print(f"one day without tokenising unplaced words: {time.perf_counter() - began:.2f} s")

    month_start = LAST_DAY.replace(day=1)
    began = time.perf_counter()
    days = aggregator.rebuild(month_start, LAST_DAY)
    elapsed = time.perf_counter() - began
    print(f"rebuild a month ({days} days): {elapsed:.1f} s ({elapsed / days:.2f} s a day)")

    from bot.stats.report import Dashboard

    dashboard = Dashboard(database)
    dashboard.tables(month_start, LAST_DAY)
    began = time.perf_counter()
    for _ in range(5):
        dashboard.tables(month_start, LAST_DAY)
    print(f"dashboard figures of the month (every table, read from stats_daily): "
          f"{(time.perf_counter() - began) / 5 * 1000:.0f} ms")

    # The figures against the raw tables, counted another way.
    start, end = day_bounds(day)
    aggregator.run_day(day)
    with database.session() as session:
        stored = {(r.metric, r.dim): r.value for r in session.scalars(
            select(DailyFigure).where(DailyFigure.day == day, DailyFigure.metric.in_(["active.day", "messages.intent"])))}
        raw_active = session.scalar(select(func.count(func.distinct(MessageLog.openid))).where(
            MessageLog.created_at >= start, MessageLog.created_at < end, _acting()))
        raw_in = session.scalar(select(func.count()).where(
            MessageLog.created_at >= start, MessageLog.created_at < end, MessageLog.direction == "in",
            MessageLog.kind != "event"))
    assert stored[("active.day", "")] == raw_active, (stored[("active.day", "")], raw_active)
    assert sum(v for (m, _), v in stored.items() if m == "messages.intent") == raw_in
    print(f"checked: {raw_active:,} active followers and {raw_in:,} workers' messages on {day}, as counted from the raw log")
    database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
