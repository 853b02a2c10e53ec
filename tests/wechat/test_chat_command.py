"""`python -m bot chat`: a script of messages sent to a live webhook, replies printed."""
from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from bot.cli import Services
from bot.config import load_config
from bot.cli.wechat import chat
from bot.wechat.simulator import WeChatSimulator, flask_transport
from tests.wechat.reference_webhook import AES_KEY, APP_ID, TOKEN, make_reference_webhook


@pytest.fixture
def live_webhook():
    """The reference webhook on a real local port."""
    app = make_reference_webhook()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/wechat", app
    server.shutdown()
    server.server_close()


@pytest.fixture
def services(tmp_path) -> Services:
    services = Services()
    services._config = load_config(environ={}, path=tmp_path / "absent.yaml", overrides={
        "wechat.token": TOKEN, "wechat.app_id": APP_ID, "wechat.app_secret": "x", "wechat.encoding_aes_key": AES_KEY,
        "database_url": "sqlite://", "secret_key": "test-secret-key-0123456789"})
    return services


def test_a_script_runs_against_a_live_webhook(live_webhook, services, tmp_path):
    url, app = live_webhook
    script = tmp_path / "script.txt"
    script.write_text("你好\n\n# a comment\nevent:subscribe\nevent:CLICK:JOIN_UNION\nvoice:我要法律咨询\n"
                      "location:30.27,120.15,杭州\nretry\n", encoding="utf-8")

    result = CliRunner().invoke(chat, ["--url", url, "--script", str(script), "--openid", "o_script"], obj=services)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "你：你好" in lines and "浙工之家：收到text：你好" in lines
    assert "浙工之家：[图文1] 在线入会" in lines
    assert "浙工之家：收到voice：我要法律咨询" in lines
    assert sum(line.startswith("浙工之家：") for line in lines) == 6
    seen = app.config["seen"]
    assert seen[-1][2].id == seen[-2][2].id  # `retry` resent the location message
    assert {m.source for _, _, m in seen} == {"o_script"}
    assert all(q["encrypt_type"] == "aes" for q, _, _ in seen)  # safe mode when an AES key is configured


def test_a_failing_request_makes_the_script_fail(services, tmp_path):
    script = tmp_path / "script.txt"
    script.write_text("你好\n", encoding="utf-8")
    result = CliRunner().invoke(chat, ["--url", "http://127.0.0.1:9/wechat", "--script", str(script)], obj=services)
    assert result.exit_code == 1
    assert "出错" in result.output


def test_interactive_chat(live_webhook, services):
    url, _ = live_webhook
    result = CliRunner().invoke(chat, ["--url", url, "--mode", "plain"], obj=services, input="你好\n\nexit\n")
    assert result.exit_code == 0, result.output
    assert "浙工之家：收到text：你好" in result.output


@pytest.mark.parametrize("mode", ["plain", "safe", "compat"])
def test_the_simulator_talks_to_our_webhook(app, config, mode):
    """The service's own webhook (bot.webhook) understands the simulator, and answers a retry the same way."""
    pytest.importorskip("bot.webhook")
    sim = WeChatSimulator(config.wechat_token, config.wechat_app_id, config.wechat_encoding_aes_key, mode=mode,
                          openid=f"o_sim_{mode}", url="http://localhost/wechat",
                          transport=flask_transport(app.test_client()))
    assert sim.verify_server("echo") == (200, "echo")
    first = sim.send_text("你好")
    assert first.ok and first.kind == "text" and first.text, first
    again = sim.retry_last()
    assert again.text == first.text
    assert sim.send_event("subscribe", "qrscene_demo").ok
