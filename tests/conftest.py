"""Shared fixtures: configuration, a migrated database, the store, the app, a WeChat-like sender.

With TEST_DATABASE_URL and TEST_REDIS_URL set (CI), tests run on real PostgreSQL and Redis;
otherwise on SQLite and the in-process store. No test reaches the internet.
"""
from __future__ import annotations

import os
import socket
import time
import uuid

import threading

import pytest
import requests
from sqlalchemy import text
from werkzeug.serving import make_server

from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_MINIPROGRAM_APP_ID, DEMO_TOKEN, load_config
from bot.runtime import Runtime
from bot.storage import Database
from bot.storage.models import Base
from bot.kv_store import MemoryStore, RedisStore
from bot.wechat.fake import FakeWeChatState, create_fake_app

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Fail any test that tries to connect outside this machine."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
            raise RuntimeError(f"test tried to reach the outside world: {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The test database URL: PostgreSQL in CI, a SQLite file otherwise."""
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"


@pytest.fixture(scope="session")
def migrated_database(database_url) -> Database:
    """The test database, migrated once for the session."""
    database = Database(database_url)
    if not database.is_sqlite:
        with database.engine.begin() as connection:  # start from nothing, as a fresh deployment would
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def database(migrated_database) -> Database:
    """The migrated database, emptied before each test."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with migrated_database.engine.begin() as connection:
        if migrated_database.is_sqlite:
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
        else:
            connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    return migrated_database


@pytest.fixture
def store():
    """Real Redis (own key prefix per test) when TEST_REDIS_URL is set, else the in-process store."""
    if TEST_REDIS_URL:
        redis_store = RedisStore(TEST_REDIS_URL, prefix=f"test:{uuid.uuid4().hex[:8]}:")
        yield redis_store
        redis_store.flush()
    else:
        yield MemoryStore()


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
def config(database_url, tmp_path, fake_wechat):
    """A configuration for tests: demo credentials, the test database, the fake WeChat API."""
    return load_config(environ={}, path=tmp_path / "absent.yaml", overrides={
        "wechat.token": DEMO_TOKEN,
        "wechat.app_id": DEMO_APP_ID,
        "wechat.app_secret": "test-app-secret",
        "wechat.encoding_aes_key": DEMO_AES_KEY,
        "wechat.api_base_url": fake_wechat.url,
        "wechat.api_timeout_seconds": 2.0,
        # A loaded test machine must not turn replies into late customer-service messages;
        # the deadline itself is tested with its own short value.
        "wechat.reply_deadline_seconds": 30.0,
        "miniprogram.app_id": DEMO_MINIPROGRAM_APP_ID,
        "miniprogram.app_secret": "test-mp-secret",
        "database_url": database_url,
        "secret_key": "test-secret-key-0123456789",
        "var_dir": str(tmp_path / "var"),
    })


@pytest.fixture
def runtime(config, database, store):
    """A wired runtime on the test database and store."""
    rt = Runtime(config, database, store)
    yield rt
    rt.background.shutdown(wait=True)


@pytest.fixture
def app(runtime):
    """The web app on the test runtime."""
    from bot import create_app

    application = create_app(runtime.config, runtime=runtime)
    application.testing = True
    return application


@pytest.fixture
def client(app):
    return app.test_client()


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.05):
    """Poll predicate until it returns something truthy; return that or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")
