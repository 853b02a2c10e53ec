"""WeChat's delivery reports update deliveries; subscribe-message consent is recorded."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.config import DEMO_TOKEN
from bot.dialogue import respond
from bot.messages import Inbound
from bot.push import campaigns
from bot.push.reports import record_consent
from bot.storage.models import Delivery, SubscribeConsent
from tests.push.conftest import Inline
from tests.webhook.signing import event_xml, post


def _deliveries(runtime, campaign_id):
    with runtime.database.session() as session:
        return {d.openid: d for d in session.scalars(select(Delivery).where(Delivery.campaign_id == campaign_id))}


def test_template_reports_update_each_delivery(push_runtime, add_followers, client):
    add_followers(3)
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="template", audience="all")
    campaigns.start(push_runtime, campaign.id, Inline(push_runtime))
    rows = _deliveries(push_runtime, campaign.id)
    for openid, status in (("fan00000", "success"), ("fan00001", "failed:user block")):
        xml = event_xml(openid, "TEMPLATESENDJOBFINISH",
                        extra=f"<MsgID>{rows[openid].wechat_msg_id}</MsgID><Status><![CDATA[{status}]]></Status>")
        assert post(client, DEMO_TOKEN, xml).status_code == 200
    rows = _deliveries(push_runtime, campaign.id)
    assert (rows["fan00000"].status, rows["fan00000"].report) == ("sent", "success")
    assert (rows["fan00001"].status, rows["fan00001"].reason) == ("failed", "user_block")
    assert rows["fan00002"].report is None
    report = campaigns.report(push_runtime, campaign.id)
    assert report["counts"] == {"pending": 0, "sent": 2, "failed": 1, "skipped": 0, "unknown": 0}
    assert report["failures"][0]["description"] == "用户拒收（微信送达报告）"


def test_mass_send_report_gives_the_numbers_reached(push_runtime, add_followers, client):
    add_followers(5)
    campaign = campaigns.create(push_runtime, title="t", text="x", channel="mass", audience="all")
    campaigns.start(push_runtime, campaign.id, Inline(push_runtime))
    msg_id = campaigns.get(push_runtime, campaign.id).wechat_msg_id
    xml = event_xml("gh_zgzj", "MASSSENDJOBFINISH", extra=(
        f"<MsgID>{msg_id}</MsgID><Status><![CDATA[send success]]></Status><TotalCount>5</TotalCount>"
        "<FilterCount>5</FilterCount><SentCount>4</SentCount><ErrorCount>1</ErrorCount>"))
    assert post(client, DEMO_TOKEN, xml).status_code == 200
    report = campaigns.report(push_runtime, campaign.id)
    assert report["counts"] == {"pending": 0, "sent": 4, "failed": 1, "skipped": 0, "unknown": 0}


def _consent_event(openid: str, event: str, template_id: str, status: str, runtime) -> None:
    root = "SubscribeMsgPopupEvent" if event == "subscribe_msg_popup_event" else "SubscribeMsgChangeEvent"
    raw = {f"{root}.List.TemplateId": template_id, f"{root}.List.SubscribeStatusString": status}
    respond(runtime, Inbound(openid=openid, kind="event", event=event, create_time=1, raw=raw))


def test_consent_from_the_popup_allows_one_notice_each(push_runtime):
    template = push_runtime.config.push_subscribe_template_id
    _consent_event("w1", "subscribe_msg_popup_event", template, "accept", push_runtime)
    _consent_event("w1", "subscribe_msg_popup_event", template, "accept", push_runtime)
    _consent_event("w2", "subscribe_msg_popup_event", template, "reject", push_runtime)
    record_consent(push_runtime.database, "w3", template, True, "miniprogram")
    with push_runtime.database.session() as session:
        rows = {r.openid: r for r in session.scalars(select(SubscribeConsent))}
    assert rows["w1"].remaining == 2 and rows["w2"].remaining == 0 and rows["w3"].source == "miniprogram"
    # Turning it off in WeChat's settings withdraws what was left.
    _consent_event("w1", "subscribe_msg_change_event", template, "reject", push_runtime)
    with push_runtime.database.session() as session:
        assert session.scalar(select(SubscribeConsent.remaining).where(SubscribeConsent.openid == "w1")) == 0


def test_consent_arrives_through_the_webhook(push_runtime, client):
    template = push_runtime.config.push_subscribe_template_id
    xml = event_xml("w9", "subscribe_msg_popup_event", extra=(
        f"<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[{template}]]></TemplateId>"
        "<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"
        "</SubscribeMsgPopupEvent>"))
    assert post(client, DEMO_TOKEN, xml).status_code == 200
    with push_runtime.database.session() as session:
        assert session.scalar(select(SubscribeConsent.remaining).where(SubscribeConsent.openid == "w9")) == 1
