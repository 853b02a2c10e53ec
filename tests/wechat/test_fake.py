"""The fake WeChat API answers as WeChat does, logs every call and injects faults."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from bot.config import PROJECT_ROOT
from bot.wechat.fake import create_fake_app


@pytest.fixture
def api():
    """The fake through Flask's test client."""
    return create_fake_app(app_secrets={"wx_app": "s3cret"}).test_client()


def token(api, force: bool = False) -> str:
    answer = api.post("/cgi-bin/stable_token", json={"grant_type": "client_credential", "appid": "wx_app",
                                                      "secret": "s3cret", "force_refresh": force}).get_json()
    return answer["access_token"]


def test_stable_token_is_stable_until_a_forced_refresh_invalidates_it(api):
    first = token(api)
    assert token(api) == first
    assert api.get("/cgi-bin/menu/get", query_string={"access_token": first}).get_json()["errcode"] == 46003

    second = token(api, force=True)
    assert second != first
    stale = api.get("/cgi-bin/tags/get", query_string={"access_token": first}).get_json()
    assert stale["errcode"] == 40001 and "rid:" in stale["errmsg"]
    assert api.get("/cgi-bin/tags/get", query_string={"access_token": second}).get_json() == {"tags": []}


def test_wrong_secret_and_missing_token_are_refused(api):
    wrong = api.post("/cgi-bin/stable_token", json={"grant_type": "client_credential", "appid": "wx_app",
                                                     "secret": "nope"}).get_json()
    assert wrong["errcode"] == 40125
    assert api.get("/cgi-bin/tags/get").get_json()["errcode"] == 41001
    plain = api.get("/cgi-bin/token", query_string={"grant_type": "client_credential", "appid": "wx_app",
                                                    "secret": "s3cret"}).get_json()
    assert plain["expires_in"] == 7200 and "errcode" not in plain


def test_a_repeated_clientmsgid_is_refused(api):
    access = token(api)
    body = {"filter": {"is_to_all": True}, "msgtype": "text", "text": {"content": "通知"}, "clientmsgid": "c-1"}
    first = api.post("/cgi-bin/message/mass/sendall", query_string={"access_token": access}, json=body).get_json()
    assert first["errcode"] == 0 and first["msg_id"] and first["msg_data_id"]
    again = api.post("/cgi-bin/message/mass/sendall", query_string={"access_token": access}, json=body).get_json()
    assert again["errcode"] == 45065 and again["msg_id"] == first["msg_id"]


def test_calls_are_logged_and_filtered(api):
    access = token(api)
    api.post("/cgi-bin/message/custom/send", query_string={"access_token": access},
             json={"touser": "o_1", "msgtype": "text", "text": {"content": "你好"}})
    api.post("/cgi-bin/message/custom/send", query_string={"access_token": "bogus"}, json={})

    sends = api.get("/_fake/calls", query_string={"path": "/cgi-bin/message/custom/send"}).get_json()
    assert [c["errcode"] for c in sends] == [0, 40001]
    assert sends[0]["json"]["text"]["content"] == "你好" and sends[0]["method"] == "POST"
    assert sends[0]["query"]["access_token"] == access and sends[0]["time"] > 0
    assert len(api.get("/_fake/calls").get_json()) == 3
    assert api.get("/_fake/calls", query_string={"count": 1}).get_json() == {"count": 3}
    assert [c["errcode"] for c in api.get("/_fake/calls", query_string={"limit": 1}).get_json()] == [40001]
    api.delete("/_fake/calls")
    assert api.get("/_fake/calls").get_json() == []


def test_faults_by_path_and_wildcard(api):
    access = token(api)
    send = {"touser": "o_1", "msgtype": "text", "text": {"content": "你好"}}
    assert api.post("/_fake/faults", json={"path": "/cgi-bin/message/custom/send", "errcode": 45009,
                                           "times": 2}).status_code == 201
    answers = [api.post("/cgi-bin/message/custom/send", query_string={"access_token": access}, json=send)
               .get_json()["errcode"] for _ in range(3)]
    assert answers == [45009, 45009, 0]

    api.post("/_fake/faults", json={"path": "*", "errcode": -1, "times": None})
    assert api.get("/cgi-bin/tags/get", query_string={"access_token": access}).get_json()["errcode"] == -1
    assert api.get("/cgi-bin/tags/get", query_string={"access_token": access}).get_json()["errcode"] == -1
    api.delete("/_fake/faults")
    assert api.get("/cgi-bin/tags/get", query_string={"access_token": access}).get_json() == {"tags": []}

    assert api.post("/_fake/faults", json={"path": "*", "errcode": 45009, "times": 0}).status_code == 400
    api.post("/_fake/faults", json={"path": "/cgi-bin/tags/get", "status": 502, "latency_ms": 20})
    started = time.monotonic()
    response = api.get("/cgi-bin/tags/get", query_string={"access_token": access})
    assert response.status_code == 502 and time.monotonic() - started >= 0.02


def test_code2session_and_phone_number(api):
    query = {"appid": "wx_app", "secret": "s3cret", "grant_type": "authorization_code"}
    assert api.get("/sns/jscode2session", query_string={**query, "js_code": "invalid-1"}).get_json()["errcode"] \
        == 40029
    session = api.get("/sns/jscode2session", query_string={**query, "js_code": "abc"}).get_json()
    assert session["openid"].startswith("mp_") and len(session["openid"]) == 19 and "errcode" not in session
    phone = api.post("/wxa/business/getuserphonenumber", query_string={"access_token": token(api)},
                     json={"code": "p1"}).get_json()
    assert phone["errcode"] == 0 and phone["phone_info"]["countryCode"] == "86"
    assert phone["phone_info"]["watermark"]["appid"] == "wx_app"


def test_unknown_api_and_bad_json(api):
    assert api.get("/cgi-bin/nope").status_code == 404
    bad = api.post("/cgi-bin/message/custom/send", query_string={"access_token": token(api)}, data=b"{not json")
    assert bad.get_json()["errcode"] == 47001


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_fake_wechat_command_serves(tmp_path):
    port = free_port()
    env = {**os.environ, "ZGZJ_CONFIG": ""}
    process = subprocess.Popen([sys.executable, "-m", "bot", "fake-wechat", "--port", str(port)], cwd=PROJECT_ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = requests.post(f"http://127.0.0.1:{port}/cgi-bin/stable_token", timeout=1, json={
                    "grant_type": "client_credential", "appid": "wx", "secret": "s"}).json()
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "fake-wechat did not start"
                time.sleep(0.1)
        assert answer["access_token"] and answer["expires_in"] == 7200
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
