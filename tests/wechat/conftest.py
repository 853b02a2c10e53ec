"""Fixtures for WeChat tests: the fake WeChat API on a real local port, and a configuration pointing at it.

Self-contained on purpose (it only needs bot.wechat.fake and bot.config), so it can move
to the top-level conftest unchanged.
"""
from __future__ import annotations

import threading

import pytest
import requests
from werkzeug.serving import make_server

from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_MINIPROGRAM_APP_ID, DEMO_TOKEN, load_config
from bot.wechat.fake import FakeWeChatState, create_fake_app


class FakeWeChatServer:
    """The fake WeChat API served by a threaded server on a free local port."""

    def __init__(self) -> None:
        self.app = create_fake_app()
        self.state: FakeWeChatState = self.app.extensions["fake_wechat"]
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-wechat", daemon=True)
        self._thread.start()

    def calls(self, path: str | None = None) -> list[dict]:
        """Return the calls the fake received (method, path, query, json, time, errcode), oldest first."""
        return self.state.calls(path)

    def inject(self, path: str = "*", errcode: int | None = None, times: int | None = 1,
               latency_ms: float = 0.0, status: int | None = None) -> None:
        """Make the next `times` calls to `path` answer `errcode` (or HTTP `status`) after `latency_ms`."""
        self.state.add_fault(path, errcode, times, latency_ms, status)

    def reset(self) -> None:
        """Forget calls, faults, tokens, menu and tags."""
        self.state.reset()

    def get(self, path: str, **params) -> requests.Response:
        """GET a path of the fake over HTTP (for /_fake endpoints)."""
        return requests.get(self.url + path, params=params, timeout=5)

    def close(self) -> None:
        """Stop the server."""
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def _fake_wechat_server():
    server = FakeWeChatServer()
    yield server
    server.close()


@pytest.fixture
def fake_wechat(_fake_wechat_server) -> FakeWeChatServer:
    """The fake WeChat API, reset for this test: .url, .calls(path), .inject(...), .reset()."""
    _fake_wechat_server.reset()
    yield _fake_wechat_server
    _fake_wechat_server.reset()


@pytest.fixture
def wechat_config(fake_wechat, tmp_path):
    """A configuration whose WeChat API is the fake, with both the official account and a mini-program."""
    return load_config(environ={}, path=tmp_path / "absent.yaml", overrides={
        "wechat.token": DEMO_TOKEN,
        "wechat.app_id": DEMO_APP_ID,
        "wechat.app_secret": "test-app-secret",
        "wechat.encoding_aes_key": DEMO_AES_KEY,
        "wechat.api_base_url": fake_wechat.url,
        "wechat.api_timeout_seconds": 2.0,
        "miniprogram.app_id": DEMO_MINIPROGRAM_APP_ID,
        "miniprogram.app_secret": "test-mp-secret",
        "database_url": f"sqlite:///{tmp_path}/unused.db",
        "secret_key": "test-secret-key-0123456789",
        "var_dir": str(tmp_path / "var"),
    })
