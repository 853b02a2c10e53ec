"""Where the fan-out runs: RQ queue workers on Redis (`python -m bot worker`), or threads in this process.

With Redis configured, the scheduler (or the command line) enqueues drain jobs and any
number of `python -m bot worker` processes, on any machines, share each campaign: the
delivery rows and their leases decide who sends what, not the queue. On the embedded
default the same drain runs on a thread pool of the process that started the campaign.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.push.delivery import drain

log = logging.getLogger(__name__)


class ThreadDispatcher:
    """Runs drains on threads of this process (no Redis)."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="push-drain")
        self._running: set[int] = set()
        self._mutex = threading.Lock()

    def enqueue_drain(self, campaign_id: int) -> None:
        """Start draining a campaign unless a drain of it already runs here."""
        with self._mutex:
            if campaign_id in self._running:
                return
            self._running.add(campaign_id)
        self.executor.submit(self._drain, campaign_id)

    def _drain(self, campaign_id: int) -> None:
        try:
            drain(self.runtime, campaign_id)
        except Exception:
            log.exception("drain of campaign %s failed; the sweep will resume it", campaign_id)
        finally:
            with self._mutex:
                self._running.discard(campaign_id)

    def shutdown(self) -> None:
        """Wait for running drains."""
        self.executor.shutdown(wait=True)


class RQDispatcher:
    """Enqueues drain jobs on the RQ queue that `python -m bot worker` processes serve."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.queue = rq_queue(runtime.config)

    def enqueue_drain(self, campaign_id: int, jobs: int | None = None) -> None:
        """Enqueue enough drain jobs for every worker to take part."""
        for _ in range(jobs or int(self.runtime.config.push_drain_jobs)):
            self.queue.enqueue(drain_job, campaign_id, job_timeout=-1, result_ttl=3600, failure_ttl=86400)

    def shutdown(self) -> None:
        """Nothing to wait for: the workers own the jobs."""


def rq_connection(config):
    """A Redis connection for RQ (which stores bytes, unlike the store's decoding client)."""
    import redis

    return redis.Redis.from_url(config.redis_url, socket_timeout=30, socket_connect_timeout=5)


def rq_queue(config):
    """The push queue."""
    from rq import Queue

    return Queue(config.push_queue_name, connection=rq_connection(config))


_dispatchers: dict[int, object] = {}


def dispatcher_for(runtime):
    """RQ when Redis is configured, threads otherwise; one per runtime."""
    key = id(runtime)
    if key not in _dispatchers:
        _dispatchers[key] = RQDispatcher(runtime) if runtime.config.redis_url else ThreadDispatcher(runtime)
    return _dispatchers[key]


# ---- inside a worker process --------------------------------------------------------------------

_worker_runtime = None


def drain_job(campaign_id: int) -> str:
    """The RQ job: drain one campaign with this worker's runtime."""
    global _worker_runtime
    if _worker_runtime is None:
        from bot.config import load_config
        from bot.runtime import Runtime

        _worker_runtime = Runtime.build(load_config())
    stopped = drain(_worker_runtime, campaign_id)
    log.info("campaign %s: drain stopped (%s)", campaign_id, stopped)
    return stopped


def run_worker(runtime, burst: bool = False, name: str | None = None) -> None:
    """Serve the push queue in this process until stopped (or until it is empty, with burst)."""
    global _worker_runtime
    from rq import SimpleWorker

    _worker_runtime = runtime  # jobs run in this process (no fork), reusing connections and the token
    queue = rq_queue(runtime.config)
    worker = SimpleWorker([queue], connection=queue.connection, name=name)
    worker.work(burst=burst, with_scheduler=False, logging_level=runtime.config.log_level)
