"""In a real headless Chromium: a counsellor transfers a complaint, the other department closes it with a reason."""
from __future__ import annotations

from tests.console.test_browser import chromium, console_url, nav, page, sign_in_as  # noqa: F401  (fixtures)


def test_a_counsellor_transfers_a_complaint_and_the_other_department_closes_it(
        page, console_url, make_account, ticket, runtime, fake_wechat):  # noqa: F811
    from playwright.sync_api import expect

    number = ticket("complaint", openid="o_worker")
    make_account("counsellor", username="rights", department="维权部")
    make_account("counsellor", username="legal", department="法律服务中心")
    sign_in_as(page, console_url, "rights")
    nav(page, "工单")
    page.get_by_role("link", name=number).click()
    page.get_by_label("转交部门").select_option("法律服务中心")
    page.get_by_label("转交说明").fill("涉及劳动仲裁，请法律服务中心跟进")
    page.get_by_role("button", name="转交", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"工单 {number} 已转交法律服务中心")
    expect(page.get_by_test_id("tickets")).not_to_contain_text(number)
    page.get_by_role("button", name="退出").click()

    sign_in_as(page, console_url, "legal")
    nav(page, "工单")
    expect(page.get_by_test_id("tickets")).to_contain_text("已转交法律服务中心办理")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_test_id("transfers")).to_contain_text("涉及劳动仲裁，请法律服务中心跟进")
    page.get_by_label("办结原因").select_option(label="重复提交")
    page.get_by_role("button", name="办结（会通知职工）").click()
    expect(page.get_by_role("status")).to_contain_text(f"工单 {number} 已办结（重复提交）")
    expect(page.get_by_test_id("close-form")).to_have_count(0)

    person_id = runtime.people.person_id("official", "o_worker")
    assert runtime.tickets.get(person_id, number).status_name == "已办结（重复提交）"
    assert any(number in str(c["json"]) and "重复提交" in str(c["json"])
               for c in fake_wechat.calls("/cgi-bin/message/custom/send"))
