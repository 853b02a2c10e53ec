"""Fixtures for push tests: the fake WeChat API, a runtime pointing at it, followers, processes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from bot.runtime import Runtime
from bot.storage.models import Follower

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
PROJECT_ROOT = Path(__file__).resolve().parents[2]

needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs real Redis (TEST_REDIS_URL)")

PUSH_SETTINGS = {
    "push_template_id_activity_notice": "TPL_ACTIVITY_NOTICE",
    "push_subscribe_template_id": "SUB_ACTIVITY_NOTICE",
    "push_rate_per_second": 2000.0,
    "push_rate_burst": 0,
    "push_concurrency": 8,
    "push_batch_size": 50,
    "push_lease_seconds": 2.0,
    "push_retry_backoff_seconds": 0.01,
    "push_max_attempts": 4,
    "scheduler_poll_seconds": 0.3,
    "scheduler_lock_ttl_seconds": 1.5,
    "scheduler_misfire_grace_seconds": 60,
}


@pytest.fixture
def push_config(config, fake_wechat):
    """The test configuration with the fake WeChat API, short leases and fast retries."""
    return config.with_overrides(wechat_api_base_url=fake_wechat.url, wechat_api_timeout_seconds=3.0,
                                 **PUSH_SETTINGS)


@pytest.fixture
def push_runtime(push_config, database, store):
    """A runtime for push tests (threads for the fan-out: no redis_url in the config)."""
    rt = Runtime(push_config, database, store)
    yield rt
    from bot.push import queue_worker

    dispatcher = queue_worker._dispatchers.pop(id(rt), None)
    if dispatcher is not None:
        dispatcher.shutdown()
    rt.background.shutdown(wait=True)


@pytest.fixture
def checking_runtime(push_config, migrated_database, store):
    """A runtime for checks that never write: the database is not emptied first (that takes a while)."""
    return Runtime(push_config, migrated_database, store)


@pytest.fixture
def add_followers(database):
    """Factory: add n subscribed followers named PREFIX0000.., return their openids."""

    def add(n: int, prefix: str = "fan", scene: str | None = None, wrote_hours_ago: float | None = None,
            subscribed: bool = True) -> list[str]:
        from bot.runtime import utc_now

        now = utc_now()
        openids = [f"{prefix}{i:05d}" for i in range(n)]
        with database.session() as session:
            session.add_all(Follower(openid=o, subscribed=subscribed, source_scene=scene, created_at=now,
                                     last_message_at=None if wrote_hours_ago is None
                                     else now - timedelta(hours=wrote_hours_ago)) for o in openids)
        return openids

    return add


def sent_to(fake, path: str = "/cgi-bin/message/template/send") -> list[str]:
    """Openids the fake accepted a message for (errcode 0), in order."""
    return [c["json"]["touser"] for c in fake.calls(path) if c["errcode"] == 0]


class Processes:
    """Real `python -m bot ...` processes started by a test, stopped at its end."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.children: list[subprocess.Popen] = []

    def start(self, *args: str, log_name: str | None = None) -> subprocess.Popen:
        """Start `python -m bot ARGS` in its own process group."""
        child = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=self.env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.children.append(child)
        return child

    def kill(self, child: subprocess.Popen) -> None:
        """SIGKILL the process and its children (a crash, not a shutdown)."""
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait(timeout=10)

    def stop_all(self) -> None:
        """Terminate every process still running."""
        for child in self.children:
            if child.poll() is None:
                try:
                    os.killpg(child.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(child)
            if child.stderr:
                child.stderr.close()


@pytest.fixture
def processes(push_config, database_url, tmp_path):
    """Start real bot processes with the test's configuration in their environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "PUSH_", "SCHEDULER_"))}
    env.update({
        "ZGZJ_CONFIG": str(tmp_path / "absent-but-named.yaml"),
        "WECHAT_TOKEN": push_config.wechat_token, "WECHAT_APP_ID": push_config.wechat_app_id,
        "WECHAT_APP_SECRET": push_config.wechat_app_secret,
        "WECHAT_ENCODING_AES_KEY": push_config.wechat_encoding_aes_key,
        "WECHAT_API_BASE_URL": push_config.wechat_api_base_url, "DATABASE_URL": database_url,
        "SECRET_KEY": push_config.secret_key, "ZGZJ_VAR_DIR": str(tmp_path / "var"), "LOG_LEVEL": "WARNING",
        "REDIS_URL": TEST_REDIS_URL, "PUSH_QUEUE_NAME": f"push-test-{uuid.uuid4().hex[:8]}",
    })
    for key, value in PUSH_SETTINGS.items():
        env[key.upper()] = str(value)
    (tmp_path / "absent-but-named.yaml").write_text("{}\n")
    procs = Processes(env)
    yield procs
    procs.stop_all()


class Inline:
    """A dispatcher for tests: drains a campaign right away, in the calling thread."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.drained: list[int] = []

    def enqueue_drain(self, campaign_id: int) -> None:
        """Drain now."""
        from bot.push.delivery import drain

        self.drained.append(campaign_id)
        drain(self.runtime, campaign_id)


@pytest.fixture
def inline(push_runtime) -> Inline:
    """Start campaigns with `campaigns.start(push_runtime, id, inline)` and they are sent on return."""
    return Inline(push_runtime)
