"""The newcomer's path: `python -m bot run` on the embedded default, then `python -m bot chat --script`."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import wait_until


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_service(tmp_path):
    """The whole service (web, fake WeChat API) started as `make run` starts it, on free ports."""
    port, fake_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "DATABASE_", "REDIS_", "TEST_"))}
    env.update(PORT=str(port), WECHAT_API_BASE_URL=f"http://127.0.0.1:{fake_port}", ZGZJ_VAR_DIR=str(tmp_path),
               ZGZJ_CONFIG=str(tmp_path / "none.yaml"))
    (tmp_path / "none.yaml").write_text("{}\n")
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def healthy():
        try:
            return requests.get(base + "/healthz", timeout=1).json().get("ok")
        except (requests.RequestException, ValueError):
            return process.poll() is not None and pytest.fail(process.stdout.read())

    try:
        wait_until(healthy, timeout=60, interval=0.3)
        yield {"url": base, "env": env, "fake": f"http://127.0.0.1:{fake_port}"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)


def test_a_newcomer_runs_the_service_and_chats_with_it(live_service, tmp_path):
    script = tmp_path / "script.txt"
    script.write_text("event:subscribe\n你好\n公司拖欠工资三个月了怎么办\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--script", str(script),
                             "--url", live_service["url"] + "/wechat", "--openid", "o_newcomer"],
                            env=live_service["env"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "浙工之家" in result.stdout and "在线入会" in result.stdout
    # Every message went through the signed, encrypted path and was answered.
    assert result.stdout.count("浙工之家：") >= 3
