"""Fixtures for the statistics: a clock the test moves, and a worker who talks to the real webhook."""
from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from bot.config import DEMO_TOKEN
from bot.stats.aggregate import Aggregator, aggregator_for

from tests.console.conftest import Clock
from tests.webhook.signing import event_xml, post, text_xml

_event_times = itertools.count(1_700_000_000)


@pytest.fixture
def clock(runtime):
    """The runtime's clock under the test's control, from 2026-11-02 09:00 China time."""
    moving = Clock(datetime(2026, 11, 2, 1, 0))
    runtime.clock = moving
    return moving


@pytest.fixture
def wechat(client):
    """Send what a follower does (follow, write, unfollow) to /wechat, signed like WeChat."""
    class Follower:
        def text(self, openid: str, content: str) -> str:
            answer = post(client, DEMO_TOKEN, text_xml(openid, content))
            assert answer.status_code == 200
            return answer.get_data(as_text=True)

        def event(self, openid: str, event: str, key: str = "") -> None:
            # Distinct CreateTime values: WeChat's retries of one event share it, distinct events do not.
            answer = post(client, DEMO_TOKEN, event_xml(openid, event, key, create_time=next(_event_times)))
            assert answer.status_code == 200

    return Follower()


@pytest.fixture
def aggregator(runtime) -> Aggregator:
    """The aggregator as the scheduler builds it (the runtime's matcher decides what is unplaced)."""
    return aggregator_for(runtime)


@pytest.fixture
def invoke_stats(runtime):
    """Run `python -m bot ARGS` in-process on the test runtime; return the result."""
    from click.testing import CliRunner

    from bot.cli import Services, cli

    def run(*args: str):
        services = Services()
        services._config, services._runtime = runtime.config, runtime
        return CliRunner().invoke(cli, list(args), obj=services, prog_name="python -m bot")

    return run
