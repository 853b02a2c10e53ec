"""An editor sends a campaign to a few phones before it goes out, and sends again what WeChat could not deliver."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.console import audit
from bot.push import campaigns
from bot.storage.models import Campaign, Delivery, Follower

from tests.conftest import wait_until
from tests.console.conftest import post

TEMPLATE = "/cgi-bin/message/template/send"


@pytest.fixture
def threads(runtime):
    """The push engine's thread dispatcher of this runtime, stopped after the test."""
    yield
    from bot.push import queue_worker

    dispatcher = queue_worker._dispatchers.pop(id(runtime), None)
    if dispatcher is not None:
        dispatcher.shutdown()


def _scheduled(runtime) -> Campaign:
    return campaigns.create(runtime, title="周六运动会", text="周六上午九点，市工人体育场，凭会员卡入场。",
                            channel="template", audience="all", at=runtime.clock() + timedelta(days=1))


def test_an_editor_test_sends_a_scheduled_campaign_to_two_phones(sign_in, runtime, fake_wechat):
    with runtime.database.session() as session:
        session.add_all(Follower(openid=f"fan{i}", subscribed=True) for i in range(3))
    campaign = _scheduled(runtime)
    editor = sign_in("editor", username="chen")
    fake_wechat.inject(TEMPLATE, errcode=40003, times=1)  # the first openid is not a follower of the account
    page = post(editor, f"/console/campaigns/{campaign.id}/test-send", {"openids": "o_typo\no_chen_phone"},
                follow_redirects=True).get_data(as_text=True)
    assert "测试消息没有发给 o_typo" in page and "40003" in page
    assert "测试消息已发给 o_chen_phone" in page
    sent = [c["json"]["touser"] for c in fake_wechat.calls(TEMPLATE) if c["errcode"] in (0, None)]
    assert sent == ["o_chen_phone"]
    assert "周六运动会" in str(fake_wechat.calls(TEMPLATE)[-1]["json"])
    report = campaigns.report(runtime, campaign.id)
    assert report["state"] == "scheduled" and report["counts"]["sent"] == 0  # the campaign itself is untouched
    entries, _ = audit.search(runtime.database, action="campaign.test_send", target=str(campaign.id))
    assert sorted((e.detail["openid"], e.detail.get("ok")) for e in entries) == [("o_chen_phone", True),
                                                                                  ("o_typo", False)]


def test_test_send_needs_recipients_and_the_editors_role(sign_in, runtime, fake_wechat):
    campaign = _scheduled(runtime)
    editor = sign_in("editor")
    page = post(editor, f"/console/campaigns/{campaign.id}/test-send", {"openids": " "},
                follow_redirects=True).get_data(as_text=True)
    assert "请填写要接收测试的微信 openid" in page
    reviewer = sign_in("reviewer")
    assert post(reviewer, f"/console/campaigns/{campaign.id}/test-send", {"openids": "o_x"}).status_code == 403
    assert editor.post(f"/console/campaigns/{campaign.id}/test-send", data={"openids": "o_x"}).status_code == 400
    assert fake_wechat.calls(TEMPLATE) == []


def test_an_editor_sends_again_the_messages_wechat_gave_up_on(sign_in, runtime, fake_wechat, threads):
    fans = ["fan_ok", "fan_gave_up", "fan_timeout"]
    with runtime.database.session() as session:
        session.add_all(Follower(openid=o, subscribed=True) for o in fans)
    campaign = _scheduled(runtime)
    with runtime.database.session() as session:
        session.add_all([Delivery(campaign_id=campaign.id, openid="fan_ok", status="sent"),
                         Delivery(campaign_id=campaign.id, openid="fan_gave_up", status="failed", reason="gave_up",
                                  errcode=45009),
                         Delivery(campaign_id=campaign.id, openid="fan_timeout", status="unknown",
                                  reason="timeout_unknown")])
        found = session.get(Campaign, campaign.id)
        found.state, found.materialized_at, found.finished_at = "done", runtime.clock(), runtime.clock()
    editor = sign_in("editor", username="chen")
    page = editor.get(f"/console/campaigns/{campaign.id}").get_data(as_text=True)
    assert "重发未送达的" in page and "多次重试仍失败（1 人）" in page and "可能已经送达" in page

    answer = post(editor, f"/console/campaigns/{campaign.id}/retry", {"reason": "gave_up"}, follow_redirects=True)
    assert "1 条未送达的消息已重新发送" in answer.get_data(as_text=True)
    wait_until(lambda: campaigns.report(runtime, campaign.id)["state"] == "done"
               and [c["json"]["touser"] for c in fake_wechat.calls(TEMPLATE)])
    assert [c["json"]["touser"] for c in fake_wechat.calls(TEMPLATE)] == ["fan_gave_up"]  # not the timeout one
    counts = campaigns.report(runtime, campaign.id)["counts"]
    assert (counts["sent"], counts["unknown"]) == (2, 1)
    entries, _ = audit.search(runtime.database, action="campaign.retry", target=str(campaign.id))
    assert [(e.actor, e.detail["reasons"], e.detail["count"]) for e in entries] == [("chen", "gave_up", 1)]

    again = post(editor, f"/console/campaigns/{campaign.id}/retry", {"reason": "gave_up"}, follow_redirects=True)
    assert "没有因为这些原因未送达的消息" in again.get_data(as_text=True)
    assert post(sign_in("reviewer"), f"/console/campaigns/{campaign.id}/retry", {"reason": "gave_up"}).status_code == 403


def test_an_editor_sends_the_test_to_their_own_bound_wechat(sign_in, runtime, fake_wechat, client):
    from tests.console.test_staff_notices import _bind

    campaign = _scheduled(runtime)
    editor = sign_in("editor", username="chen")
    page = post(editor, f"/console/campaigns/{campaign.id}/test-send", {"to": "me"},
                follow_redirects=True).get_data(as_text=True)
    assert "您的账号还没有绑定微信" in page and "绑定 12345678" in page  # how to bind, in the editor's words
    assert fake_wechat.calls(TEMPLATE) == []

    assert "绑定成功" in _bind(sign_in("admin", username="boss"), client, "chen", "o_chen_own_wechat")
    page = post(editor, f"/console/campaigns/{campaign.id}/test-send", {"to": "me", "openids": "o_someone_else"},
                follow_redirects=True).get_data(as_text=True)
    assert "测试消息已发到您绑定的微信（模板消息）" in page
    [sent] = fake_wechat.calls(TEMPLATE)
    assert sent["json"]["touser"] == "o_chen_own_wechat" and "周六运动会" in str(sent["json"])
    assert campaigns.report(runtime, campaign.id)["counts"]["sent"] == 0  # the campaign itself is untouched
    [entry] = audit.search(runtime.database, action="campaign.test_send", target=str(campaign.id))[0]
    assert (entry.actor, entry.role, entry.detail["openid"], entry.detail["to_self"], entry.detail["ok"]) == (
        "chen", "editor", "o_chen_own_wechat", True, True)
    assert entry.ip == "127.0.0.1"


def test_a_refused_test_to_oneself_says_what_wechat_answered(sign_in, runtime, fake_wechat, client):
    from tests.console.test_staff_notices import _bind

    campaign = _scheduled(runtime)
    editor = sign_in("editor", username="chen")
    _bind(sign_in("admin", username="boss"), client, "chen", "o_chen_own_wechat")
    fake_wechat.inject(TEMPLATE, errcode=43004, times=1)  # the editor unfollowed the service account
    page = post(editor, f"/console/campaigns/{campaign.id}/test-send", {"to": "me"},
                follow_redirects=True).get_data(as_text=True)
    assert "测试消息没有发到您绑定的微信：微信返回 43004" in page
    [entry] = audit.search(runtime.database, action="campaign.test_send")[0]
    assert entry.detail["ok"] is False and entry.detail["errcode"] == 43004
