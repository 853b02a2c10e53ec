"""`make run`'s demo figures: after the demo load the dashboard a new staff member opens has believable,
non-zero figures (followers, messages, tickets, sign-ups and attendance); loading again changes nothing;
outside the embedded default nothing is generated."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.demo import load_demo_content
from bot.stats.aggregate import china_day
from bot.stats.demo import OPENID_PREFIX, load_demo_figures
from bot.stats.report import Dashboard
from bot.storage.models import Follower, MessageLog

from tests.console.conftest import csrf_token


def demo(runtime) -> None:
    """The embedded default's configuration (what `make run` has)."""
    runtime.config = runtime.config.__class__(runtime.config._values, demo=True)


def rows_of(runtime) -> tuple[int, int]:
    with runtime.database.session() as session:
        return (session.scalar(select(func.count()).select_from(Follower)),
                session.scalar(select(func.count()).select_from(MessageLog)))


def test_after_the_demo_load_the_dashboard_has_figures(runtime, clock, app):
    demo(runtime)
    clock.now = clock.now.replace(hour=6)  # 14:00 China time: the day cannot turn during the test
    load_demo_content(runtime)
    today = china_day(clock.now)
    tables = Dashboard(runtime.database).tables(today - timedelta(days=29), today)
    overview = dict(tables["overview"].rows)
    assert overview["followers"] > 100 and overview["new"] > 100 and overview["active_month"] > 0
    assert overview["messages"] > 500 and 0 < overview["unplaced_share"] < 50
    assert overview["attendance_signed_up"] > 0 and 0 < overview["attendance_arrived"] < overview["attendance_signed_up"]
    for name in ("followers_by_channel", "messages_by_intent", "applications", "tickets", "answers", "satisfaction",
                 "signups", "attendance"):
        assert tables[name].rows, name
    assert any(row[0] == "【演示】杭州地铁站海报" and row[2] > 0 for row in tables["followers_by_channel"].rows)

    # What a new editor sees: the demo account's 数据 page with its figures.
    client = app.test_client()
    client.post("/console/sign-in", data={"username": "demo-editor", "password": "zgzj-demo-2026",
                                          "csrf_token": csrf_token(client)})
    page = client.get("/console/dashboard").get_data(as_text=True)
    assert "【演示】宁波港区安全生产讲座" in page and "【演示】杭州地铁站海报" in page

    before = rows_of(runtime)
    assert "already there" in load_demo_figures(runtime)
    assert rows_of(runtime) == before
    assert dict(Dashboard(runtime.database).tables(today - timedelta(days=29), today)["overview"].rows) == overview


def test_no_demo_figures_outside_the_embedded_default(runtime, clock):
    assert "outside the embedded default" in load_demo_figures(runtime)
    with runtime.database.session() as session:
        assert not session.scalar(select(func.count()).select_from(Follower).where(
            Follower.openid.like(f"{OPENID_PREFIX}%")))
