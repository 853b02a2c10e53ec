"""Tickets: the one home of the rules for what workers ask the union to handle.

Consultations passed to a counsellor, rights complaints, reports, letters to the chairman,
hardship aid, legal-aid applications and callbacks all become a ticket with a tracking
number, the department that handles it and a deadline (content/tickets.yaml). The chat,
the mini-program API and the staff command line use this service alike.

Every rule of a ticket lives here, so the chat, the mini-program and the console refuse the same
things: a story of at least MIN_STORY characters for the kinds that tell one, the closed lists of
content/tickets.yaml (`choices`: report subject, aid type, letter type...), and a city of
Zhejiang (content/places.yaml) for hardship aid.

Content security: a ticket's text goes through WeChat's check before it is stored. Risky text
is kept for staff but flagged and never shown again to anyone else, not even echoed to the
worker; when WeChat cannot be asked, the ticket is stored unchecked and `recheck` tries later.
A ticket is never lost because of WeChat.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.content import ContentFile
from bot.messages import outside_chat
from bot.personal_numbers import seal, shown, unseal
from bot.security import mask_phone
from bot.services.actor import Actor, as_actor
from bot.services.people import MINIPROGRAM, OFFICIAL
from bot.services.places import Regions
from bot.storage.models import Ticket, TicketCounter, TicketRating, TicketReply, TicketTransfer

log = logging.getLogger(__name__)

KINDS = ("consultation", "complaint", "report", "mailbox", "hardship", "legal_aid", "callback")
PREFIXES = {"consultation": "ZX", "complaint": "WQ", "report": "JB", "mailbox": "XX",
            "hardship": "BF", "legal_aid": "YZ", "callback": "HD"}
KIND_OF_PREFIX = {prefix: kind for kind, prefix in PREFIXES.items()}
# Kinds whose text names a labour-law problem: the matcher finds its topic when the caller gives none.
LEGAL_KINDS = ("consultation", "complaint", "legal_aid")
STATUSES = ("open", "answered", "closed")
STATUS_NAMES = {"open": "处理中", "answered": "已答复", "closed": "已办结"}
# Why staff close a ticket; each one's label is ticket_close_reason_<key> in content/replies/ticket_handling.yaml.
CLOSE_REASONS = ("resolved", "duplicate", "not_union", "no_reply")
# A duplicate is closed in favour of the ticket it repeats: the worker is asked about that one, not twice,
# and an 不满意 must not bring the copy back into the queue beside the original.
NOT_RATED_CLOSES = ("duplicate",)
MAX_NOTE = 500
WORKER_ACTOR = "职工"  # who the audit log names for a change a worker made (a rating that reopens a ticket)
CHANNELS = ("chat", "miniprogram", "staff")

CONTENT_FILE = "tickets.yaml"
PASSED, RISKY, UNCHECKED = "passed", "risky", "unchecked"
# Kinds whose text is the worker's story: too short, staff cannot act on it.
STORY_KINDS = ("complaint", "report", "mailbox", "hardship", "legal_aid")
MIN_STORY = 5
# details fields each kind must pick from its closed list (content/tickets.yaml `choices`).
REQUIRED_CHOICES = {"report": ("subject",), "mailbox": ("subject_type",), "hardship": ("aid_type",)}
# Lists the chat form asks from that are not stored in details (identity becomes `anonymous`).
FORM_ONLY_CHOICES = {"report": ("identity",)}
# Kinds that must say where in Zhejiang the worker is (details["city"], stored as the short name 杭州).
CITY_KINDS = ("hardship",)
MAX_TEXT = 2000
MAX_EMPLOYER = 100
MAX_ATTACHMENTS = 9
MAX_DETAIL_VALUE = 500
MAX_REPLY = 2000
NOTIFY_CHARS = 500  # of an answer, in the message telling the worker
# What the worker reads instead of their own text when it failed the content check.
FLAGGED_PLACEHOLDER = "（内容已提交，由工作人员人工审核，这里不再显示）"
ERASED_PLACEHOLDER = "（已应本人要求删除个人信息）"

NUMBER_PATTERN = re.compile(r"(?<![A-Za-z])(WQ|JB|XX|BF|ZX|YZ|HD)(\d{8})-?(\d{3,})(?!\d)", re.IGNORECASE)
_MOBILE = re.compile(r"1[3-9]\d{9}")
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class Choice:
    """One entry of a closed list: the stored key, the label people read, the words that mean it."""

    key: str
    label: str
    words: tuple[str, ...] = ()


class TicketRejected(ValueError):
    """A ticket or answer cannot be accepted; `fields` maps each field to a Chinese hint."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("；".join(fields.values()))
        self.fields = dict(fields)


@dataclass(frozen=True)
class TicketView:
    """A ticket as one audience may see it: the worker who opened it, or staff."""

    number: str
    kind: str
    kind_name: str
    status: str
    status_name: str
    topic: str | None
    topic_name: str | None
    department: str
    due_at: datetime  # naive UTC, like every stored time
    created_at: datetime
    text: str
    replies: list[tuple[datetime, str]]
    attachments: list[dict]
    employer: str | None = None
    contact_phone: str = ""  # always masked
    anonymous: bool = False
    details: dict = field(default_factory=dict)
    channel: str = "chat"
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    for_staff: bool = False
    # Staff only (None / False in the worker's view):
    flagged: bool = False
    check_status: str | None = None
    person_id: int | None = None  # None for anonymous reports, even for staff
    assigned_to: str | None = None
    erased: bool = False
    city: str | None = None  # the city it was transferred to (staff only)
    close_reason: str | None = None
    reopened_at: datetime | None = None  # staff only: back in the queue after an unsatisfied rating
    transfers: list[dict] = field(default_factory=list)  # staff only: who handed it where, with the note

    def overdue(self, now: datetime) -> bool:
        """Is the ticket still open after its deadline?"""
        return self.status == "open" and now > self.due_at

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, times in China time with their offset; staff-only fields only in staff views."""
        data: dict[str, Any] = {
            "number": self.number, "kind": self.kind, "kind_name": self.kind_name,
            "status": self.status, "status_name": self.status_name,
            "topic": self.topic, "topic_name": self.topic_name, "department": self.department,
            "due_at": china_iso(self.due_at), "created_at": china_iso(self.created_at),
            "answered_at": china_iso(self.answered_at), "closed_at": china_iso(self.closed_at),
            "text": self.text, "employer": self.employer, "contact_phone": self.contact_phone,
            "anonymous": self.anonymous, "details": dict(self.details), "channel": self.channel,
            "replies": [{"at": china_iso(at), "text": text} for at, text in self.replies],
            "attachments": [dict(a) for a in self.attachments],
        }
        if self.for_staff:
            data.update(flagged=self.flagged, check_status=self.check_status, person_id=self.person_id,
                        assigned_to=self.assigned_to, erased=self.erased)
        return data


def china_iso(moment: datetime | None) -> str | None:
    """ISO 8601 in China time of a naive UTC datetime."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(CHINA).isoformat()


def china_date(moment: datetime) -> date:
    """The calendar date in China of a naive UTC datetime."""
    return (moment + timedelta(hours=8)).date()


def due_text(due_at: datetime) -> str:
    """The deadline as a worker reads it: 12月4日 (or 2027年1月5日 in another year)."""
    day = china_date(due_at)
    return f"{day.month}月{day.day}日"


def normalize_number(text: str) -> str | None:
    """The tracking number found in text, in its canonical form (WQ20261127-001), or None."""
    found = NUMBER_PATTERN.search(text or "")
    if not found:
        return None
    prefix, day, serial = found.groups()
    return f"{prefix.upper()}{day}-{int(serial):03d}"


def normalize_mobile(text: str | None) -> str:
    """A mainland mobile number from what a person typed (spaces, dashes, +86 allowed); raise ValueError."""
    cleaned = re.sub(r"[\s\-()（）]", "", str(text or "")).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if cleaned.startswith("+86"):
        cleaned = cleaned[3:]
    elif cleaned.startswith("86") and len(cleaned) == 13:
        cleaned = cleaned[2:]
    if not _MOBILE.fullmatch(cleaned):
        raise ValueError("请输入11位手机号码，例如13812345678。")
    return cleaned


class TicketService:
    """Open, look up, answer and list tickets."""

    def __init__(self, database, cipher, content_file: ContentFile, places: Callable[[], Regions],
                 clock: Callable[[], datetime], people, wechat, notifier,
                 topic_of: Callable[[str], str | None], topic_label: Callable[[str], str | None],
                 replies, audit: Callable[..., None], rating_question=None,
                 answer_template_id: str | None = None):
        self.database = database
        self.cipher = cipher
        self.content_file = content_file  # content/tickets.yaml
        self.places = places  # the current content/places.yaml
        self.clock = clock
        self.people = people
        self.wechat = wechat  # content security check of what workers write
        self.notifier = notifier
        self.topic_of = topic_of  # the legal topic of a text (the intent matcher)
        self.topic_label = topic_label  # a legal topic's Chinese name, None when unknown
        self.replies = replies  # content/replies: status names, close reasons, what the worker is told
        self.audit = audit  # (actor: Actor | str, action, target, **detail): the audit log the console shows
        self.rating_question = rating_question  # asks the worker the three-choice question after an answer
        self.answer_template_id = answer_template_id

    # ---- content -------------------------------------------------------------------------

    def settings(self) -> dict:
        """content/tickets.yaml, reloaded when an editor changes it."""
        return self.content_file.load() or {}

    def choices(self, kind: str, field: str) -> list[Choice]:
        """The closed list a field of a kind picks from (content/tickets.yaml `choices`), in content order."""
        raw = ((self.kind_settings(kind).get("choices") or {}).get(field)) or []
        return [Choice(str(c["key"]), str(c.get("label") or c["key"]), tuple(str(w) for w in c.get("words") or ()))
                for c in raw]

    def choice_for(self, kind: str, field: str, text: str) -> Choice | None:
        """The choice a worker means by its number (1, ２), key, label, or one of its words; None if unclear."""
        options = self.choices(kind, field)
        cleaned = str(text or "").strip().strip("。.、 ").translate(_FULL_WIDTH_DIGITS)
        if cleaned.isdigit() and 1 <= int(cleaned) <= len(options):
            return options[int(cleaned) - 1]
        for option in options:
            if cleaned in (option.key, option.label):
                return option
        for option in options:
            if any(word and word in cleaned for word in option.words):
                return option
        return None

    def kind_settings(self, kind: str) -> dict:
        """The content of one kind (name, department, deadline, questions...)."""
        return (self.settings().get("kinds") or {}).get(kind) or {}

    def consent_version(self, kind: str) -> str:
        """The version of the notice a worker agrees to before filing this kind (content/tickets.yaml)."""
        return str(self.kind_settings(kind).get("consent_version") or self.settings().get("consent_version") or "")

    def kind_name(self, kind: str) -> str:
        """The Chinese name of a kind, e.g. 维权投诉."""
        return str(self.kind_settings(kind).get("name") or kind)

    def acknowledgement(self, view: TicketView, in_chat: bool = True) -> str:
        """What the worker reads once the ticket is stored (never their text).

        Outside the chat (the mini-program) the sentences telling the worker what to reply are left
        out: there is nothing to reply to, the ticket is in their list.
        """
        template = str(self.kind_settings(view.kind).get("acknowledgement") or
                       "已收到，编号：{number}\n由{department}处理，我们会在{due}前联系您。")
        text = template.format(number=view.number, department=view.department, due=due_text(view.due_at),
                               name=view.kind_name).strip()
        return text if in_chat else outside_chat(text)

    def department_for(self, kind: str, topic: str | None = None, details: dict | None = None) -> str:
        """Who handles a ticket: by report subject, then by legal topic, then the kind's default."""
        spec = self.kind_settings(kind)
        subject = (details or {}).get("subject")
        if subject and subject in (spec.get("subject_departments") or {}):
            return str(spec["subject_departments"][subject])
        if topic and topic in (spec.get("topic_departments") or {}):
            return str(spec["topic_departments"][topic])
        return str(spec.get("department") or "职工服务中心")

    def due_at(self, kind: str, created_at: datetime) -> datetime:
        """The deadline of a ticket of this kind opened at created_at: the end of that day in China, in UTC."""
        settings = self.settings()
        deadline = self.kind_settings(kind).get("deadline") or {"working_days": 5}
        day = china_date(created_at)
        if "days" in deadline:
            day += timedelta(days=int(deadline["days"]))
        else:
            holidays = {_as_date(d) for d in settings.get("holidays") or []}
            extra = {_as_date(d) for d in settings.get("extra_working_days") or []}
            remaining = int(deadline.get("working_days", 5))
            while remaining > 0:
                day += timedelta(days=1)
                working = (day.weekday() < 5 and day not in holidays) or day in extra
                remaining -= 1 if working else 0
        end_of_day_china = datetime.combine(day, time(23, 59, 59))
        return end_of_day_china - timedelta(hours=8)

    # ---- opening -------------------------------------------------------------------------

    def open(self, person_id: int, kind: str, text: str, topic: str | None = None, employer: str | None = None,
             contact_phone: str | None = None, anonymous: bool = False, attachments=(), channel: str = "chat",
             details: dict | None = None) -> TicketView:
        """Store a new ticket and return the owner's view of it; raise TicketRejected with hints."""
        text, employer, phone, topic, details, attachments = self._validate(
            person_id, kind, text, topic, employer, contact_phone, anonymous, attachments, channel, details)
        check_status = self._check(person_id, channel, [text, employer or "", *map(str, details.values())])
        now = self.clock()
        department = self.department_for(kind, topic, details)
        due = self.due_at(kind, now)
        stored_text, text_numbers = seal(text, self.cipher)  # numbers in the story: encrypted, never in clear
        for _attempt in range(5):
            try:
                with self.database.session() as session:
                    number = self._next_number(session, kind, now)
                    ticket = Ticket(
                        number=number, kind=kind, status="open", person_id=person_id, anonymous=anonymous,
                        channel=channel, topic=topic, department=department, text=stored_text,
                        text_numbers_encrypted=text_numbers, employer=employer,
                        consent_at=now, consent_version=self.consent_version(kind),
                        contact_phone_encrypted=self.cipher.encrypt(phone) if phone else None,
                        contact_phone_masked=mask_phone(phone) if phone else None,
                        details=details, attachments=attachments, check_status=check_status,
                        flagged=check_status == RISKY, checked_at=now if check_status != UNCHECKED else None,
                        due_at=due, created_at=now)
                    session.add(ticket)
                    session.flush()
                    view = self._view(ticket, for_staff=False)
                break
            except IntegrityError as exc:
                if "ticket_counters" not in str(exc):
                    raise
                # Two first tickets of the day raced to create the counter row: the loser counts again.
                log.info("ticket number race for %s, retrying", kind)
        else:
            raise RuntimeError("could not allocate a ticket number")
        log.info("ticket %s opened (%s, %s, check %s)", view.number, kind, channel, check_status)
        return view

    def _validate(self, person_id, kind, text, topic, employer, contact_phone, anonymous, attachments, channel,
                  details):
        problems: dict[str, str] = {}
        if kind not in KINDS:
            raise TicketRejected({"kind": "不支持这种工单类型。"})
        spec = self.kind_settings(kind)
        if channel not in CHANNELS:
            problems["channel"] = "来源渠道不正确。"
        text = _clean(text)
        if not text:
            problems["text"] = "请写下具体情况，再提交。"
        elif kind in STORY_KINDS and len(text) < MIN_STORY:
            problems["text"] = f"请再多说几句，让工作人员了解清楚情况（至少{MIN_STORY}个字）。"
        elif len(text) > MAX_TEXT:
            problems["text"] = f"内容太长了，请控制在{MAX_TEXT}字以内。"
        employer = _clean(employer) or None
        if employer and len(employer) > MAX_EMPLOYER:
            problems["employer"] = f"单位名称请控制在{MAX_EMPLOYER}字以内。"
        if anonymous and not spec.get("anonymous"):
            problems["anonymous"] = f"{self.kind_name(kind)}需要实名提交。"
        phone = None
        if anonymous:
            contact_phone = None  # an anonymous ticket keeps no way to identify the reporter
        if contact_phone not in (None, ""):
            try:
                phone = normalize_mobile(contact_phone)
            except ValueError as exc:
                problems["contact_phone"] = str(exc)
        elif not anonymous and spec.get("contact") == "required":
            phone = self._verified_phone(person_id)
            if phone is None:
                problems["contact_phone"] = "请留下手机号，方便工作人员联系您。"
        if topic is not None and (not isinstance(topic, str) or not self._known_topic(topic)):
            problems["topic"] = "法律问题类别不正确。"
        if topic is None and kind in LEGAL_KINDS and text:
            topic = self.topic_of(text)
        if details is not None and not isinstance(details, dict):
            problems["details"] = "补充信息格式不正确。"
        details = {key: _clean(value) if isinstance(value, str) else value
                   for key, value in (details if isinstance(details, dict) else {}).items()}
        for key, value in details.items():
            if not isinstance(key, str) or not isinstance(value, (str, int, bool, type(None))):
                problems["details"] = "补充信息格式不正确。"
            elif isinstance(value, str) and len(value) > MAX_DETAIL_VALUE:
                problems["details"] = f"补充信息每项请控制在{MAX_DETAIL_VALUE}字以内。"
        if "details" not in problems:
            problems.update(self._check_details(kind, details, anonymous))
        attachments = () if attachments is None else attachments
        if not isinstance(attachments, (list, tuple)):
            raise TicketRejected({"attachments": "附件格式不正确。"})
        attachments = [_attachment(a) for a in attachments]
        if len(attachments) > MAX_ATTACHMENTS:
            problems["attachments"] = f"最多附{MAX_ATTACHMENTS}张图片。"
        if problems:
            raise TicketRejected(problems)
        return text, employer, phone, topic, details, attachments

    def _check_details(self, kind: str, details: dict, anonymous: bool) -> dict[str, str]:
        """The closed lists and the city: refuse what is not on them; store keys and short city names."""
        problems: dict[str, str] = {}
        required = REQUIRED_CHOICES.get(kind, ())
        listed = (self.kind_settings(kind).get("choices") or {}).keys()
        for name in (*required, *(n for n in listed if n not in required)):
            value = details.get(name)
            if value in (None, ""):
                if name in required:
                    problems[name] = f"请选择{self._choice_title(kind, name)}。"
                continue
            options = self.choices(kind, name)
            found = next((c for c in options if str(value) in (c.key, c.label)), None)
            if found is None:
                problems[name] = (f"{self._choice_title(kind, name)}只能是以下之一："
                                  + "、".join(c.label for c in options) + "。")
            else:
                details[name] = found.key
        if "identity" in details and "identity" not in problems and (details["identity"] == "anonymous") != anonymous:
            problems["identity"] = "实名或匿名的选择前后不一致，请重新选择。"
        if kind in CITY_KINDS:
            regions = self.places()
            city = regions.city_in(str(details.get("city") or ""))
            if city is None:
                problems["city"] = (f"请填写浙江省内的城市：{'、'.join(regions.short_names())}。"
                                    "不在浙江的职工，请联系当地工会或拨打12351。")
            else:
                details["city"] = city.short
        return problems

    def _choice_title(self, kind: str, field: str) -> str:
        return str((self.settings().get("choice_titles") or {}).get(field) or field)

    def _verified_phone(self, person_id: int) -> str | None:
        try:
            return self.people.phone(person_id)
        except (LookupError, ValueError):
            return None

    def _known_topic(self, topic: str) -> bool:
        return self.topic_label(topic) is not None

    def _check(self, person_id: int, channel: str, texts: list[str]) -> str:
        """Ask WeChat's content security about the text; UNCHECKED when it cannot answer."""
        content = "\n".join(t for t in texts if t)
        try:
            people = self.people
            openid = (people.openid(person_id, MINIPROGRAM) if channel == "miniprogram" else None) \
                or people.openid(person_id, OFFICIAL) or people.openid(person_id, MINIPROGRAM) or ""
            return PASSED if self.wechat.check_text(openid, content) else RISKY
        except Exception as exc:  # WeChat down, rate-limited, misconfigured: the ticket must still be stored
            log.warning("content check unavailable, ticket stored unchecked: %s", exc)
            return UNCHECKED

    def _next_number(self, session: Session, kind: str, now: datetime) -> str:
        """The next tracking number of the kind for today (China time); the counter row serialises writers."""
        prefix, day = PREFIXES[kind], china_date(now)
        bumped = session.execute(update(TicketCounter).where(TicketCounter.prefix == prefix, TicketCounter.day == day)
                                 .values(last=TicketCounter.last + 1))
        if bumped.rowcount == 0:
            session.add(TicketCounter(prefix=prefix, day=day, last=1))
            session.flush()  # a concurrent first ticket of the day makes this fail; open() retries
            serial = 1
        else:
            serial = session.scalar(select(TicketCounter.last).where(TicketCounter.prefix == prefix,
                                                                     TicketCounter.day == day))
        return f"{prefix}{day:%Y%m%d}-{serial:03d}"

    # ---- the worker's side ---------------------------------------------------------------

    def get(self, person_id: int, number: str) -> TicketView | None:
        """The ticket with this number if person_id opened it; None otherwise (existence is not revealed)."""
        canonical = normalize_number(number)
        if canonical is None or person_id is None:
            return None
        with self.database.session() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == canonical, Ticket.person_id == person_id))
            return self._view(ticket, for_staff=False) if ticket is not None else None

    def list_for(self, person_id: int, kind: str | None = None, offset: int = 0,
                 limit: int = 20) -> tuple[list[TicketView], int]:
        """The person's own tickets, newest first, and how many there are in all."""
        if kind is not None and kind not in KINDS:
            raise TicketRejected({"kind": "不支持这种工单类型。"})
        query = select(Ticket).where(Ticket.person_id == person_id)
        if kind is not None:
            query = query.where(Ticket.kind == kind)
        with self.database.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
                                   .offset(max(offset, 0)).limit(max(min(limit, 100), 0))).all()
            return [self._view(t, for_staff=False) for t in rows], int(total)

    # ---- staff ---------------------------------------------------------------------------

    def answer(self, number: str, text: str, staff: str = "staff", close: bool = True) -> TicketView:
        """Record a staff answer, then tell the worker (48-hour window or template); delivery never raises."""
        text = _clean(text)
        if not text:
            raise TicketRejected({"text": "答复内容不能为空。"})
        if len(text) > MAX_REPLY:
            raise TicketRejected({"text": f"答复请控制在{MAX_REPLY}字以内。"})
        now = self.clock()
        with self.database.session() as session:
            ticket = self._find(session, number)
            reply = TicketReply(ticket=ticket, staff=staff, text=text, created_at=now)
            session.add(reply)
            ticket.status = "closed" if close else "answered"
            ticket.answered_at = now
            ticket.closed_at = now if close else None
            session.flush()
            reply_id, person_id = reply.id, ticket.person_id
            view = self._view(ticket, for_staff=False)
        delivery = "none"
        if person_id is not None:
            # A customer-service text is cut at 2,048 bytes: a long answer is shortened, the ticket keeps it whole.
            shown = text if len(text) <= NOTIFY_CHARS else text[:NOTIFY_CHARS] + "…"
            question = self.replies.get("rating_question", number=view.number)
            message = (f"您的{view.kind_name}（编号 {view.number}）有答复了：\n{shown}\n\n"
                       f"回复编号“{view.number}”可查看详情。\n\n{question}")
            template_data = {
                "first": f"您的{view.kind_name}有答复了", "keyword1": view.number, "keyword2": view.department,
                "keyword3": view.status_name,
                "remark": "请进入浙工之家，回复编号查看答复全文。" + self.replies.get("rating_question_short")}
            delivery = self.notifier.send(person_id, message, self.answer_template_id, template_data)
            if self.rating_question is not None and delivery != "failed":
                self.rating_question.ask(person_id, view.number)
        with self.database.session() as session:
            session.execute(update(TicketReply).where(TicketReply.id == reply_id).values(delivery=delivery))
        log.info("ticket %s answered by %s, delivery %s", view.number, staff, delivery)
        return self.staff_view(view.number)

    def departments(self) -> list[str]:
        """Every department that handles tickets (content/tickets.yaml), the choices of a transfer."""
        found: list[str] = []
        for spec in (self.settings().get("kinds") or {}).values():
            spec = spec or {}
            names = [spec.get("department"), *(spec.get("topic_departments") or {}).values(),
                     *(spec.get("subject_departments") or {}).values()]
            found += [str(n) for n in names if n and str(n) not in found]
        return found

    def transfer(self, number: str, staff: Actor | str, note: str, department: str | None = None,
                 city: str | None = None) -> TicketView:
        """Hand an unfinished ticket to another department and/or city with a note; raise TicketRejected."""
        by = as_actor(staff)  # the audit entry keeps the console's role and IP; the transfer row the name
        note = _clean(note)
        problems: dict[str, str] = {}
        department = _clean(department) or None
        if department is not None and department not in self.departments():
            problems["department"] = self.replies.get("ticket_transfer_unknown_department")
        target_city = None
        if city:
            found = self.places().city_in(_clean(city))
            if found is None:
                problems["city"] = self.replies.get("ticket_transfer_unknown_city")
            else:
                target_city = found.short
        if not note:
            problems["note"] = self.replies.get("ticket_transfer_note_missing")
        elif len(note) > MAX_NOTE:
            problems["note"] = self.replies.get("ticket_note_too_long", limit=MAX_NOTE)
        if problems:
            raise TicketRejected(problems)
        now = self.clock()
        with self.database.session() as session:
            ticket = self._find(session, number)
            if ticket.status == "closed":
                raise TicketRejected({"status": self.replies.get("ticket_transfer_closed")})
            to_department = department or ticket.department
            if to_department == ticket.department and (target_city is None or target_city == ticket.city):
                raise TicketRejected({"department": self.replies.get("ticket_transfer_nowhere")})
            session.add(TicketTransfer(ticket_id=ticket.id, staff=by.name, from_department=ticket.department,
                                       to_department=to_department, from_city=ticket.city,
                                       to_city=target_city or ticket.city, note=note, at=now))
            ticket.department, ticket.city = to_department, target_city or ticket.city
            ticket.transferred_at, ticket.assigned_to = now, None
            ticket.status = "open"  # an answered ticket handed on is someone's work again
            session.flush()
        self.audit(by, "ticket.transfer", number, department=to_department, city=target_city)
        log.info("ticket %s transferred by %s to %s %s", number, by.name, to_department, target_city or "")
        return self.staff_view(number)

    def close(self, number: str, staff: Actor | str, reason: str, note: str | None = None) -> TicketView:
        """Close a ticket for one of CLOSE_REASONS and tell the worker why; raise TicketRejected."""
        if reason not in CLOSE_REASONS:
            raise TicketRejected({"reason": self.replies.get("ticket_close_reason_missing")})
        note = _clean(note)
        if len(note) > MAX_NOTE:
            raise TicketRejected({"note": self.replies.get("ticket_note_too_long", limit=MAX_NOTE)})
        now = self.clock()
        with self.database.session() as session:
            ticket = self._find(session, number)
            if ticket.status == "closed":
                raise TicketRejected({"status": self.replies.get("ticket_already_closed")})
            ticket.status, ticket.closed_at, ticket.close_reason = "closed", now, reason
            person_id = ticket.person_id
            already_rated = session.scalar(select(TicketRating.id).where(TicketRating.ticket_id == ticket.id)) is not None
            view = self._view(ticket, for_staff=False)
        self.audit(staff, "ticket.close", number, reason=reason, note=note or None)
        if person_id is not None:
            message = self.replies.get("ticket_closed_notice", kind=view.kind_name, number=view.number,
                                       reason=self.close_reason_name(reason))
            ask = self.rating_question is not None and reason not in NOT_RATED_CLOSES and not already_rated
            delivery = self.notifier.send(
                person_id, message + ("\n\n" + self.replies.get("rating_question") if ask else ""),
                self.answer_template_id, {
                    "first": message, "keyword1": view.number, "keyword2": view.department,
                    "keyword3": view.status_name, "remark": self.replies.get("rating_question_short") if ask else ""})
            if ask and delivery != "failed":
                self.rating_question.ask(person_id, view.number)
        log.info("ticket %s closed by %s (%s)", number, as_actor(staff).name, reason)
        return self.staff_view(number)

    def reopen(self, number: str, person_id: int, reason: str | None = None) -> TicketView:
        """Put an answered or closed ticket back in the queue after the worker was not satisfied (flagged, audited)."""
        now = self.clock()
        with self.database.session() as session:
            ticket = self._find(session, number)
            if ticket.person_id != person_id:
                raise LookupError(f"no ticket {number} of this person")
            ticket.status, ticket.closed_at, ticket.close_reason = "open", None, None
            ticket.reopened_at = now
            ticket.due_at = self.due_at(ticket.kind, now)  # a second look gets a deadline of its own
            session.flush()
        # Not the worker's words: the audit log outlives an erasure; the reason stays with the rating.
        self.audit(WORKER_ACTOR, "ticket.reopen", number, with_reason=True if reason else None)
        log.info("ticket %s reopened after an unsatisfied rating", number)
        return self.staff_view(number)

    def close_reason_name(self, reason: str) -> str:
        """The Chinese label of a close reason (content)."""
        return self.replies.get(f"ticket_close_reason_{reason}")

    def status_name(self, ticket: Ticket) -> str:
        """What the worker and staff read as the status: transferred, reopened and closed-why included."""
        if ticket.status == "closed" and ticket.close_reason in CLOSE_REASONS:
            return self.replies.get("ticket_status_closed_because", reason=self.close_reason_name(ticket.close_reason))
        if ticket.status == "open" and ticket.reopened_at is not None:
            return self.replies.get("ticket_status_reopened")
        if ticket.status == "open" and ticket.transferred_at is not None:
            return self.replies.get("ticket_status_transferred", where=f"{ticket.city or ''}{ticket.department}")
        return STATUS_NAMES.get(ticket.status, ticket.status)

    def assign(self, number: str, assignee: str) -> TicketView:
        """Give a ticket to a member of staff."""
        with self.database.session() as session:
            ticket = self._find(session, number)
            ticket.assigned_to = (assignee or "").strip() or None
            return self._view(ticket, for_staff=True)

    def staff_view(self, number: str) -> TicketView:
        """Any ticket as staff see it (anonymous reporters stay hidden); raise LookupError if none."""
        with self.database.session() as session:
            return self._view(self._find(session, number), for_staff=True)

    def staff_list(self, kind: str | None = None, status: str | None = None, flagged: bool | None = None,
                   offset: int = 0, limit: int = 50) -> list[TicketView]:
        """Tickets for staff, oldest deadline first, contact numbers masked."""
        query = select(Ticket)
        if kind is not None:
            if kind not in KINDS:
                raise TicketRejected({"kind": "不支持这种工单类型。"})
            query = query.where(Ticket.kind == kind)
        if status is not None:
            if status not in STATUSES:
                raise TicketRejected({"status": "状态只能是 open、answered 或 closed。"})
            query = query.where(Ticket.status == status)
        if flagged is not None:
            query = query.where(Ticket.flagged.is_(bool(flagged)))
        with self.database.session() as session:
            rows = session.scalars(query.order_by(Ticket.due_at, Ticket.id).offset(max(offset, 0))
                                   .limit(max(min(limit, 500), 0))).all()
            return [self._view(t, for_staff=True) for t in rows]

    def overdue(self, now: datetime) -> list[TicketView]:
        """Open tickets past their deadline, most overdue first."""
        with self.database.session() as session:
            rows = session.scalars(select(Ticket).where(Ticket.status == "open", Ticket.due_at < now)
                                   .order_by(Ticket.due_at, Ticket.id)).all()
            return [self._view(t, for_staff=True) for t in rows]

    def recheck(self, limit: int = 100) -> dict[str, int]:
        """Run the content check again on tickets stored while WeChat was unavailable; count the results."""
        counts = {PASSED: 0, RISKY: 0, UNCHECKED: 0}
        with self.database.session() as session:
            pending = session.execute(select(Ticket.id, Ticket.person_id, Ticket.channel, Ticket.text,
                                             Ticket.employer, Ticket.details)
                                      .where(Ticket.check_status == UNCHECKED, Ticket.erased_at.is_(None))
                                      .order_by(Ticket.id).limit(limit)).all()
        for row in pending:
            result = self._check(row.person_id, row.channel,
                                 [row.text, row.employer or "", *map(str, (row.details or {}).values())])
            counts[result] += 1
            if result == UNCHECKED:
                break  # WeChat is still unavailable: try the rest next time
            with self.database.session() as session:
                session.execute(update(Ticket).where(Ticket.id == row.id).values(
                    check_status=result, flagged=result == RISKY, checked_at=self.clock()))
        return counts

    # ---- personal data -------------------------------------------------------------------

    def delete_personal_data(self, person_id: int) -> int:
        """Erase what the person told us in their tickets and unlink them; numbers and dates stay for statistics."""
        now = self.clock()
        with self.database.session() as session:
            tickets = session.scalars(select(Ticket).where(Ticket.person_id == person_id)).all()
            for ticket in tickets:
                _erase(ticket, now)
        log.info("ticket personal data erased for person %s (%d tickets)", person_id, len(tickets))
        return len(tickets)

    def erase_closed_before(self, moment: datetime, limit: int = 500) -> int:
        """Retention: erase the personal data of tickets closed before moment; return how many."""
        now = self.clock()
        with self.database.session() as session:
            tickets = session.scalars(select(Ticket).where(
                Ticket.status == "closed", Ticket.closed_at < moment, Ticket.erased_at.is_(None))
                .order_by(Ticket.id).limit(limit)).all()
            for ticket in tickets:
                _erase(ticket, now)
        return len(tickets)

    def revealed_story(self, number: str) -> str:
        """The story with its phone and ID numbers in full (the console's audited reveal only)."""
        with self.database.session() as session:
            ticket = self._find(session, number)
            if ticket.erased_at is not None:
                return ERASED_PLACEHOLDER
            return unseal(ticket.text, ticket.text_numbers_encrypted, self.cipher)

    # ---- helpers -------------------------------------------------------------------------

    def _find(self, session: Session, number: str) -> Ticket:
        canonical = normalize_number(number)
        ticket = session.scalar(select(Ticket).where(Ticket.number == canonical)) if canonical else None
        if ticket is None:
            raise LookupError(f"no ticket {number}")
        return ticket

    def _view(self, ticket: Ticket, for_staff: bool) -> TicketView:
        erased = ticket.erased_at is not None
        if erased:
            text = ERASED_PLACEHOLDER
        elif ticket.flagged and not for_staff:
            text = FLAGGED_PLACEHOLDER
        else:
            text = shown(ticket.text)
        topic_name = (self.topic_label(ticket.topic) or ticket.topic) if ticket.topic else None
        return TicketView(
            number=ticket.number, kind=ticket.kind, kind_name=self.kind_name(ticket.kind),
            status=ticket.status, status_name=self.status_name(ticket),
            topic=ticket.topic, topic_name=topic_name, department=ticket.department,
            due_at=ticket.due_at, created_at=ticket.created_at, text=text,
            replies=[(r.created_at, r.text) for r in ticket.replies],
            attachments=[dict(a) for a in (ticket.attachments or [])],
            employer=ticket.employer, contact_phone=ticket.contact_phone_masked or "",
            anonymous=ticket.anonymous, details=dict(ticket.details or {}), channel=ticket.channel,
            answered_at=ticket.answered_at, closed_at=ticket.closed_at, for_staff=for_staff,
            flagged=ticket.flagged if for_staff else False,
            check_status=ticket.check_status if for_staff else None,
            person_id=(None if ticket.anonymous else ticket.person_id) if for_staff else None,
            assigned_to=ticket.assigned_to if for_staff else None, erased=erased,
            city=ticket.city if for_staff else None, close_reason=ticket.close_reason,
            reopened_at=ticket.reopened_at if for_staff else None,
            transfers=self._transfers(ticket) if for_staff else [])

    def _transfers(self, ticket: Ticket) -> list[dict]:
        session = Session.object_session(ticket)
        rows = session.scalars(select(TicketTransfer).where(TicketTransfer.ticket_id == ticket.id)
                               .order_by(TicketTransfer.id)).all()
        return [{"at": r.at, "staff": r.staff, "from": f"{r.from_city or ''}{r.from_department}",
                 "to": f"{r.to_city or ''}{r.to_department}", "note": r.note} for r in rows]


def _erase(ticket: Ticket, now: datetime) -> None:
    """Remove what the worker told us and the link to them; number, kind, department and dates stay for statistics."""
    ticket.person_id = None
    ticket.text = ""
    ticket.text_numbers_encrypted = None
    ticket.employer = None
    ticket.contact_phone_encrypted = ticket.contact_phone_masked = None
    ticket.details, ticket.attachments = {}, []
    ticket.erased_at = now
    if ticket.status != "closed":
        ticket.status, ticket.closed_at = "closed", now
    for reply in ticket.replies:
        reply.text = ""  # answers quote the worker's situation
    session = Session.object_session(ticket)
    if session is not None:  # staff notes on a transfer, and the worker's reason for a rating, quote them too
        session.execute(update(TicketTransfer).where(TicketTransfer.ticket_id == ticket.id).values(note=""))
        session.execute(update(TicketRating).where(TicketRating.ticket_id == ticket.id).values(
            comment=None, person_id=None))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _clean(value) -> str:
    """Text as stored: no control characters (PostgreSQL refuses NUL), no surrounding blanks."""
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else ""


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _attachment(item) -> dict:
    """An attachment as stored: chat images {media_id, url}; mini-program uploads {upload_id}."""
    if isinstance(item, str) and _clean(item):
        return {"upload_id": _clean(item)}
    if isinstance(item, dict):
        kept = {k: _clean(str(v)) for k, v in item.items() if k in ("media_id", "url", "upload_id", "name") and v}
        if kept:
            return kept
    raise TicketRejected({"attachments": "附件格式不正确。"})


def _choice_problems(kind: str, spec: dict, titles: dict) -> list[str]:
    """What is wrong with a kind's closed lists: missing ones, entries without key or label, keys twice."""
    choices = spec.get("choices") or {}
    if not isinstance(choices, dict):
        return [f"{kind}: choices must map a field to its list of {{key, label, words}}"]
    problems = [f"{kind}: choices.{name} is missing"
                for name in (*REQUIRED_CHOICES.get(kind, ()), *FORM_ONLY_CHOICES.get(kind, ())) if name not in choices]
    for name, entries in choices.items():
        if not isinstance(entries, list) or not entries:
            problems.append(f"{kind}: choices.{name} must be a non-empty list")
            continue
        if not str(titles.get(name) or "").strip():
            problems.append(f"choice_titles: {name} (used by {kind}) has no title")
        keys = []
        for entry in entries:
            if not isinstance(entry, dict) or not str(entry.get("key") or "").strip() \
                    or not str(entry.get("label") or "").strip():
                problems.append(f"{kind}: every entry of choices.{name} needs a key and a label, got {entry!r}")
                continue
            if not isinstance(entry.get("words") or [], list):
                problems.append(f"{kind}: choices.{name} {entry['key']}: words must be a list")
            keys.append(str(entry["key"]))
        problems += [f"{kind}: choices.{name} lists {key!r} twice" for key in sorted(set(keys)) if keys.count(key) > 1]
        if name == "subject":
            problems += [f"{kind}: subject_departments names {subject!r}, which is not in choices.subject"
                         for subject in (spec.get("subject_departments") or {}) if subject not in keys]
    return problems


def check_content(content_dir) -> None:
    """Raise ValueError naming content/tickets.yaml and the entry when it is incomplete or inconsistent."""
    from pathlib import Path

    import yaml

    path = Path(content_dir) / "tickets.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot be read: {exc}") from exc
    kinds = data.get("kinds") or {}
    problems = [f"kind {k!r} is missing" for k in KINDS if k not in kinds]
    problems += [f"kind {k!r} is not one of {', '.join(KINDS)}" for k in kinds if k not in KINDS]
    for kind, spec in kinds.items():
        spec = spec or {}
        for key in ("name", "department", "deadline", "acknowledgement"):
            if not spec.get(key):
                problems.append(f"{kind}: {key} is missing")
        deadline = spec.get("deadline") or {}
        if not isinstance(deadline, dict) or len(deadline) != 1 or not set(deadline) <= {"working_days", "days"} \
                or not isinstance(next(iter(deadline.values()), None), int) or next(iter(deadline.values())) < 1:
            problems.append(f"{kind}: deadline must be {{working_days: N}} or {{days: N}} with N >= 1")
        if spec.get("contact", "optional") not in ("required", "optional"):
            problems.append(f"{kind}: contact must be required or optional")
        try:
            str(spec.get("acknowledgement") or "").format(number="WQ20260101-001", department="维权部",
                                                          due="1月8日", name="维权投诉")
        except (KeyError, IndexError, ValueError) as exc:
            problems.append(f"{kind}: acknowledgement has an unknown placeholder {exc}")
        for mapping in ("topic_departments", "subject_departments"):
            if not isinstance(spec.get(mapping) or {}, dict):
                problems.append(f"{kind}: {mapping} must map names to departments")
        if not isinstance(spec.get("questions") or {}, dict):
            problems.append(f"{kind}: questions must map question names to wording")
        problems += _choice_problems(kind, spec, data.get("choice_titles") or {})
    if not str(data.get("consent_version") or "").strip():
        problems.append("consent_version is missing (the version of the consent notices, kept with each ticket)")
    for key in ("holidays", "extra_working_days"):
        for value in data.get(key) or []:
            try:
                _as_date(value)
            except ValueError:
                problems.append(f"{key}: {value!r} is not a date (YYYY-MM-DD)")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
