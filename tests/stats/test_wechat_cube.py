"""WeChat's data-cube figures: fetched through the client in WeChat's steps, stored, kept by a rebuild."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.stats import wechat_cube
from bot.stats.report import Dashboard
from bot.storage.models import DailyFigure
from bot.wechat.client import WeChatError


def test_ten_days_are_fetched_in_steps_wechat_accepts_and_shown_on_the_dashboard(runtime, fake_wechat, aggregator):
    first, last = date(2026, 11, 1), date(2026, 11, 10)
    stored = wechat_cube.fetch(runtime.database, runtime.wechat, first, last)
    assert stored > 0
    summaries = fake_wechat.calls("/datacube/getusersummary")
    assert [c["json"] for c in summaries] == [{"begin_date": "2026-11-01", "end_date": "2026-11-07"},
                                              {"begin_date": "2026-11-08", "end_date": "2026-11-10"}]
    assert len(fake_wechat.calls("/datacube/getarticlesummary")) == 10
    # What the fake answered is what the dashboard shows.
    answer = runtime.wechat.data_cube("usersummary", date(2026, 11, 3), date(2026, 11, 3))
    table = Dashboard(runtime.database).tables(first, last)["wechat_users"]
    row = next(r for r in table.rows if r[0] == "2026-11-03")
    assert row[1] == sum(r["new_user"] for r in answer) and row[2] == sum(r["cancel_user"] for r in answer)
    articles = Dashboard(runtime.database).tables(date(2026, 11, 3), date(2026, 11, 3))["wechat_articles"]
    assert {r[0] for r in articles.rows} == {"职工疗休养新政策解读", "本周工会活动预告"}
    # Rebuilding our own figures leaves WeChat's alone; fetching again gives the same rows.
    aggregator.run_day(date(2026, 11, 3))
    with runtime.database.session() as session:
        before = session.execute(select(DailyFigure.metric, DailyFigure.dim, DailyFigure.value)
                                 .where(DailyFigure.metric.startswith("wechat."))).all()
    assert wechat_cube.fetch(runtime.database, runtime.wechat, first, last) == stored
    with runtime.database.session() as session:
        assert sorted(before) == sorted(session.execute(select(DailyFigure.metric, DailyFigure.dim, DailyFigure.value)
                                                        .where(DailyFigure.metric.startswith("wechat."))).all())


def test_a_refused_fetch_keeps_the_figures_already_stored(runtime, fake_wechat):
    day = date(2026, 11, 3)
    wechat_cube.fetch(runtime.database, runtime.wechat, day, day)
    fake_wechat.inject("/datacube/getusersummary", errcode=61501)
    with pytest.raises(WeChatError):
        wechat_cube.fetch(runtime.database, runtime.wechat, day, day)
    assert Dashboard(runtime.database).tables(day, day)["wechat_users"].rows


def test_the_fake_refuses_too_long_a_range_like_wechat(runtime):
    with pytest.raises(WeChatError) as refused:
        runtime.wechat.data_cube("usersummary", date(2026, 11, 1), date(2026, 11, 8))
    assert refused.value.errcode == 61501


def test_the_hourly_job_aggregates_yesterday_and_today_and_fetches_wechat_figures(runtime, clock, fake_wechat,
                                                                                 monkeypatch):
    from types import SimpleNamespace

    from bot.push import scheduler
    from bot.stats.aggregate import aggregate_yesterday_job
    from bot.storage.models import StatsRun

    monkeypatch.setattr(scheduler, "_active", SimpleNamespace(runtime=runtime))
    aggregate_yesterday_job()  # the clock says 2026-11-02 09:00 China time
    with runtime.database.session() as session:
        assert set(session.scalars(select(StatsRun.day))) == {date(2026, 11, 1), date(2026, 11, 2)}
    assert [c["json"]["begin_date"] for c in fake_wechat.calls("/datacube/getusersummary")] == ["2026-11-01"]
    fake_wechat.inject("/datacube/getusersummary", errcode=-1, times=None)
    aggregate_yesterday_job()  # WeChat down: our figures are still made
