"""The simulator speaks WeChat's protocol: checked against a tiny webhook built on wechatpy alone."""
from __future__ import annotations

import threading

import pytest
from flask import Flask
from werkzeug.serving import make_server

from bot.wechat.simulator import WeChatSimulator, flask_transport, format_reply
from tests.wechat.reference_webhook import AES_KEY, APP_ID, TOKEN, make_reference_webhook


@pytest.fixture
def webhook() -> Flask:
    return make_reference_webhook()


def simulator(webhook: Flask, mode: str = "safe", **kwargs) -> WeChatSimulator:
    return WeChatSimulator(TOKEN, APP_ID, AES_KEY, mode=mode, url="http://testserver/wechat",
                           transport=flask_transport(webhook.test_client()), **kwargs)


def test_server_verification_echoes(webhook):
    assert simulator(webhook).verify_server("echo-123") == (200, "echo-123")


@pytest.mark.parametrize("mode", ["plain", "safe", "compat"])
def test_text_round_trip_in_every_mode(webhook, mode):
    reply = simulator(webhook, mode).send_text("你好，我想入会")

    assert reply.ok, reply.error
    assert reply.kind == "text"
    assert reply.text == "收到text：你好，我想入会"
    query, body, message = webhook.config["seen"][-1]
    assert message.source == "sim_worker_0001"
    if mode == "plain":
        assert "encrypt_type" not in query and b"<Content>" in body
    if mode == "safe":
        assert query["encrypt_type"] == "aes" and query["msg_signature"]
        assert "你好".encode() not in body and b"<Encrypt>" in body
        assert b"<Encrypt>" in reply.raw  # the reply came back encrypted and was decrypted
    if mode == "compat":
        assert b"<Encrypt>" in body and "你好".encode() in body


def test_a_bad_signature_is_refused(webhook):
    reply = simulator(webhook, "plain").send_xml("<xml><MsgType>text</MsgType></xml>", sign=False)
    assert reply.status == 403 and reply.kind == "error" and not reply.ok
    assert webhook.config["seen"] == []


def test_a_reply_with_a_bad_signature_is_detected():
    reply = simulator(make_reference_webhook(tamper_reply_signature=True)).send_text("你好")
    assert reply.kind == "error" and "signature" in reply.error


def test_retry_resends_the_same_message_with_a_fresh_nonce(webhook):
    sim = simulator(webhook)
    first = sim.send_text("查询入会进度")
    again = sim.retry_last()

    (q1, _, m1), (q2, _, m2) = webhook.config["seen"]
    assert m1.id == m2.id and m1.create_time == m2.create_time
    assert q1["nonce"] != q2["nonce"]
    assert first.text == again.text


def test_every_message_gets_a_fresh_msg_id_unless_given(webhook):
    sim = simulator(webhook, "plain")
    sim.send_text("一")
    sim.send_text("二")
    sim.send_text("三", msg_id=42)
    ids = [m.id for _, _, m in webhook.config["seen"]]
    assert ids[0] != ids[1] and ids[2] == 42


def test_message_types_arrive_as_wechat_sends_them(webhook):
    sim = simulator(webhook)
    assert sim.send_voice("我要法律咨询").text == "收到voice：我要法律咨询"
    assert sim.send_image("http://mmbiz.qpic.cn/x/0").text == "收到image：http://mmbiz.qpic.cn/x/0"
    assert sim.send_location(30.27, 120.15, "杭州市西湖区").text == "收到location：('30.27', '120.15') 杭州市西湖区"  # wechatpy keeps them as strings
    assert sim.send_link("工会新闻", "https://example.invalid/n").text == "收到link：https://example.invalid/n"


def test_events(webhook):
    sim = simulator(webhook)
    subscribe = sim.send_event("subscribe", "qrscene_factory_12")
    assert subscribe.text == "收到event：subscribe_scan"  # wechatpy renames a subscribe with a qrscene_ key
    message = webhook.config["seen"][-1][2]
    assert message.scene_id == "factory_12" and message.ticket

    news = sim.send_event("CLICK", "JOIN_UNION")
    assert news.kind == "news"
    assert [a["title"] for a in news.articles] == ["在线入会", "入会须知"]
    assert "[图文1] 在线入会" in format_reply(news)

    done = sim.send_event("TEMPLATESENDJOBFINISH", Status="success", MsgID=200163836)
    assert done.ok
    message = webhook.config["seen"][-1][2]
    assert message.status == "success" and message.id == 200163836

    assert sim.send_event("unsubscribe").kind == "success"
    event_retry = sim.retry_last()
    assert event_retry.kind == "success"


def test_transfer_to_customer_service(webhook):
    reply = simulator(webhook).send_text("人工")
    assert reply.kind == "transfer_customer_service"
    assert format_reply(reply) == "（已转接人工客服，请稍候）"


def test_over_real_http():
    app = make_reference_webhook()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        sim = WeChatSimulator(TOKEN, APP_ID, AES_KEY, url=f"http://127.0.0.1:{server.server_port}/wechat")
        assert sim.send_text("你好").text == "收到text：你好"
        assert sim.verify_server("abc") == (200, "abc")
    finally:
        server.shutdown()
        server.server_close()


def test_unreachable_webhook_is_an_error_not_an_exception():
    sim = WeChatSimulator(TOKEN, APP_ID, AES_KEY, url="http://127.0.0.1:9/wechat")
    reply = sim.send_text("你好")
    assert reply.status == 0 and reply.kind == "error" and reply.error
