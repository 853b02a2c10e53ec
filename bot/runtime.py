"""The wired parts of the service, shared by the web app, the scheduler, workers and the CLI.

Built once per process from a Config; nothing here imports Flask. Heavier parts (the intent
matcher, the FAQ index, domain services) are built on first use.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Callable

from bot.config import Config
from bot.content import ReloadingContent, Replies
from bot.conversation_state import ConversationStore
from bot.kv_store import Store, make_store
from bot.storage import Database

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """Naive UTC now, as stored in the database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _train_model(content_dir: Path) -> None:
    """Retrain content/nlu/model.json with the training API (`python -m bot nlu train`)."""
    from bot.nlu.model import model_path
    from bot.nlu.training import train

    train(content_dir, model_path(content_dir))


class Runtime:
    """Configuration, database, store, WeChat client and services for one process."""

    def __init__(self, config: Config, database: Database, store: Store,
                 clock: Callable[[], datetime] = utc_now):
        self.config = config
        self.database = database
        self.store = store
        self.clock = clock
        self.content_dir = Path(config.content_dir)
        self.replies = Replies(self.content_dir)
        self.conversations = ConversationStore(store, config.session_ttl_seconds, cipher=self.cipher)
        self._content_files: dict = {}
        # Work that outlives a webhook request (slow handlers, deferred replies).
        self.background = ThreadPoolExecutor(max_workers=8, thread_name_prefix="zgzj-background")

    @classmethod
    def build(cls, config: Config) -> "Runtime":
        """Connect to the configured database and store."""
        database = Database(config.database_url)
        store = make_store(config.redis_url, timeout=config.redis_timeout_seconds)
        return cls(config, database, store)

    def now(self) -> datetime:
        """The time by this runtime's clock; services are given this, so setting runtime.clock moves them all."""
        return self.clock()

    @cached_property
    def wechat(self):
        """The one WeChat API client (official account and mini-program)."""
        from bot.wechat.client import WeChatClient

        return WeChatClient(self.config, self.store)

    @property
    def batched_message_log(self) -> bool:
        """True when the webhook dedups in the store and writes its log behind (webhook.message_log)."""
        mode = self.config.webhook_message_log
        return mode == "batched" or (mode == "auto" and bool(self.config.redis_url))

    @cached_property
    def message_log_writer(self):
        """Writes the webhook's message log and follower touches in batches, off the reply's path."""
        from bot.storage.message_log import MessageLogWriter

        return MessageLogWriter(self.database, flush_seconds=self.config.webhook_log_flush_seconds,
                                touch_minutes=self.config.webhook_follower_touch_minutes)

    @cached_property
    def handler_pace(self):
        """Recent handler durations: the webhook runs handlers inline while they are quick."""
        from bot.webhook import HandlerPace

        return HandlerPace()

    @cached_property
    def recent_replies(self):
        """The messages claimed and their first replies, in the store for WeChat's retry window."""
        from bot.storage.message_log import RecentReplies

        return RecentReplies(self.store, window_seconds=self.config.wechat_replay_window_seconds)

    @cached_property
    def cipher(self):
        """Encryption of personal data at rest."""
        from bot.security import PersonalDataCipher

        return PersonalDataCipher(self.config.secret_key)

    @property
    def tokenizer(self):
        """The private jieba tokenizer with our domain dictionary and every content phrase (shared with the matcher)."""
        return self.matcher.tokenizer

    @cached_property
    def matcher(self):
        """The intent and topic matcher, reloaded when content/nlu changes."""
        from bot.nlu.matcher import IntentMatcher

        return IntentMatcher.from_content(self.content_dir, Path(self.config.var_dir) / "cache")

    @cached_property
    def notifier(self):
        """Tells a worker of a change to their application, ticket or sign-up (48-hour window or template)."""
        from bot.services.notify import Notifier

        return Notifier(self.database, self.people, self.wechat, self.now)

    @property
    def places(self):
        """Zhejiang's cities and districts (content/places.yaml); follows editors' changes."""
        return self._places.get()

    @cached_property
    def _places(self):
        from bot.services.places import CONTENT_FILE, Regions

        return ReloadingContent(lambda: Regions.load(self.content_dir), lambda: [self.content_dir / CONTENT_FILE])

    @property
    def understanding(self):
        """Reading free text: replies to a form's questions, side questions, slots (content/understanding)."""
        return self._understanding.get()

    @cached_property
    def _understanding(self):
        from bot.understanding import Understanding

        return ReloadingContent(lambda: Understanding.from_content(self.content_dir),
                                lambda: list(self.content_dir.glob("understanding/*.yaml")))

    @cached_property
    def people(self):
        """Who is who across the service account and the mini-program."""
        from bot.services.activities import resolve_merge_conflicts
        from bot.services.people import PeopleService

        return PeopleService(self.database, self.cipher, merge_hooks=[resolve_merge_conflicts])

    @cached_property
    def membership(self):
        """Joining the union: applications, review, members and cards."""
        from bot.services.membership import CONTENT_FILE, MembershipService

        return MembershipService(
            self.database, self.cipher, content_file=self.content_file(CONTENT_FILE), replies=self.replies,
            places=self._places.get, clock=self.now, people=self.people, conversations=self.conversations,
            notifier=self.notifier, template_id=self.config.get("membership.template_id", ""))

    @cached_property
    def tickets(self):
        """Complaints, reports, letters, hardship aid, consultations, legal aid and callbacks."""
        from bot.services.satisfaction import RatingQuestion
        from bot.services.tickets import CONTENT_FILE, TicketService

        return TicketService(
            self.database, self.cipher, content_file=self.content_file(CONTENT_FILE), places=self._places.get,
            clock=self.now, people=self.people, wechat=self.wechat, notifier=self.notifier,
            topic_of=self._topic_of, topic_label=self._topic_label, replies=self.replies, audit=self.audit,
            rating_question=RatingQuestion(self.people, self.conversations),
            answer_template_id=self.config.get("tickets.template_id_answer"))

    @cached_property
    def satisfaction(self):
        """Workers' ratings of answers; an unsatisfied one reopens the ticket."""
        from bot.services.satisfaction import Satisfaction

        return Satisfaction(self.database, self.now, reopen=self.tickets.reopen)

    @cached_property
    def activity_satisfaction(self):
        """The three-choice question to those checked in at an activity that has ended, and their answers."""
        from bot.services.satisfaction import ActivitySatisfaction

        return ActivitySatisfaction(self.database, self.now, people=self.people, conversations=self.conversations,
                                    notifier=self.notifier, replies=self.replies)

    @cached_property
    def staff_notices(self):
        """Staff WeChat binding and the notices of their queue (new, overdue, daily digest)."""
        from bot.console.notices import StaffNotices

        config = self.config
        return StaffNotices(self.database, self.wechat, self.store, self.now, self.replies,
                            ticket_kind_name=self.tickets.kind_name, enabled=bool(config.staff_notices_enabled),
                            template_id=config.staff_notices_template_id,
                            per_person_per_day=int(config.staff_notices_per_person_per_day),
                            template_sends_per_day=int(config.push_template_sends_per_day))

    def audit(self, actor, action: str, target: str | None = None, **detail) -> None:
        """Write an audit-log entry: the actor an Actor (console: name, role, IP) or a bare name (a worker, a job)."""
        from bot.console import audit

        audit.record(self.database, self.now(), actor, action, target, **detail)

    @cached_property
    def activities(self):
        """Union activities: list, sign-up with exact places, waiting list, cancel."""
        from bot.services.activities import ActivityService

        return ActivityService(
            self.database, self.now, places=self._places.get, membership=self.membership, notifier=self.notifier,
            background=self.background, replies=self.replies,
            promoted_template_id=self.config.get("activities.template_id_promoted"),
            changed_template_id=self.config.get("push.template_id_activity_notice"))

    @cached_property
    def attendance(self):
        """Checking in at an activity's door (staff or the worker's QR scan), and the turnout."""
        from bot.services.activities import Attendance

        return Attendance(self.database, self.now)

    @cached_property
    def personal_data(self):
        """A worker's personal data as a whole: what is held, erasure from every door, retention (PIPL)."""
        from bot.services.personal_data import PersonalData, Retention

        return PersonalData(
            self.database, self.now, people=self.people, membership=self.membership, tickets=self.tickets,
            activities=self.activities, activity_ratings=self.activity_satisfaction, conversations=self.conversations,
            uploads_dir=Path(self.config.var_dir) / "uploads", retention=Retention.from_config(self.config))

    # The matcher is heavy: tickets ask it for a topic only when a ticket needs one.
    def _topic_of(self, text: str) -> str | None:
        return self.matcher.topic_of(text)

    def _topic_label(self, topic: str) -> str | None:
        """The Chinese name of a legal topic the matcher knows, or None."""
        matcher = self.matcher
        label = matcher.label(topic)
        return label if label != topic or topic == matcher.default_topic else None

    @property
    def legal_faq(self):
        """The curated legal FAQ (content/legal), ranked with our jieba dictionary; follows editors' changes."""
        return self._legal_faq.get()

    @cached_property
    def _legal_faq(self):
        from bot.services.legal_faq import LegalFAQ

        return ReloadingContent(lambda: LegalFAQ.load(self.content_dir, tokenize=self.tokenizer.tokens,
                                                      replies=self.replies),
                                lambda: [*self.content_dir.glob("legal/*.yaml"), self.content_dir / "regional_figures.yaml",
                                         self.content_dir / "nlu" / "corrections.txt"])

    @property
    def benefits(self):
        """The union benefits catalogue (content/benefits); follows editors' changes."""
        return self._benefits.get()

    @cached_property
    def _benefits(self):
        from bot.services.benefits import BenefitCatalogue

        return ReloadingContent(lambda: BenefitCatalogue.load(self.content_dir, self.places, self.replies),
                                lambda: [*self.content_dir.glob("benefits/*.yaml"), self.content_dir / "places.yaml"])

    @cached_property
    def content_editing(self):
        """The console's content editing: checked saves, versions in the database, rollback, retraining."""
        from functools import partial

        from bot.cli.content import EDIT_CHECKS
        from bot.services.content_editing import ContentEditing
        from handlers.legal import check_content as check_legal

        # The same checks as `python -m bot content check`; the FAQ's indexes the running tokenizer (not a new jieba).
        checks = [partial(check_legal, tokenize=lambda text: self.tokenizer.tokens(text)) if check is check_legal else check
                  for check in EDIT_CHECKS]
        return ContentEditing(self.database, self.content_dir, self.now, checks, store=self.store,
                              background=self.background, matcher=lambda: self.matcher,
                              legal_faq=lambda: self.legal_faq, replies=self.replies, train=_train_model)

    def content_file(self, relative_path: str):
        """The editor-owned file content/<relative_path>, shared and reloaded when edited."""
        from bot.content import ContentFile

        if relative_path not in self._content_files:
            self._content_files[relative_path] = ContentFile(self.content_dir / relative_path)
        return self._content_files[relative_path]

    @property
    def menu_keys(self) -> dict:
        """Menu CLICK keys and the typed request each stands for (content/menu.yaml)."""
        return (self.content_file("menu.yaml").load() or {}).get("click_keys", {})

    def warm_up(self) -> None:
        """Load the matcher, the tokenizer and the content indexes now rather than on the first message."""
        try:
            self.matcher.warm_up()
            self.legal_faq.search("拖欠工资")
            self.benefits.find("福利")
            self.understanding.extract("我叫王芳，手机13812345678，在乐清，下周日", self.now(), self.places)
        except Exception:  # warming is an optimisation: the first message will load what failed here
            log.exception("warm-up failed")

    def close(self) -> None:
        """Release connections and background threads."""
        self.background.shutdown(wait=True, cancel_futures=False)
        if "message_log_writer" in self.__dict__:
            self.message_log_writer.close()
        self.database.dispose()
