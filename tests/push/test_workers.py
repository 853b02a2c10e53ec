"""Real RQ worker processes on real Redis: a killed worker loses nothing, the rate holds across workers."""
from __future__ import annotations

import time
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from bot.push import campaigns
from bot.push.delivery import counts
from bot.push.queue_worker import RQDispatcher, rq_connection
from bot.runtime import Runtime
from bot.storage.models import Delivery
from tests.conftest import wait_until
from tests.push.conftest import TEST_REDIS_URL, needs_redis

TEMPLATE = "/cgi-bin/message/template/send"

pytestmark = needs_redis


@pytest.fixture
def rq_runtime(push_runtime, processes):
    """The test runtime, enqueuing on the queue the worker processes serve."""
    config = push_runtime.config.with_overrides(redis_url=TEST_REDIS_URL,
                                                push_queue_name=processes.env["PUSH_QUEUE_NAME"])
    return Runtime(config, push_runtime.database, push_runtime.store)


def _start_workers(processes, runtime, number: int):
    from rq import Worker

    children = [processes.start("worker", "--name", f"w{i}-{time.time_ns()}") for i in range(number)]
    queue_name = runtime.config.push_queue_name
    connection = rq_connection(runtime.config)
    wait_until(lambda: sum(queue_name in w.queue_names() for w in Worker.all(connection=connection)) >= number,
               timeout=30)
    return children


def test_a_worker_killed_mid_campaign_is_resumed_with_no_one_missed_or_sent_twice(
        rq_runtime, processes, add_followers, fake_wechat):
    fans = add_followers(300)
    fake_wechat.inject(TEMPLATE, latency_ms=20, times=None)
    processes.env["PUSH_RATE_PER_SECOND"] = "150"  # about two seconds of sending
    (first,) = _start_workers(processes, rq_runtime, 1)
    campaign = campaigns.create(rq_runtime, title="t", text="x", channel="template", audience="all")
    campaigns.start(rq_runtime, campaign.id, RQDispatcher(rq_runtime))
    wait_until(lambda: counts(rq_runtime.database, campaign.id)["sent"] >= 60, timeout=20, interval=0.01)
    processes.kill(first)  # SIGKILL: no chance to record what was in flight
    after_kill = counts(rq_runtime.database, campaign.id)
    assert 0 < after_kill["pending"] < 300
    _start_workers(processes, rq_runtime, 1)
    wait_until(lambda: campaigns.get(rq_runtime, campaign.id).state == "done", timeout=30)

    assert counts(rq_runtime.database, campaign.id) == {"pending": 0, "sent": 300, "failed": 0, "skipped": 0, "unknown": 0}
    accepted = [c for c in fake_wechat.calls(TEMPLATE) if c["errcode"] == 0]
    keys: dict[str, set[str]] = defaultdict(set)
    for call in accepted:
        keys[call["json"]["touser"]].add(call["json"]["client_msg_id"])
    # Everyone got the message, each under one idempotency key: WeChat delivers at most one message per
    # (openid, client_msg_id), so a send repeated because the worker died before recording it is not a
    # second message. Only sends that were in flight at the kill can have been repeated.
    assert sorted(keys) == fans
    assert all(len(ids) == 1 for ids in keys.values())
    repeated = sum(n - 1 for n in Counter(c["json"]["touser"] for c in accepted).values())
    in_flight = int(processes.env["PUSH_CONCURRENCY"]) * 2 + 150 // 4  # queued to send, or sent in the last 0.25 s
    assert repeated <= in_flight, f"{repeated} sends repeated after the kill"


def test_the_rate_limit_holds_across_two_workers(rq_runtime, processes, add_followers, fake_wechat):
    add_followers(120)
    rate, burst = 40, 5
    processes.env.update(PUSH_RATE_PER_SECOND=str(rate), PUSH_RATE_BURST=str(burst), PUSH_BATCH_SIZE="20")
    # Worker processes use the store's default prefix: start from a full bucket and no stale token.
    app_id = rq_runtime.config.wechat_app_id
    rq_connection(rq_runtime.config).delete(f"zgzj:push:ratelimit:messages:{app_id}",
                                            f"zgzj:wechat:access_token:{app_id}")
    _start_workers(processes, rq_runtime, 2)
    time.sleep(burst / rate + 0.5)  # the bucket is full when sending starts
    campaign = campaigns.create(rq_runtime, title="t", text="x", channel="template", audience="all")
    campaigns.start(rq_runtime, campaign.id, RQDispatcher(rq_runtime))
    wait_until(lambda: campaigns.get(rq_runtime, campaign.id).state == "done", timeout=30)

    calls = fake_wechat.calls(TEMPLATE)
    accepted = [c["json"]["touser"] for c in calls if c["errcode"] == 0]
    assert len(accepted) == len(set(accepted)) == 120
    times = sorted(c["time"] for c in calls)
    assert times[-1] - times[0] >= (120 - burst) / rate * 0.9
    busiest = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert busiest <= rate + burst + 2, f"{busiest} sends in one second"
    with rq_runtime.database.session() as session:
        senders = session.scalar(select(func.count(func.distinct(Delivery.lease_owner))).where(
            Delivery.campaign_id == campaign.id))
    assert senders == 2  # both workers sent, sharing one rate
