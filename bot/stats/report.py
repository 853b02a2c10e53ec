"""Read the daily figures back as the dashboard's tables: one small GROUP BY over stats_daily per table.

A table is what the dashboard shows (a chart and the numbers beside it), what the CSV export
writes and what the monthly report prints: the same rows everywhere. Titles and column headers
are content (content/replies/dashboard.yaml, `stats_table_<name>` and `stats_columns_<name>`).
Figures tied to a city (applications, tickets, answers, sign-ups) follow the city filter; the
others (followers, messages) are the whole account's, because WeChat does not say where a
follower lives.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.storage.db import Database
from bot.storage.models import Activity, Campaign, DailyFigure, QrChannel, StatsRun

TABLES = ("overview", "followers_by_channel", "activity", "messages_by_intent", "messages_by_hour", "unplaced_words",
          "applications", "tickets", "answers", "satisfaction", "activity_satisfaction", "signups", "attendance", "campaigns",
          "wechat_users",
          "wechat_articles")
# What the monthly report of a city union prints (the page and the PDF), in order.
REPORT_TABLES = ("overview", "followers_by_channel", "messages_by_intent", "unplaced_words", "applications", "tickets",
                 "answers", "satisfaction", "activity_satisfaction", "signups", "attendance", "campaigns")
CITY_TABLES = frozenset({"applications", "tickets", "answers", "satisfaction", "activity_satisfaction", "signups",
                         "attendance"})


@dataclass
class Table:
    """Rows of one figure with their column names; `chart` says how the page draws it."""

    name: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str = "bar"  # bar, line, pie, none
    by_city: bool = False


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


class Dashboard:
    """The figures of a range of China days, for one city or all (built with the database alone)."""

    def __init__(self, database: Database):
        self.database = database

    def _sum(self, session, metric: str, first: date, last: date, city: str | None, *group) -> list:
        columns = [getattr(DailyFigure, g) for g in group]
        query = (select(*columns, func.sum(DailyFigure.value)).where(
            DailyFigure.metric == metric, DailyFigure.day >= first, DailyFigure.day <= last))
        if city:
            query = query.where(DailyFigure.city == city)
        return session.execute(query.group_by(*columns).order_by(func.sum(DailyFigure.value).desc())).all()

    def _daily(self, session, metrics: list[str], first: date, last: date) -> dict[date, dict[str, int]]:
        found: dict[date, dict[str, int]] = {}
        query = (select(DailyFigure.day, DailyFigure.metric, func.sum(DailyFigure.value))
                 .where(DailyFigure.metric.in_(metrics), DailyFigure.day >= first, DailyFigure.day <= last)
                 .group_by(DailyFigure.day, DailyFigure.metric))
        for day, metric, value in session.execute(query):
            found.setdefault(day, {})[metric] = int(value)
        return found

    def channel_names(self) -> dict[str, str]:
        """Scene -> the channel's name, for the channels staff created."""
        with self.database.session() as session:
            return dict(session.execute(select(QrChannel.scene, QrChannel.name)).all())

    def last_run(self):
        """When the figures were last aggregated (naive UTC), or None."""
        with self.database.session() as session:
            return session.scalar(select(func.max(StatsRun.finished_at)))

    def tables(self, first: date, last: date, city: str | None = None) -> dict[str, Table]:
        """Every table of the dashboard for the days first..last (inclusive)."""
        with self.database.session() as session:
            built = {
                "followers_by_channel": self._followers(session, first, last),
                "activity": self._activity(session, first, last),
                "messages_by_intent": self._messages_by_intent(session, first, last),
                "messages_by_hour": self._by_hour(session, first, last),
                "unplaced_words": self._unplaced_words(session, first, last),
                "applications": self._applications(session, first, last, city),
                "tickets": self._tickets(session, first, last, city),
                "answers": self._answers(session, first, last, city),
                "satisfaction": self._satisfaction(session, first, last, city),
                "activity_satisfaction": self._activity_satisfaction(session, first, last, city),
                "signups": self._signups(session, first, last, city),
                "attendance": self._attendance(session, first, last, city),
                "campaigns": self._campaigns(session, first, last),
                "wechat_users": self._wechat_users(session, first, last),
                "wechat_articles": self._wechat_articles(session, first, last),
            }
            built["overview"] = self._overview(session, first, last, built)
        return {name: built[name] for name in TABLES}

    # ---- the tables ----------------------------------------------------------------------------

    def _overview(self, session, first: date, last: date, built: dict[str, Table]) -> Table:
        daily = self._daily(session, ["followers.total", "active.month"], last, last).get(last, {})
        new = sum(row[2] for row in built["followers_by_channel"].rows)
        left = sum(row[3] for row in built["followers_by_channel"].rows)
        messages = sum(row[1] for row in built["messages_by_intent"].rows)
        unplaced = sum(int(v) for _, v in self._sum(session, "messages.unplaced", first, last, None, "dim"))
        followers = daily.get("followers.total", 0)
        signed_up = sum(row[2] for row in built["attendance"].rows)
        arrived = sum(row[3] for row in built["attendance"].rows)
        rows = [["followers", followers], ["new", new], ["left", left], ["net", new - left],
                ["active_month", daily.get("active.month", 0)],
                ["stickiness", _pct(daily.get("active.month", 0), followers)],
                ["messages", messages], ["unplaced", unplaced], ["unplaced_share", _pct(unplaced, messages)],
                ["attendance_signed_up", signed_up], ["attendance_arrived", arrived],
                ["attendance_rate", _pct(arrived, signed_up)]]
        return Table("overview", ["figure", "value"], rows, chart="none")

    def _followers(self, session, first: date, last: date) -> Table:
        names = dict(session.execute(select(QrChannel.scene, QrChannel.name)).all())
        counts: dict[str, list[int]] = {}
        for index, metric in enumerate(("followers.new", "followers.left")):
            for scene, value in self._sum(session, metric, first, last, None, "dim"):
                counts.setdefault(scene, [0, 0, 0])[index] = int(value)
        for scene, value in self._sum(session, "followers.total", last, last, None, "dim"):
            counts.setdefault(scene, [0, 0, 0])[2] = int(value)
        rows = [[names.get(scene, scene or "-"), scene, new, left, new - left, total]
                for scene, (new, left, total) in counts.items()]
        rows.sort(key=lambda row: (-row[2], row[1]))
        return Table("followers_by_channel", ["channel", "scene", "new", "left", "net", "total"], rows)

    def _activity(self, session, first: date, last: date) -> Table:
        metrics = ["active.day", "active.week", "active.month", "active.returning", "followers.total"]
        daily = self._daily(session, metrics, first, last)
        rows = []
        day = first
        while day <= last:
            found = daily.get(day, {})
            values = [found.get(m, 0) for m in metrics]
            rows.append([day.isoformat(), *values, _pct(values[2], values[4])])
            day += timedelta(days=1)
        return Table("activity", ["day", "dau", "wau", "mau", "returning", "followers", "stickiness"], rows, chart="line")

    def _messages_by_intent(self, session, first: date, last: date) -> Table:
        rows = [[intent, int(n)] for intent, n in self._sum(session, "messages.intent", first, last, None, "dim")]
        total = sum(n for _, n in rows)
        return Table("messages_by_intent", ["intent", "messages", "share"],
                     [[intent, n, _pct(n, total)] for intent, n in rows], chart="pie")

    def _by_hour(self, session, first: date, last: date) -> Table:
        found = {hour: int(n) for hour, n in self._sum(session, "messages.hour", first, last, None, "dim")}
        return Table("messages_by_hour", ["hour", "messages"], [[f"{h:02d}", found.get(f"{h:02d}", 0)] for h in range(24)])

    def _unplaced_words(self, session, first: date, last: date) -> Table:
        rows = [[word, int(n)] for word, n in self._sum(session, "unplaced.word", first, last, None, "dim")[:30]]
        return Table("unplaced_words", ["word", "messages"], rows)

    def _applications(self, session, first: date, last: date, city: str | None) -> Table:
        rows = [[c or "-", status, int(n)] for c, status, n in
                self._sum(session, "applications.new", first, last, city, "city", "dim")]
        return Table("applications", ["city", "status", "applications"], rows, by_city=True)

    def _tickets(self, session, first: date, last: date, city: str | None) -> Table:
        rows = [[kind, department, c or "-", int(n)] for c, kind, department, n in
                self._sum(session, "tickets.new", first, last, city, "city", "dim", "dim2")]
        return Table("tickets", ["kind", "department", "city", "tickets"], rows, by_city=True)

    def _answers(self, session, first: date, last: date, city: str | None) -> Table:
        figures: dict[str, list[float]] = {}
        for index, metric in enumerate(("answers.count", "answers.late", "answers.minutes")):
            for department, value in self._sum(session, metric, first, last, city, "dim"):
                figures.setdefault(department, [0, 0, 0, 0])[index] = int(value)
        for department, value in self._sum(session, "tickets.overdue", last, last, city, "dim"):
            figures.setdefault(department, [0, 0, 0, 0])[3] = int(value)
        rows = [[department, n, late, _pct(late, n), round(minutes / n / 60, 1) if n else 0.0, overdue]
                for department, (n, late, minutes, overdue) in figures.items()]
        rows.sort(key=lambda row: (-row[3], -row[5], row[0]))
        return Table("answers", ["department", "answered", "late", "late_share", "average_hours", "overdue_now"],
                     rows, by_city=True)

    def _satisfaction(self, session, first: date, last: date, city: str | None) -> Table:
        scores: dict[str, list[int]] = {}
        for department, score, n in self._sum(session, "satisfaction.score", first, last, city, "dim", "dim2"):
            scores.setdefault(department, [0] * 5)[int(score) - 1] += int(n)
        rows = []
        for department, counts in scores.items():
            total = sum(counts)
            average = round(sum((i + 1) * n for i, n in enumerate(counts)) / total, 2) if total else 0.0
            rows.append([department, total, average, _pct(counts[3] + counts[4], total), _pct(counts[0] + counts[1], total)])
        rows.sort(key=lambda row: (row[2], row[0]))
        return Table("satisfaction", ["department", "ratings", "average", "satisfied_share", "unhappy_share"], rows,
                     by_city=True)

    def _activity_satisfaction(self, session, first: date, last: date, city: str | None) -> Table:
        """Per activity, then per city (activity None: the city's total), the answers about activities attended."""
        scores: dict[tuple[str, str | None], list[int]] = {}
        for c, activity_id, score, n in self._sum(session, "activity_satisfaction.score", first, last, city,
                                                  "city", "dim", "dim2"):
            for key in ((c, activity_id), (c, None)):
                scores.setdefault(key, [0] * 5)[int(score) - 1] += int(n)
        ids = [int(a) for _, a in scores if a and a.isdigit()]
        titles = dict(session.execute(select(Activity.id, Activity.title).where(Activity.id.in_(ids))).all()) if ids else {}
        rows = []
        for (c, activity_id), counts in scores.items():
            total = sum(counts)
            average = round(sum((i + 1) * n for i, n in enumerate(counts)) / total, 2) if total else 0.0
            name = None if activity_id is None else titles.get(int(activity_id), activity_id)
            rows.append([name, c or "-", total, average, _pct(counts[3] + counts[4], total),
                         _pct(counts[0] + counts[1], total)])
        rows.sort(key=lambda row: (row[1], row[0] is None, str(row[0])))  # each city's activities, then its total
        return Table("activity_satisfaction", ["activity", "city", "ratings", "average", "satisfied_share",
                                               "unhappy_share"], rows, by_city=True)

    def _signups(self, session, first: date, last: date, city: str | None) -> Table:
        cancelled = dict(self._sum(session, "signups.cancelled", first, last, city, "city"))
        rows = [[c or "-", int(n), int(cancelled.get(c, 0))] for c, n in
                self._sum(session, "signups.new", first, last, city, "city")]
        return Table("signups", ["city", "signups", "cancelled"], rows, by_city=True)

    def _attendance(self, session, first: date, last: date, city: str | None) -> Table:
        """Per activity held in the range: confirmed sign-ups, arrivals and the rate; the city totals last."""
        figures: dict[tuple[str, str], list[int]] = {}
        for index, metric in enumerate(("attendance.signed_up", "attendance.arrived")):
            for c, activity_id, n in self._sum(session, metric, first, last, city, "city", "dim"):
                figures.setdefault((c, activity_id), [0, 0])[index] += int(n)
        ids = [int(a) for _, a in figures if a.isdigit()]
        titles = dict(session.execute(select(Activity.id, Activity.title).where(Activity.id.in_(ids))).all()) if ids else {}
        rows = [[titles.get(int(a), a) if a.isdigit() else a, c or "-", n, arrived, _pct(arrived, n)]
                for (c, a), (n, arrived) in figures.items()]
        rows.sort(key=lambda row: (row[1], -row[2], str(row[0])))
        return Table("attendance", ["activity", "city", "signed_up", "arrived", "rate"], rows, by_city=True)

    def _campaigns(self, session, first: date, last: date) -> Table:
        counts: dict[str, dict[str, int]] = {}
        for metric in ("campaigns.delivery", "campaigns.mass"):
            for campaign_id, status, n in self._sum(session, metric, first, last, None, "dim", "dim2"):
                counts.setdefault(campaign_id, {}).setdefault(status, 0)
                counts[campaign_id][status] += int(n)
        for campaign_id, _, n in self._sum(session, "campaigns.clicks", first, last, None, "dim", "dim2"):
            counts.setdefault(campaign_id, {})["clicks"] = int(n)
        titles = dict(session.execute(select(Campaign.id, Campaign.title).where(
            Campaign.id.in_([int(c) for c in counts if c.isdigit()]))).all()) if counts else {}
        rows = []
        for campaign_id, by_status in sorted(counts.items(), key=lambda item: -int(item[0])):
            sent, failed, skipped = (by_status.get(s, 0) for s in ("sent", "failed", "skipped"))
            total = sent + failed + skipped + by_status.get("pending", 0)
            rows.append([campaign_id, titles.get(int(campaign_id), ""), sent, failed, skipped, _pct(sent, total),
                         by_status.get("clicks", 0)])
        return Table("campaigns", ["campaign", "title", "sent", "failed", "skipped", "delivered_share", "clicks"], rows)

    def _wechat_users(self, session, first: date, last: date) -> Table:
        daily = self._daily(session, ["wechat.new_user", "wechat.cancel_user", "wechat.cumulate_user"], first, last)
        rows = [[day.isoformat(), f.get("wechat.new_user", 0), f.get("wechat.cancel_user", 0),
                 f.get("wechat.cumulate_user", 0)] for day, f in sorted(daily.items())]
        return Table("wechat_users", ["day", "new_user", "cancel_user", "cumulate_user"], rows, chart="line")

    def _wechat_articles(self, session, first: date, last: date) -> Table:
        figures: dict[tuple[str, str], list[int]] = {}
        for index, metric in enumerate(("wechat.article_read_user", "wechat.article_read_count", "wechat.article_share_user")):
            for msgid, title, n in self._sum(session, metric, first, last, None, "dim", "dim2"):
                figures.setdefault((msgid, title), [0, 0, 0])[index] = int(n)
        rows = [[title, msgid, *values] for (msgid, title), values in figures.items()]
        rows.sort(key=lambda row: -row[3])
        return Table("wechat_articles", ["title", "msgid", "read_user", "read_count", "share_user"], rows)
