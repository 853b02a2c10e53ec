"""The scheduler's periodic jobs: the acting scheduler holds each one, stored in the database and read back."""
from __future__ import annotations

from datetime import timedelta

from bot.push.scheduler import PERIODIC_JOBS, SchedulerService


def test_the_acting_scheduler_runs_every_periodic_job(push_runtime):
    service = SchedulerService(push_runtime, owner="periodic-jobs-test")
    try:
        assert service.step()
        for job in PERIODIC_JOBS:
            stored = service.scheduler.get_job(job.id)  # read back from the SQLAlchemy job store
            assert stored is not None, job.id
            assert stored.func is job.func
        sync = service.scheduler.get_job("push.sync")
        assert sync.trigger.interval == timedelta(seconds=push_runtime.config.scheduler_poll_seconds)
    finally:
        service.stop()
        service._stop_scheduler()
        service.leadership.release()
