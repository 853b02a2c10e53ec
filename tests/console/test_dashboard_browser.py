"""The dashboard in a real headless Chromium: an editor reads the charts, filters by city, downloads a CSV."""
from __future__ import annotations

from datetime import timedelta

from bot.stats.aggregate import aggregator_for, china_day

from tests.console.test_browser import chromium, console_url, page, sign_in_as  # noqa: F401  (fixtures)


def test_an_editor_reads_the_dashboard_filters_by_city_and_exports_a_table(page, console_url, make_account, runtime,  # noqa: F811
                                                                          clock, application, ticket):
    from playwright.sync_api import expect

    application("o_hz", city="杭州")
    application("o_nb", city="宁波", district="海曙区")
    ticket("complaint", openid="o_complainer")
    day = china_day(clock.now)
    aggregator_for(runtime).rebuild(day - timedelta(days=6), day)
    clock.advance(days=1)
    make_account("editor", username="wang")
    sign_in_as(page, console_url, "wang")
    page.get_by_role("navigation").get_by_role("link", name="数据", exact=True).click()
    expect(page.get_by_role("heading", name="数据中心")).to_be_visible()
    # ECharts (served by the project) drew the chart beside the numbers.
    expect(page.get_by_test_id("chart-applications")).to_have_attribute("data-drawn", "1")
    assert page.get_by_test_id("chart-applications").locator("canvas").count() == 1
    expect(page.get_by_test_id("stats-applications")).to_contain_text("宁波")

    page.get_by_label("城市").select_option("杭州")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("stats-applications")).to_contain_text("杭州")
    expect(page.get_by_test_id("stats-applications")).not_to_contain_text("宁波")

    with page.expect_download() as download:
        page.get_by_test_id("csv-applications").click()
    body = open(download.value.path(), encoding="utf-8-sig").read()
    assert body.splitlines()[0] == "城市,当前状态,申请数" and "杭州,待审核,1" in body

    page.get_by_test_id("report-link").click()
    expect(page.get_by_test_id("monthly-report")).to_contain_text("杭州工会网上工作月度通报")
