"""Staff stories in a real headless Chromium (Debian's package, driven by Playwright; no browser download).

The console is served on a free local port in a thread, like the fake WeChat API. Without
/usr/bin/chromium these tests skip with the reason, except in CI (CI_REQUIRE_BROWSER=1), where
a missing browser fails them: .ci/run installs it.
"""
from __future__ import annotations

import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bot.console import audit
from bot.push import campaigns

from tests.conftest import wait_until
from tests.console.conftest import PASSWORD

CHROMIUM = Path(os.environ.get("CONSOLE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium for the module's tests."""
    if not CHROMIUM.exists():
        message = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI_REQUIRE_BROWSER") == "1":
            pytest.fail(message + ": CI requires the browser tests to run")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def console_url(runtime):
    """The whole app (console included) served over plain http on a free port, as `make run` does."""
    from bot import create_app

    app = create_app(runtime.config.with_overrides(console_cookie_secure=False), runtime=runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="console", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/console"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(chromium):
    """A fresh browser context (no cookies) and page."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in_as(page, console_url, username, password=PASSWORD):
    page.goto(f"{console_url}/sign-in")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def nav(page, label: str) -> None:
    """Follow a link of the navigation bar."""
    page.get_by_role("navigation").get_by_role("link", name=label, exact=True).click()


def test_sign_in_and_lock_out(page, console_url, make_account):
    from playwright.sync_api import expect

    make_account("reviewer", username="li")
    for _ in range(4):
        sign_in_as(page, console_url, "li", "wrong-password")
        expect(page.get_by_role("alert")).to_contain_text("用户名或密码不对")
    sign_in_as(page, console_url, "li", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("账号已被暂时锁定")
    sign_in_as(page, console_url, "li")
    expect(page.get_by_role("alert")).to_contain_text("账号已被暂时锁定")
    sign_in_as(page, console_url, "nobody-else", "whatever-it-is")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不对")


def test_a_reviewer_approves_an_application_and_it_leaves_the_queue(page, console_url, make_account, application,
                                                                   fake_wechat, runtime):
    from playwright.sync_api import expect

    first = application("o_first", city="杭州", district="西湖区")
    second = application("o_second", city="杭州", district="滨江区", name="陈小梅")
    make_account("reviewer", username="wang", city="杭州")
    sign_in_as(page, console_url, "wang")
    expect(page.get_by_test_id("count-applications")).to_have_text("2")
    expect(page.get_by_test_id("badge")).to_have_text("2")  # htmx loaded the badge
    nav(page, "入会审核")
    queue = page.get_by_test_id("applications")
    expect(queue).to_contain_text(first)
    expect(queue).to_contain_text("陈**")
    page.get_by_role("link", name=first).click()
    page.get_by_role("button", name="查看完整手机号和身份证号（将记入操作日志）").click()
    expect(page.get_by_test_id("revealed")).to_contain_text("身份证号")
    page.get_by_role("button", name="通过", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"入会申请 {first} 已通过")
    expect(queue).not_to_contain_text(first)
    expect(queue).to_contain_text(second)
    assert runtime.membership.staff_application(first)[0].status == "approved"
    wait_until(lambda: [c for c in fake_wechat.calls("/cgi-bin/message/custom/send")
                        if c["json"]["touser"] == "o_first" and "恭喜您" in str(c["json"])])
    actions = [e.action for e in audit.search(runtime.database, actor="wang", target=first)[0]]
    assert actions == ["application.approve", "application.reveal"]


def test_a_counsellor_calls_back_answers_a_complaint_and_the_worker_sees_it(page, console_url, make_account, ticket,
                                                                           runtime, fake_wechat):
    from playwright.sync_api import expect

    number = ticket("complaint", openid="o_worker")
    make_account("counsellor", username="zhao")
    make_account("admin", username="boss")
    sign_in_as(page, console_url, "zhao")
    nav(page, "工单")
    expect(page.get_by_test_id("tickets")).to_contain_text("138****5678")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_test_id("story")).to_contain_text("公司拖欠我三个月工资")
    page.get_by_role("button", name="显示完整号码以便回电（将记入操作日志）").click()
    expect(page.get_by_test_id("revealed")).to_contain_text("13812345678")
    page.get_by_label("答复职工（会通过服务号发给职工）").fill("已联系贵公司人事，工资将于本周五前补发。")
    page.get_by_role("button", name="发送答复").click()
    expect(page.get_by_role("status")).to_contain_text(f"工单 {number} 已答复")
    expect(page.get_by_test_id("replies")).to_contain_text("本周五前补发")
    person_id = runtime.people.person_id("official", "o_worker")
    assert runtime.tickets.get(person_id, number).replies[-1][1] == "已联系贵公司人事，工资将于本周五前补发。"
    assert any("本周五前补发" in str(c["json"]) for c in fake_wechat.calls("/cgi-bin/message/custom/send"))
    # The administrator finds the reveal in the audit log.
    page.get_by_role("button", name="退出").click()
    sign_in_as(page, console_url, "boss")
    nav(page, "操作日志")
    page.get_by_label("操作").select_option("ticket.reveal_phone")
    page.get_by_role("button", name="筛选").click()
    rows = page.get_by_test_id("audit")
    expect(rows).to_contain_text("zhao")
    expect(rows).to_contain_text(number)


def test_an_editor_schedules_a_campaign_to_hangzhou_members(page, console_url, make_account, runtime, fake_wechat):
    from playwright.sync_api import expect
    from tests.handlers.member_factory import make_member

    make_member(runtime, "o_hz_1", city="杭州")
    make_member(runtime, "o_hz_2", city="杭州")
    make_account("editor", username="chen")
    sign_in_as(page, console_url, "chen")
    nav(page, "推送")
    page.get_by_role("link", name="新建推送").click()
    page.get_by_label("标题").fill("明天职工运动会")
    page.get_by_label("正文").fill("明早九点黄龙体育中心，凭会员卡入场。")
    expect(page.get_by_test_id("phone-preview")).to_contain_text("凭会员卡入场")  # htmx preview
    page.get_by_label("范围").select_option("city")
    page.get_by_label("城市、行业、标签或活动编号").fill("杭州")
    page.get_by_label("城市、行业、标签或活动编号").dispatch_event("change")
    expect(page.get_by_test_id("audience-size")).to_contain_text("现在约 2 人")
    tomorrow = (runtime.clock() + timedelta(hours=8) + timedelta(days=1)).strftime("%Y-%m-%dT09:00")
    page.get_by_label("发送时间（北京时间，留空为立即发送）").fill(tomorrow)
    page.get_by_role("button", name="安排发送").click()
    expect(page.get_by_role("status")).to_contain_text("推送“明天职工运动会”已安排")
    expect(page.get_by_test_id("state")).to_have_text("待发送")
    expect(page.get_by_test_id("send-at")).to_contain_text(tomorrow.replace("T", " "))
    [found] = campaigns.list_campaigns(runtime)
    assert (found["audience"], found["state"], found["audience_size"]) == ("city:杭州", "scheduled", 2)

    page.get_by_role("button", name="发给我自己").click()  # not bound yet: told how
    expect(page.get_by_role("status")).to_contain_text("您的账号还没有绑定微信")
    runtime.staff_notices.bind(runtime.staff_notices.issue_code("chen"), "o_chen_phone")  # “绑定 CODE” in the chat
    page.get_by_role("button", name="发给我自己").click()
    expect(page.get_by_role("status")).to_contain_text("测试消息已发到您绑定的微信")
    [mine] = [c["json"] for c in fake_wechat.calls("/cgi-bin/message/template/send")
              if c["json"]["touser"] == "o_chen_phone"]
    assert "明天职工运动会" in str(mine)


def test_a_campaign_sent_now_fills_its_progress_bar(page, console_url, make_account, runtime, fake_wechat):
    from playwright.sync_api import expect
    from tests.handlers.member_factory import make_member

    for n in range(3):
        make_member(runtime, f"o_fan_{n}", city="宁波")
    make_account("editor", username="chen")
    sign_in_as(page, console_url, "chen")
    page.goto(f"{console_url}/campaigns/new")
    page.get_by_label("标题").fill("今晚停电通知")
    page.get_by_label("正文").fill("今晚八点职工之家检修停电。")
    page.get_by_label("范围").select_option("city")
    page.get_by_label("城市、行业、标签或活动编号").fill("宁波")
    page.get_by_role("button", name="安排发送").click()
    expect(page.get_by_test_id("state")).to_have_text("待发送")
    campaign_id = int(page.url.rsplit("/", 1)[1])
    campaigns.start(runtime, campaign_id)  # what the scheduler process does when the time comes
    expect(page.get_by_test_id("progress")).to_have_attribute("aria-valuenow", "100", timeout=20_000)
    wait_until(lambda: len([c for c in fake_wechat.calls("/cgi-bin/message/template/send")
                            if c["json"]["template_id"] == "TPL_ACTIVITY_NOTICE"]) == 3)


def test_the_door_list_of_an_activity(page, console_url, make_account, runtime):
    from playwright.sync_api import expect
    from tests.handlers.member_factory import make_member

    activity = runtime.activities.create(title="亲子手工课", city="杭州", place="职工服务中心三楼", capacity=10,
                                         starts_at=runtime.clock() + timedelta(days=1))
    runtime.activities.sign_up(make_member(runtime, "o_door", city="杭州"), activity.id)
    make_account("editor", username="chen")
    sign_in_as(page, console_url, "chen")
    nav(page, "活动")
    page.get_by_role("link", name="亲子手工课").click()
    expect(page.get_by_test_id("participants")).to_contain_text("王芳")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 CSV（可打印）").click()
    assert "王芳" in Path(download.value.path()).read_text(encoding="utf-8-sig")
