"""The dashboard: who may open it, what a city-limited account sees, CSV of every table, the monthly report."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from bot.stats.aggregate import aggregator_for, china_day
from bot.stats.report import TABLES

from tests.console.conftest import post  # noqa: F401  (the console's helpers, for symmetry with other tests)


@pytest.fixture
def figures(runtime, clock, application, ticket):
    """Two applications (Hangzhou and Ningbo) and a complaint yesterday, aggregated; returns the day."""
    application("o_hz", city="杭州")
    application("o_nb", city="宁波", district="海曙区")
    ticket("complaint", openid="o_complainer")
    day = china_day(clock.now)
    aggregator_for(runtime).rebuild(day, day)
    clock.advance(days=1)
    return day


@pytest.mark.parametrize("role, status", [("admin", 200), ("editor", 200), ("reviewer", 403),
                                          ("counsellor", 403), ("discipline", 403)])
def test_the_dashboard_is_for_administrators_and_editors(sign_in, role, status):
    client = sign_in(role)
    assert client.get("/console/dashboard").status_code == status
    assert client.get("/console/dashboard/applications.csv").status_code == status
    assert client.get("/console/dashboard/report").status_code == status


def test_the_figures_of_the_range_and_city_show_beside_the_charts(sign_in, figures):
    client = sign_in("admin")
    day = figures.isoformat()
    page = client.get(f"/console/dashboard?from={day}&to={day}").get_data(as_text=True)
    assert 'data-testid="chart-applications"' in page and "echarts.min.js" in page
    assert "杭州" in page and "宁波" in page
    only = client.get(f"/console/dashboard?from={day}&to={day}&city=宁波").get_data(as_text=True)
    section = only.split('data-testid="stats-applications"')[1].split("</table>")[0]
    assert "宁波" in section and "杭州" not in section


def test_a_city_limited_editor_sees_only_their_city_whatever_they_ask(sign_in, figures):
    client = sign_in("editor", city="杭州")
    day = figures.isoformat()
    answer = client.get(f"/console/dashboard/applications.csv?from={day}&to={day}&city=宁波")
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["城市", "当前状态", "申请数"]
    assert rows[1:] == [["杭州", "待审核", "1"]]


def test_every_table_exports_as_csv_with_its_headers(sign_in, figures):
    client = sign_in("admin")
    day = figures.isoformat()
    for name in TABLES:
        answer = client.get(f"/console/dashboard/{name}.csv?from={day}&to={day}")
        assert answer.status_code == 200 and answer.mimetype == "text/csv", name
        body = answer.get_data(as_text=True)
        assert body.startswith("\ufeff"), name
        header = next(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        assert len(header) > 1 and not any(h.isascii() and h.isidentifier() for h in header), (name, header)
    assert client.get("/console/dashboard/nonsense.csv").status_code == 404


def test_the_monthly_report_lists_the_month_of_a_city(sign_in, runtime, figures):
    client = sign_in("admin")
    page = client.get(f"/console/dashboard/report?month={figures:%Y-%m}&city=杭州").get_data(as_text=True)
    assert f"杭州工会网上工作月度通报（{figures.year}年{figures.month}月）" in page
    assert "宁波" not in page.split('data-testid="stats-applications"')[1].split("</table>")[0]


def test_a_bad_range_falls_back_to_the_last_30_days(sign_in, clock):
    client = sign_in("admin")
    page = client.get("/console/dashboard?from=2026-12-01&to=2026-01-01").get_data(as_text=True)
    assert "日期范围不对" in page
    yesterday = (clock.now + timedelta(hours=8)).date() - timedelta(days=1)
    assert f'value="{yesterday.isoformat()}"' in page and isinstance(yesterday, date)
