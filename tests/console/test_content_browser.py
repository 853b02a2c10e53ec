"""An editor changes an FAQ answer in a real headless Chromium, a worker gets it in WeChat, then the editor rolls it back.

The same browser set-up as test_browser.py (Debian's chromium, Playwright, no download); the content is a copy.
"""
from __future__ import annotations

from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN
from bot.console import audit
from bot.wechat.simulator import WeChatSimulator, requests_transport

from tests.conftest import wait_until
from tests.console.test_browser import chromium, console_url, nav, page, sign_in_as  # noqa: F401 (fixtures)
from tests.console.test_content import config  # noqa: F401 (the content is a copy the editor may change)

QUESTION = "老板三个月没发工资怎么办"
NEW_ANSWER = "编辑新写的回答：先把工资条和考勤拍照留好，再回复“人工”让工会帮你讨薪。"


def worker_asks(console_url, text: str, openid: str) -> str:  # noqa: F811 (the fixture's value)
    """A worker's message through the served webhook, as WeChat relays it; the reply's text."""
    webhook = console_url.removesuffix("/console") + "/wechat"
    worker = WeChatSimulator(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY, mode="safe", openid=openid, url=webhook,
                             transport=requests_transport(webhook))
    reply = worker.send_text(text)
    assert reply.ok, reply.error
    return reply.text or ""


def test_an_editor_edits_an_faq_answer_a_worker_gets_it_and_a_rollback_brings_the_old_one(
        page, console_url, make_account, runtime):  # noqa: F811
    from playwright.sync_api import expect

    page.set_default_timeout(90_000)  # a save runs every content check: seconds, more on a loaded machine
    old_answer = runtime.legal_faq.get("wage-arrears-what-to-do").answer
    assert old_answer[:20] in worker_asks(console_url, QUESTION, "o_before")
    make_account("editor", username="zhou")
    sign_in_as(page, console_url, "zhou")
    nav(page, "内容")
    page.get_by_role("link", name="法律问答").click()
    page.get_by_role("link", name="公司拖欠工资、工资拖着不发怎么办？").click()
    page.get_by_label("回答", exact=True).fill(NEW_ANSWER)

    page.get_by_label("职工的话").fill(QUESTION)
    page.get_by_role("button", name="试一试").click()
    expect(page.get_by_test_id("try-draft")).to_contain_text(NEW_ANSWER)
    expect(page.get_by_test_id("try-draft")).to_contain_text("wage-arrears-what-to-do")
    expect(page.get_by_test_id("try-saved")).not_to_contain_text(NEW_ANSWER)
    expect(page.get_by_test_id("try-saved")).to_contain_text("法律咨询")

    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").first).to_contain_text("已保存为第")
    wait_until(lambda: NEW_ANSWER in worker_asks(console_url, QUESTION, "o_after_save"), timeout=10, interval=0.5)
    page.get_by_label("职工的话").fill(QUESTION)
    page.get_by_role("button", name="试一试").click()
    expect(page.get_by_test_id("try-saved")).to_contain_text(NEW_ANSWER)  # saved: it is what workers get now

    page.get_by_role("link", name="版本记录").click()
    versions = page.get_by_test_id("versions")
    expect(versions).to_contain_text("zhou")
    versions.get_by_role("link", name="查看差异 / 恢复").last.click()  # the file before the console changed it
    page.get_by_role("button", name="恢复到这个版本").click()
    expect(page.get_by_role("status").first).to_contain_text("已恢复到第")
    wait_until(lambda: old_answer[:20] in worker_asks(console_url, QUESTION, "o_after_rollback"), timeout=10,
               interval=0.5)
    assert NEW_ANSWER not in worker_asks(console_url, QUESTION, "o_after_rollback_2")
    actions = [e.action for e in audit.search(runtime.database, actor="zhou", action="content.")[0]]
    assert actions == ["content.restore", "content.save"]
