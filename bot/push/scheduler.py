"""The scheduler process (`python -m bot scheduler`): APScheduler with its jobs kept in the database.

Never started inside web workers. Every job is declared in PERIODIC_JOBS below, plus one
job per scheduled campaign (a date or cron trigger) that `sync` keeps in step with the
campaigns table, so campaigns created by any process are picked up within
scheduler.poll_seconds. Jobs live in the database (SQLAlchemyJobStore): they survive
restarts, and a run missed while no scheduler was up fires once (coalesced) when one comes
back, if it is within scheduler.misfire_grace_seconds; a one-off campaign missed for longer
is marked 'missed'. If several schedulers are started, one holds a lease in the database,
renews it, and acts; the others wait to take over.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.console.notices import daily_digest_job, ticket_notices_job
from bot.push import campaigns
from bot.push.delivery import PENDING, worker_name
from bot.push.reminders import send_reminders_job
from bot.stats.aggregate import aggregate_yesterday_job
from bot.storage.models import Campaign, Delivery, ProcessLease

log = logging.getLogger(__name__)

LEADER_LEASE = "push-scheduler"
CAMPAIGN_JOB_PREFIX = "campaign:"


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler always runs: a module-level function (stored by its import path) and its trigger."""

    id: str
    func: Callable[[], None]
    trigger: str  # interval or cron
    options: dict = field(default_factory=dict)  # trigger arguments; values may name a setting


# ---- leadership ----------------------------------------------------------------------------------

class Leadership:
    """A lease in the database that one scheduler holds and renews; others wait for it to expire."""

    def __init__(self, database, owner: str, ttl: float, name: str = LEADER_LEASE) -> None:
        self.database = database
        self.owner = owner
        self.ttl = ttl
        self.name = name

    def acquire(self, now: datetime) -> bool:
        """Take or renew the lease; return True if we hold it."""
        expires = now + timedelta(seconds=self.ttl)
        with self.database.session() as session:
            result = session.execute(update(ProcessLease).where(
                ProcessLease.name == self.name,
                (ProcessLease.owner == self.owner) | (ProcessLease.expires_at < now)).values(
                owner=self.owner, expires_at=expires))
            if result.rowcount == 1:
                return True
        try:
            with self.database.session() as session:
                session.add(ProcessLease(name=self.name, owner=self.owner, expires_at=expires))
            return True
        except IntegrityError:
            return False

    def release(self) -> None:
        """Give the lease up so a standby takes over at once."""
        with self.database.session() as session:
            session.execute(update(ProcessLease).where(
                ProcessLease.name == self.name, ProcessLease.owner == self.owner).values(
                expires_at=datetime(1970, 1, 1)))


# ---- the service -----------------------------------------------------------------------------------

_active: "SchedulerService | None" = None


def active() -> "SchedulerService":
    """The scheduler acting in this process (jobs reach the runtime through it)."""
    if _active is None:
        raise RuntimeError("no active push scheduler in this process")
    return _active


class SchedulerService:
    """Waits for leadership, then runs APScheduler until stopped or the lease is lost."""

    def __init__(self, runtime, dispatcher=None, owner: str | None = None) -> None:
        self.runtime = runtime
        self.config = runtime.config
        self.owner = owner or worker_name()
        self.leadership = Leadership(runtime.database, self.owner, float(self.config.scheduler_lock_ttl_seconds))
        self._dispatcher = dispatcher
        self.scheduler = None
        self._stop = threading.Event()
        self.fired: list[int] = []  # campaigns this scheduler started (tests, logs)

    @property
    def dispatcher(self):
        """Where campaigns' fan-out goes (RQ with Redis, threads otherwise)."""
        if self._dispatcher is None:
            from bot.push.queue_worker import dispatcher_for

            self._dispatcher = dispatcher_for(self.runtime)
        return self._dispatcher

    @property
    def is_leader(self) -> bool:
        """True while this scheduler holds the lease and runs APScheduler."""
        return self.scheduler is not None

    def step(self) -> bool:
        """Take or renew leadership and start or stop APScheduler to match; return True when leading."""
        try:
            leading = self.leadership.acquire(self.runtime.clock())
        except Exception:  # the database is down: stop acting rather than risk two leaders
            log.exception("scheduler lease could not be renewed")
            leading = False
        if leading and self.scheduler is None:
            self._start_scheduler()
        elif not leading and self.scheduler is not None:
            log.warning("scheduler %s lost its lease; standing by", self.owner)
            self._stop_scheduler()
        return leading

    def run(self) -> None:
        """Run until stop() is called: renew the lease a few times per TTL."""
        interval = max(0.2, self.leadership.ttl / 3)
        log.info("scheduler %s started; waiting for the lease", self.owner)
        while not self._stop.is_set():
            self.step()
            self._stop.wait(interval)
        self._stop_scheduler()
        try:
            self.leadership.release()
        except Exception:
            log.exception("could not release the scheduler lease")

    def stop(self) -> None:
        """Ask run() to return."""
        self._stop.set()

    def _start_scheduler(self) -> None:
        global _active
        from apscheduler.events import EVENT_JOB_MISSED
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        _active = self
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.runtime.database.engine,
                                                     tablename="apscheduler_jobs")},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(self.config.scheduler_misfire_grace_seconds)},
            timezone=campaigns.TZ)
        scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        scheduler.start(paused=True)
        for job in PERIODIC_JOBS:
            options = {k: getattr(self.config, v) if isinstance(v, str) else v for k, v in job.options.items()}
            if job.trigger == "cron":
                options["timezone"] = campaigns.TZ
            scheduler.add_job(job.func, job.trigger, id=job.id, replace_existing=True, **options)
        self.scheduler = scheduler
        scheduler.resume()
        log.info("scheduler %s is the active scheduler", self.owner)
        sync()

    def _stop_scheduler(self) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)

    def _on_missed(self, event) -> None:
        job_id = event.job_id or ""
        if job_id.startswith(CAMPAIGN_JOB_PREFIX):
            campaign_id = int(job_id[len(CAMPAIGN_JOB_PREFIX):])
            with self.runtime.database.session() as session:
                session.execute(update(Campaign).where(
                    Campaign.id == campaign_id, Campaign.state == "scheduled", Campaign.cron.is_(None))
                    .values(state="missed", updated_at=self.runtime.clock()))
            log.warning("campaign %s missed its time by more than the grace time", campaign_id)


# ---- jobs (module-level functions, so the job store can refer to them) ----------------------------

def fire_campaign(campaign_id: int) -> None:
    """The job of a scheduled campaign: start it (a new run for a recurring one)."""
    service = active()
    occurrence = None
    campaign = campaigns.get(service.runtime, campaign_id)
    if campaign.cron:
        # A recurring campaign's send_at is its next occurrence: the one this firing stands for.
        now = service.runtime.clock()
        occurrence = campaign.send_at if campaign.send_at and campaign.send_at <= now + timedelta(seconds=1) else now
    started = campaigns.start(service.runtime, campaign_id, service.dispatcher, occurrence=occurrence)
    if started is not None:
        service.fired.append(started)
        log.info("campaign %s started (sending as %s)", campaign_id, started)


def recheck_tickets_job() -> None:
    """Run WeChat's content check on tickets stored while it was unavailable."""
    counts = active().runtime.tickets.recheck()
    if any(counts.values()):
        log.info("ticket content re-check: %s", counts)


def activity_satisfaction_job() -> None:
    """Ask those checked in at an activity that has ended how satisfied they were (once each)."""
    counts = active().runtime.activity_satisfaction.ask_attended()
    if any(counts.values()):
        log.info("activity satisfaction questions: %s", counts)


def enforce_retention_job() -> None:
    """Remove message text, closed tickets' personal data and abandoned forms past their retention (PIPL)."""
    active().runtime.personal_data.enforce_retention()


def retry_late_replies_job() -> None:
    """Send again the late replies whose customer-service message failed (bot/late_replies.py)."""
    from bot import late_replies
    from bot.webhook import deliver_by_customer_service

    counts = late_replies.retry_due(active().runtime, deliver_by_customer_service)
    if any(counts.values()):
        log.info("late replies tried again: %s", counts)


# A message whose handler ended (or passed the deadline and was marked 'late') long before this.
STALE_PROCESSING = timedelta(minutes=2)


def reclaim_stale_messages_job() -> None:
    """Close message-log rows left 'processing' when a process or its database connection died."""
    from bot.storage import message_log as message_log

    runtime = active().runtime
    reclaimed = message_log.reclaim_stale(runtime.database, runtime.clock() - STALE_PROCESSING)
    if reclaimed:
        log.warning("%d message-log rows left processing were marked abandoned", reclaimed)


def sync() -> None:
    """Keep one APScheduler job per scheduled campaign, and resume campaigns whose workers stopped."""
    service = active()
    scheduler = service.scheduler
    if scheduler is None:
        return
    runtime = service.runtime
    with runtime.database.session() as session:
        scheduled = session.execute(select(Campaign.id, Campaign.send_at, Campaign.cron).where(
            Campaign.state == "scheduled")).all()
        sending = list(session.scalars(select(Campaign.id).where(Campaign.state == "sending")))
    wanted = {f"{CAMPAIGN_JOB_PREFIX}{cid}": (send_at, cron) for cid, send_at, cron in scheduled}
    existing = {job.id for job in scheduler.get_jobs() if job.id.startswith(CAMPAIGN_JOB_PREFIX)}
    for job_id in existing - set(wanted):
        scheduler.remove_job(job_id)
    for job_id in set(wanted) - existing:
        send_at, cron = wanted[job_id]
        campaign_id = int(job_id[len(CAMPAIGN_JOB_PREFIX):])
        if cron:
            from apscheduler.triggers.cron import CronTrigger

            trigger = CronTrigger.from_crontab(cron, timezone=campaigns.TZ)
            scheduler.add_job(fire_campaign, trigger, args=[campaign_id], id=job_id)
        else:
            run_date = campaigns.to_local(send_at)
            scheduler.add_job(fire_campaign, "date", run_date=run_date, args=[campaign_id], id=job_id)
    for campaign_id in sending:
        _resume_if_stalled(runtime, service.dispatcher, campaign_id)


# Every periodic job, in one place. Trigger values given as strings name a setting.
PERIODIC_JOBS = [
    PeriodicJob("push.sync", sync, "interval", {"seconds": "scheduler_poll_seconds"}),
    PeriodicJob("push.activity_reminders", send_reminders_job, "cron", {"hour": "push_reminder_hour", "minute": 0}),
    PeriodicJob("tickets.content_recheck", recheck_tickets_job, "interval", {"minutes": 5}),
    PeriodicJob("activities.satisfaction", activity_satisfaction_job, "interval", {"minutes": 15}),
    PeriodicJob("privacy.retention", enforce_retention_job, "interval", {"hours": 1}),
    PeriodicJob("webhook.late_replies", retry_late_replies_job, "interval", {"seconds": 30}),
    PeriodicJob("webhook.reclaim_stale", reclaim_stale_messages_job, "interval", {"minutes": 1}),
    PeriodicJob("stats.aggregate", aggregate_yesterday_job, "cron", {"minute": 10}),  # hourly: yesterday and today
    PeriodicJob("staff.ticket_notices", ticket_notices_job, "interval", {"minutes": 5}),
    PeriodicJob("staff.daily_digest", daily_digest_job, "cron", {"hour": "staff_notices_digest_hour", "minute": 0}),
]


def _resume_if_stalled(runtime, dispatcher, campaign_id: int) -> None:
    """Enqueue a drain for a sending campaign that has claimable rows and no recent drain of ours."""
    now = runtime.clock()
    lease = float(runtime.config.push_lease_seconds)
    with runtime.database.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or (campaign.materialized_at is None and campaign.started_at
                                and campaign.started_at > now - timedelta(seconds=lease)):
            return  # still materialising
        claimable = session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.campaign_id == campaign_id, Delivery.status == PENDING,
            (Delivery.lease_until.is_(None)) | (Delivery.lease_until < now),
            (Delivery.retry_at.is_(None)) | (Delivery.retry_at <= now)))
        if campaign.materialized_at is not None and not claimable:
            from bot.push.delivery import finish_if_done

            finish_if_done(runtime, campaign_id)
            return
    key = f"push:resumed:{campaign_id}"
    try:
        if not runtime.store.set(key, "1", ttl=lease, only_if_absent=True):
            return
    except Exception:
        log.warning("store unavailable; resuming campaign %s anyway", campaign_id)
    log.info("campaign %s has unsent deliveries and no active drain: resuming", campaign_id)
    campaigns.launch(runtime, campaign_id, dispatcher)


def serve(runtime) -> None:
    """Run the scheduler in this process until SIGTERM or Ctrl-C."""
    import signal

    # APScheduler logs every run of the sync job at INFO; our own log says what happened.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    service = SchedulerService(runtime)

    def stop(*_args):
        """Stop on SIGTERM or Ctrl-C."""
        service.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    service.run()
