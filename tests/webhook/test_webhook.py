"""The /wechat endpoint end to end: verification, modes, retries, events, bad input, failures."""
import json
import time
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.config import DEMO_TOKEN
from bot.storage.models import DeliveryReport, Follower, MessageLog
from bot.wechat.envelope import Envelope, parse_xml, sign
from tests.webhook.signing import event_xml, post, signed_query, text_xml
from tests.conftest import wait_until


@pytest.fixture
def envelope(app):
    return app.extensions["zgzj.envelope"]


def reply_text(response, envelope=None) -> str:
    body = response.get_data(as_text=True)
    fields = parse_xml(body)
    if "Encrypt" in fields:
        fields = parse_xml(envelope._decrypt(fields["Encrypt"]))
    return fields.get("Content", "")


def count(database, model, *where):
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_server_verification_echoes_only_with_a_good_signature(client):
    query = {"timestamp": "1700000000", "nonce": "abc", "echostr": "hello-wechat"}
    good = client.get("/wechat?" + urlencode({**query, "signature": sign(DEMO_TOKEN, "1700000000", "abc")}))
    assert good.status_code == 200 and good.get_data(as_text=True) == "hello-wechat"
    bad = client.get("/wechat?" + urlencode({**query, "signature": sign("other-token", "1700000000", "abc")}))
    assert bad.status_code == 403 and "hello-wechat" not in bad.get_data(as_text=True)


@pytest.mark.parametrize("mode", ["plain", "safe", "compat"])
def test_text_gets_a_reply_in_the_mode_it_came_in(client, envelope, mode):
    response = post(client, DEMO_TOKEN, text_xml("o_worker_1", "你好"), mode=mode, envelope=envelope)
    assert response.status_code == 200
    fields = parse_xml(response.get_data())
    assert ("Encrypt" in fields) == (mode != "plain")
    if mode != "plain":
        assert fields["MsgSignature"] == sign(DEMO_TOKEN, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
        fields = parse_xml(envelope._decrypt(fields["Encrypt"]))
    assert fields["ToUserName"] == "o_worker_1" and fields["MsgType"] == "text"
    assert fields["Content"].strip()


def test_bad_signature_is_refused_and_nothing_is_processed(client, database):
    response = post(client, DEMO_TOKEN, text_xml("o_intruder", "你好"), bad=True)
    assert response.status_code == 403
    assert count(database, MessageLog) == 0


def test_bad_msg_signature_in_safe_mode_is_refused(client, envelope, database):
    sealed = envelope.seal(text_xml("o_w", "hi"), "safe", "n")
    encrypted = parse_xml(sealed)["Encrypt"]
    query = signed_query(DEMO_TOKEN, encrypted=encrypted)
    query["msg_signature"] = "f" * 40
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    assert client.post("/wechat?" + urlencode(query), data=body).status_code == 403
    assert count(database, MessageLog) == 0


def test_previous_aes_key_still_accepted_during_a_key_change(runtime, config):
    from bot import create_app

    new_key = "B" * 43
    changed = config.with_overrides(wechat_encoding_aes_key=new_key,
                                    wechat_previous_encoding_aes_key=config.wechat_encoding_aes_key)
    runtime.config = changed
    app = create_app(changed, runtime=runtime)
    old_envelope = Envelope(DEMO_TOKEN, changed.wechat_app_id, [config.wechat_encoding_aes_key])
    response = post(app.test_client(), DEMO_TOKEN, text_xml("o_w", "你好"), mode="safe", envelope=old_envelope)
    assert response.status_code == 200
    # The reply is sealed with the new key.
    new_envelope = Envelope(DEMO_TOKEN, changed.wechat_app_id, [new_key])
    assert reply_text(response, new_envelope)


def test_stale_timestamp_is_refused_as_replay(client, database):
    response = post(client, DEMO_TOKEN, text_xml("o_w", "你好"), timestamp=str(int(time.time()) - 301))
    assert response.status_code == 403
    assert count(database, MessageLog) == 0


def test_reused_nonce_with_another_body_is_refused(client, database):
    query = signed_query(DEMO_TOKEN, nonce="same-nonce")
    first = client.post("/wechat?" + urlencode(query), data=text_xml("o_w", "第一条").encode())
    second = client.post("/wechat?" + urlencode(query), data=text_xml("o_w", "第二条").encode())
    assert first.status_code == 200 and second.status_code == 403
    assert count(database, MessageLog, MessageLog.direction == "in") == 1


def test_retries_of_one_message_are_processed_once_and_get_the_same_reply(client, envelope, database, runtime,
                                                                           monkeypatch):
    from bot import dialogue

    calls = []
    real_respond = dialogue.respond
    monkeypatch.setattr(dialogue, "respond", lambda rt, msg: calls.append(msg) or real_respond(rt, msg))
    xml = text_xml("o_retry", "你好", msg_id="1234567890123456")
    replies = [reply_text(post(client, DEMO_TOKEN, xml, mode="safe", envelope=envelope), envelope) for _ in range(4)]
    assert len(calls) == 1
    assert len(set(replies)) == 1 and replies[0]
    assert count(database, MessageLog, MessageLog.direction == "in") == 1


def test_identical_resend_with_the_same_nonce_gets_the_same_reply(client, database):
    query = signed_query(DEMO_TOKEN, nonce="resent")
    body = text_xml("o_w", "你好", msg_id="77").encode()
    first = client.post("/wechat?" + urlencode(query), data=body)
    again = client.post("/wechat?" + urlencode(query), data=body)
    assert again.status_code == 200 and again.get_data() == first.get_data()


def test_subscribe_records_the_follower_and_scene_and_welcomes(client, database):
    response = post(client, DEMO_TOKEN, event_xml("o_new", "subscribe", "qrscene_factory_42"))
    assert "浙工之家" in reply_text(response)
    with database.session() as session:
        follower = session.get(Follower, "o_new")
        assert follower.subscribed and follower.source_scene == "factory_42"


def test_unsubscribe_marks_inactive_and_keeps_history(client, database):
    post(client, DEMO_TOKEN, event_xml("o_leaving", "subscribe"))
    post(client, DEMO_TOKEN, text_xml("o_leaving", "你好"))
    response = post(client, DEMO_TOKEN, event_xml("o_leaving", "unsubscribe"))
    assert response.get_data(as_text=True) == "success"
    with database.session() as session:
        follower = session.get(Follower, "o_leaving")
        assert not follower.subscribed and follower.unsubscribed_at is not None
    assert count(database, MessageLog, MessageLog.openid == "o_leaving", MessageLog.direction == "in") == 3


def test_event_retries_are_deduplicated_by_sender_time_and_event(client, database):
    xml = event_xml("o_twice", "subscribe", create_time=1700000123)
    post(client, DEMO_TOKEN, xml)
    post(client, DEMO_TOKEN, xml)
    assert count(database, MessageLog, MessageLog.openid == "o_twice", MessageLog.direction == "in") == 1


def test_menu_click_routes_like_typed_text(client):
    reply = reply_text(post(client, DEMO_TOKEN, event_xml("o_click", "CLICK", "HELP")))
    assert reply  # the key's request gets an answer, never silence


def test_view_location_and_scan_events(client, database):
    assert post(client, DEMO_TOKEN, event_xml("o_ev", "VIEW", "https://example.org")).get_data(as_text=True) == "success"
    loc = event_xml("o_ev", "LOCATION", extra="<Latitude>30.27</Latitude><Longitude>120.15</Longitude><Precision>10</Precision>")
    post(client, DEMO_TOKEN, event_xml("o_ev", "subscribe", create_time=1))
    assert post(client, DEMO_TOKEN, loc).get_data(as_text=True) == "success"
    scan = reply_text(post(client, DEMO_TOKEN, event_xml("o_ev", "SCAN", "union_station_7")))
    assert "欢迎" in scan
    with database.session() as session:
        follower = session.get(Follower, "o_ev")
        assert follower.latitude == pytest.approx(30.27) and follower.source_scene == "union_station_7"


def test_template_delivery_report_is_recorded(client, database):
    post(client, DEMO_TOKEN, event_xml("o_t", "TEMPLATESENDJOBFINISH", extra="<MsgID>200163836</MsgID><Status><![CDATA[failed:user block]]></Status>"))
    with database.session() as session:
        report = session.scalar(select(DeliveryReport))
        assert report.wechat_msg_id == "200163836" and report.status == "failed:user block"


@pytest.mark.parametrize("xml,expected", [
    ("<xml><ToUserName>gh</ToUserName><FromUserName>o_v</FromUserName><CreateTime>1</CreateTime><MsgType>voice</MsgType>"
     "<MediaId>m</MediaId><Format>amr</Format><Recognition>你好</Recognition><MsgId>91</MsgId></xml>", None),
    ("<xml><ToUserName>gh</ToUserName><FromUserName>o_v</FromUserName><CreateTime>1</CreateTime><MsgType>voice</MsgType>"
     "<MediaId>m</MediaId><Format>amr</Format><MsgId>92</MsgId></xml>", "没听清"),
    ("<xml><ToUserName>gh</ToUserName><FromUserName>o_v</FromUserName><CreateTime>1</CreateTime><MsgType>image</MsgType>"
     "<PicUrl>http://x/y.jpg</PicUrl><MediaId>m</MediaId><MsgId>93</MsgId></xml>", "图片"),
    ("<xml><ToUserName>gh</ToUserName><FromUserName>o_v</FromUserName><CreateTime>1</CreateTime><MsgType>location</MsgType>"
     "<Location_X>30.2</Location_X><Location_Y>120.1</Location_Y><Scale>15</Scale><Label>杭州市西湖区</Label><MsgId>94</MsgId></xml>", "杭州市西湖区"),
    ("<xml><ToUserName>gh</ToUserName><FromUserName>o_v</FromUserName><CreateTime>1</CreateTime><MsgType>link</MsgType>"
     "<Title>t</Title><Url>http://x</Url><MsgId>95</MsgId></xml>", "链接"),
    ("<xml><ToUserName>gh</ToUserName><FromUserName>o_v</FromUserName><CreateTime>1</CreateTime><MsgType>shortvideo</MsgType>"
     "<MediaId>m</MediaId><MsgId>96</MsgId></xml>", "看不懂"),
])
def test_each_message_type_gets_a_polite_reply(client, xml, expected):
    response = post(client, DEMO_TOKEN, xml)
    assert response.status_code == 200
    text = reply_text(response)
    assert text
    if expected:
        assert expected in text


@pytest.mark.parametrize("body", [
    b"garbage",
    b"<xml><Content>no sender</Content></xml>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><FromUserName>&e;</FromUserName><MsgType>text</MsgType></xml>',
])
def test_malformed_bodies_get_400_not_500(client, body, database):
    response = client.post("/wechat?" + urlencode(signed_query(DEMO_TOKEN)), data=body)
    assert response.status_code == 400
    assert b"root:" not in response.get_data()
    assert count(database, MessageLog) == 0


def test_oversized_body_is_refused(client):
    body = text_xml("o_big", "字" * 40000).encode()
    response = client.post("/wechat?" + urlencode(signed_query(DEMO_TOKEN)), data=body)
    assert response.status_code == 413


def test_a_handler_that_raises_gets_an_apology_and_a_masked_log(client, monkeypatch, caplog, database):
    from bot import dialogue

    def broken(runtime, message):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(dialogue, "respond", broken)
    openid = "oAbCdEfGhIjKlMnOpQrStUv12345"
    response = post(client, DEMO_TOKEN, text_xml(openid, "你好"))
    assert response.status_code == 200
    assert "抱歉" in reply_text(response)
    failure = [r for r in caplog.records if "handler failed" in r.getMessage()]
    assert failure and failure[0].exc_info is not None
    assert openid not in caplog.text
    with database.session() as session:
        row = session.scalar(select(MessageLog).where(MessageLog.direction == "in"))
        assert row.outcome == "error"


def test_message_log_keeps_intent_latency_and_masked_text(client, database):
    post(client, DEMO_TOKEN, text_xml("o_log", "我的电话是13812345678"))
    with database.session() as session:
        inbound = session.scalar(select(MessageLog).where(MessageLog.direction == "in"))
        outbound = session.scalar(select(MessageLog).where(MessageLog.direction == "out"))
    assert "13812345678" not in inbound.text and "138****5678" in inbound.text
    assert inbound.latency_ms is not None and inbound.outcome == "replied"
    assert json.loads(inbound.reply_payload)["kind"] == "text"
    assert outbound.openid == "o_log"


def test_health_reports_each_dependency(client):
    response = client.get("/healthz")
    report = response.get_json()
    assert report["database"]["ok"] is True and report["store"]["ok"] is True
    assert "wechat" in report


def test_a_slow_handler_answers_success_then_replies_by_customer_service(client, runtime, fake_wechat, monkeypatch,
                                                                           database):
    from bot import dialogue
    from bot.messages import Outcome, TextReply

    runtime.config = runtime.config.with_overrides(wechat_reply_deadline_seconds=0.3)
    calls = []

    def slow(rt, message):
        calls.append(message.msg_id)
        time.sleep(0.8)
        return Outcome(TextReply("查询结果：您的申请已通过"), intent="membership_query")

    monkeypatch.setattr(dialogue, "respond", slow)
    xml = text_xml("o_slow", "入会进度", msg_id="5550001")
    first = post(client, DEMO_TOKEN, xml)
    assert first.get_data(as_text=True) == "success"
    retry = post(client, DEMO_TOKEN, xml)  # WeChat retries while the work is still running
    assert retry.get_data(as_text=True) == "success"
    sent = wait_until(lambda: fake_wechat.calls("/cgi-bin/message/custom/send"))
    assert len(calls) == 1 and len(sent) == 1
    assert sent[0]["json"]["touser"] == "o_slow" and "已通过" in sent[0]["json"]["text"]["content"]
    def logged_outcome():
        with database.session() as session:
            return session.scalar(select(MessageLog.outcome).where(MessageLog.direction == "in"))

    assert wait_until(lambda: logged_outcome() == "sent_late")


def test_deferred_work_runs_once_and_replies_by_customer_service(client, runtime, fake_wechat, monkeypatch):
    from bot import dialogue
    from bot.messages import DeferredReply, Outcome, TextReply

    runs = []
    monkeypatch.setattr(dialogue, "respond", lambda rt, m: Outcome(
        DeferredReply(job=lambda: runs.append(1) or TextReply("报表已生成")), intent="activity"))
    xml = text_xml("o_defer", "导出", msg_id="5550002")
    assert post(client, DEMO_TOKEN, xml).get_data(as_text=True) == "success"
    assert post(client, DEMO_TOKEN, xml).get_data(as_text=True) == "success"
    sent = wait_until(lambda: fake_wechat.calls("/cgi-bin/message/custom/send"))
    time.sleep(0.2)
    assert runs == [1] and len(fake_wechat.calls("/cgi-bin/message/custom/send")) == 1
    assert "报表已生成" in sent[0]["json"]["text"]["content"]


def test_health_is_green_with_the_fake_wechat_api(client):
    report = client.get("/healthz").get_json()
    assert report["ok"] is True and report["wechat"]["ok"] is True


def test_deferred_work_that_fails_still_tells_the_worker(client, fake_wechat, monkeypatch, caplog):
    from bot import dialogue
    from bot.messages import DeferredReply, Outcome

    def broken_job():
        raise RuntimeError("report generator down")

    monkeypatch.setattr(dialogue, "respond", lambda rt, m: Outcome(DeferredReply(job=broken_job), intent="activity"))
    assert post(client, DEMO_TOKEN, text_xml("o_defer_fail", "导出", msg_id="5550003")).get_data(as_text=True) == "success"
    sent = wait_until(lambda: fake_wechat.calls("/cgi-bin/message/custom/send"))
    assert "抱歉" in sent[0]["json"]["text"]["content"]
    assert any("deferred work failed" in r.getMessage() for r in caplog.records)
