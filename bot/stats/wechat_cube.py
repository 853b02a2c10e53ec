"""WeChat's own figures (the data cube: user summary and cumulation, article reads), fetched through the
one client and stored beside ours in stats_daily under 'wechat.*' metrics.

WeChat serves a day's figures from the next morning, at most 7 days per user request and one day
per article request, so a range is fetched in those steps.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import delete

from bot.stats.aggregate import CUBE_PREFIX
from bot.storage.db import Database
from bot.storage.models import DailyFigure

USER_STEP_DAYS = 7


def _chunks(first: date, last: date, days: int):
    start = first
    while start <= last:
        end = min(last, start + timedelta(days=days - 1))
        yield start, end
        start = end + timedelta(days=1)


def fetch(database: Database, wechat, first: date, last: date) -> int:
    """Fetch first..last from the data cube and replace those days' 'wechat.*' figures; return rows stored."""
    figures: Counter = Counter()
    for begin, end in _chunks(first, last, USER_STEP_DAYS):
        for row in wechat.data_cube("usersummary", begin, end):
            day, source = date.fromisoformat(row["ref_date"]), str(row.get("user_source", 0))
            figures[(day, "wechat.new_user", source, "")] += int(row.get("new_user", 0))
            figures[(day, "wechat.cancel_user", source, "")] += int(row.get("cancel_user", 0))
        for row in wechat.data_cube("usercumulate", begin, end):
            figures[(date.fromisoformat(row["ref_date"]), "wechat.cumulate_user", "", "")] = int(row.get("cumulate_user", 0))
    for begin, end in _chunks(first, last, 1):
        for row in wechat.data_cube("articlesummary", begin, end):
            day, msgid, title = date.fromisoformat(row["ref_date"]), str(row.get("msgid", ""))[:64], str(row.get("title", ""))[:64]
            figures[(day, "wechat.article_read_user", msgid, title)] += int(row.get("int_page_read_user", 0))
            figures[(day, "wechat.article_read_count", msgid, title)] += int(row.get("int_page_read_count", 0))
            figures[(day, "wechat.article_share_user", msgid, title)] += int(row.get("share_user", 0))
    with database.session() as session:
        session.execute(delete(DailyFigure).where(DailyFigure.day >= first, DailyFigure.day <= last,
                                                  DailyFigure.metric.startswith(CUBE_PREFIX)))
        if figures:
            session.execute(DailyFigure.__table__.insert(), [
                {"day": day, "metric": metric, "city": "", "dim": dim, "dim2": dim2, "value": value}
                for (day, metric, dim, dim2), value in figures.items()])
    return len(figures)
