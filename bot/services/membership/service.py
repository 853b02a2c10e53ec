"""Joining the union and membership: applications, review, member numbers, cards, erasure.

The one home of the membership rules, used by the chat (handlers/join_union.py,
handlers/membership.py), the mini-program API and the staff CLI alike:
- the same field checks in every door (check_field, used by the chat form and by submit());
- consent is required and recorded with the version of the notice the worker read;
- phone and ID numbers are stored encrypted, the ID also as a blind index so one ID cannot
  apply twice, even under two WeChat accounts; every view shows them masked;
- a person has at most one open application (submitted or need_info), enforced by partial
  unique indexes so concurrent submissions cannot both succeed;
- each review decision is recorded in the history and notified to the worker.
"""
from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from typing import Any, Callable, Iterator

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.content import ContentFile, Replies
from bot.security import mask_id_number, mask_name, mask_phone
from bot.services import identity_checks as checks
from bot.services.membership.audience import member_openids
from bot.services.membership.content import MembershipContent
from bot.services.membership.errors import (ApplicationNotFound, ConsentRequired, DuplicateApplication,
                                            InvalidDecision)
from bot.services.membership.fields import APPLICATION_FIELDS, check_field, validate
from bot.services.membership.views import ApplicationView, MemberView, StatusChangeView
from bot.services.places import Regions
from bot.storage.models import Member, MembershipApplication, MembershipStatusChange
from bot.storage.models.membership import OPEN_STATUSES

log = logging.getLogger(__name__)

STATUSES = ("submitted", "need_info", "approved", "rejected", "withdrawn")
DECISIONS = {"approve": "approved", "reject": "rejected", "need_info": "need_info"}
# Which statuses each decision may follow.
DECIDABLE_FROM = {"approve": ("submitted", "need_info"), "reject": ("submitted", "need_info"),
                  "need_info": ("submitted",)}


class MembershipService:
    """Applications to join the union, their review, and members."""

    def __init__(self, database, cipher, content_file: ContentFile, replies: Replies, places: Callable[[], Regions],
                 clock: Callable[[], datetime], people, conversations, notifier, template_id: str = ""):
        self.database = database
        self.cipher = cipher
        self.content_file = content_file  # content/membership.yaml
        self.replies = replies  # the hints, refusals and notices workers read (content/replies/)
        self.places = places  # the current content/places.yaml
        self.clock = clock
        self.people = people
        self.conversations = conversations  # erasure forgets a form in progress
        self.notifier = notifier
        self.template_id = template_id  # the "application progress" template message
        self._parsed: tuple[Any, Regions, MembershipContent] | None = None

    @property
    def content(self) -> MembershipContent:
        """content/membership.yaml with the cities of content/places.yaml, re-read when an editor changes either."""
        data, regions = self.content_file.load(), self.places()
        parsed = self._parsed
        if parsed is None or parsed[0] is not data or parsed[1] is not regions:  # parse once per version
            parsed = self._parsed = (data, regions, MembershipContent.parse(data, regions, self.content_file.path))
        return parsed[2]

    def today(self) -> date:
        """Today in Zhejiang by the service's clock (ages are counted from it)."""
        return checks.shanghai_today(self.clock())

    def check_field(self, name: str, value: Any, city: str | None = None) -> Any:
        """check_field with the current content and clock."""
        return check_field(name, value, today=self.today(), city=city, content=self.content, replies=self.replies)

    # -- worker side

    def submit(self, person_id: int, fields: dict, consent: bool, channel: str) -> ApplicationView:
        """Create an application; raise ValidationFailed, DuplicateApplication or ConsentRequired."""
        if not consent:
            raise ConsentRequired(self.replies.get("membership_consent_required"))
        content = self.content
        clean = validate(fields, today=self.today(), content=content, replies=self.replies)
        id_index = self.cipher.blind_index(clean["id_number"])
        now = self.clock()
        try:
            with self.database.session() as session:
                self._refuse_duplicates(session, person_id, id_index)
                application = MembershipApplication(
                    application_no=f"tmp-{uuid.uuid4().hex[:24]}", person_id=person_id, status="submitted",
                    channel=channel, consent_at=now, consent_version=str(content.data.get("consent_version")),
                    created_at=now, updated_at=now, **self._stored_fields(clean, id_index))
                session.add(application)
                session.flush()
                # The row id is unique, so the number is too, however many submit at once.
                application.application_no = f"RH{checks.shanghai_today(now):%Y%m%d}-{application.id:05d}"
                session.add(MembershipStatusChange(application_id=application.id, from_status=None,
                                                   to_status="submitted", actor="worker", created_at=now))
                session.flush()
                view = self._view(application, content)
        except IntegrityError:
            # Another submission won the race (same person or same ID): report it like the pre-check does.
            with self.database.session() as session:
                self._refuse_duplicates(session, person_id, id_index)
            raise
        log.info("membership application %s submitted via %s", view.application_no, channel)
        return view

    def current_application(self, person_id: int) -> ApplicationView | None:
        """The person's open application, else their latest one, or None."""
        with self.database.session() as session:
            rows = session.scalars(select(MembershipApplication)
                                   .where(MembershipApplication.person_id == person_id)
                                   .order_by(MembershipApplication.created_at.desc(),
                                             MembershipApplication.id.desc())).all()
            chosen = next((a for a in rows if a.status in OPEN_STATUSES), rows[0] if rows else None)
            return self._view(chosen) if chosen is not None else None

    def application(self, person_id: int, application_no: str) -> ApplicationView | None:
        """One of the person's applications by number; None if there is none or it is someone else's."""
        with self.database.session() as session:
            row = self._owned(session, person_id, application_no)
            return self._view(row) if row is not None else None

    def history(self, person_id: int, application_no: str) -> list[StatusChangeView]:
        """The steps of one of the person's applications, oldest first; [] if it is not theirs."""
        with self.database.session() as session:
            row = self._owned(session, person_id, application_no)
            return self._history(session, row.id) if row is not None else []

    def resubmit(self, person_id: int, application_no: str, fields: dict) -> ApplicationView:
        """Update an application staff sent back (need_info) and submit it again.

        Fields not given keep their current value. Raises ApplicationNotFound, InvalidDecision
        (not waiting for information), ValidationFailed or DuplicateApplication (the new ID
        number belongs to another open application or member).
        """
        content = self.content
        now = self.clock()
        with self.database.session() as session:
            row = self._owned(session, person_id, application_no)
            if row is None:
                raise ApplicationNotFound(application_no)
            if row.status != "need_info":
                raise InvalidDecision(self.replies.get("membership_not_waiting_for_information", number=application_no,
                                                       status=content.status_label(row.status)))
            merged = {**self._plain_fields(row), **{k: v for k, v in fields.items() if k in APPLICATION_FIELDS}}
        clean = validate(merged, today=self.today(), content=content, replies=self.replies)
        id_index = self.cipher.blind_index(clean["id_number"])
        try:
            with self.database.session() as session:
                others = select(func.count()).select_from(Member).where(
                    Member.id_index == id_index, Member.person_id != person_id)
                if session.scalar(others):
                    raise DuplicateApplication("", "approved", self.replies.get("membership_resubmitted_id_is_member"))
                changed = session.execute(
                    update(MembershipApplication)
                    .where(MembershipApplication.application_no == application_no,
                           MembershipApplication.person_id == person_id,
                           MembershipApplication.status == "need_info")
                    .values(status="submitted", updated_at=now, **self._stored_fields(clean, id_index)))
                if changed.rowcount != 1:
                    raise InvalidDecision(self.replies.get("membership_resubmitted_meanwhile", number=application_no))
                row = self._owned(session, person_id, application_no)
                session.refresh(row)
                session.add(MembershipStatusChange(application_id=row.id, from_status="need_info",
                                                   to_status="submitted", actor="worker", created_at=now))
                session.flush()
                view = self._view(row, content)
        except IntegrityError:
            raise DuplicateApplication("", "submitted",
                                       self.replies.get("membership_resubmitted_id_has_application")) from None
        log.info("membership application %s resubmitted", application_no)
        return view

    def withdraw(self, person_id: int, application_no: str) -> ApplicationView:
        """The worker takes back their open application."""
        now = self.clock()
        with self.database.session() as session:
            row = self._owned(session, person_id, application_no)
            if row is None:
                raise ApplicationNotFound(application_no)
            previous = row.status
            changed = session.execute(
                update(MembershipApplication)
                .where(MembershipApplication.id == row.id, MembershipApplication.status.in_(OPEN_STATUSES))
                .values(status="withdrawn", updated_at=now, decided_at=now))
            if changed.rowcount != 1:
                raise InvalidDecision(self.replies.get("membership_withdraw_too_late", number=application_no))
            session.refresh(row)
            session.add(MembershipStatusChange(application_id=row.id, from_status=previous, to_status="withdrawn",
                                               actor="worker", created_at=now))
            return self._view(row)

    def membership(self, person_id: int) -> MemberView | None:
        """The person's member card, or None when they are not a member."""
        with self.database.session() as session:
            member = session.scalar(select(Member).where(Member.person_id == person_id, Member.status == "active"))
            if member is None:
                return None
            return MemberView(member_no=member.member_no or "", name=member.name or "", city=member.city or "",
                              district=member.district or "", employer=member.employer or "",
                              no_fixed_employer=member.no_fixed_employer, industry=member.industry or "",
                              occupation=member.occupation or "", joined_at=member.joined_at,
                              perks=self.content.text("card_perks"))

    def is_member(self, person_id: int) -> bool:
        """Is the person an approved member?"""
        with self.database.session() as session:
            return session.scalar(select(func.count()).select_from(Member).where(
                Member.person_id == person_id, Member.status == "active")) > 0

    def member_city(self, person_id: int) -> str | None:
        """The member's city (杭州市), or None when they are not a member."""
        with self.database.session() as session:
            return session.scalar(select(Member.city).where(Member.person_id == person_id,
                                                            Member.status == "active"))

    # -- staff side

    def pending(self, offset: int = 0, limit: int = 50) -> list[ApplicationView]:
        """Applications waiting for a staff decision, oldest first (masked)."""
        return self.applications(status="submitted", offset=offset, limit=limit)

    def applications(self, status: str | None = None, offset: int = 0, limit: int = 50) -> list[ApplicationView]:
        """Applications in any status (or one), oldest first (masked)."""
        query = select(MembershipApplication).where(MembershipApplication.erased_at.is_(None))
        if status:
            query = query.where(MembershipApplication.status == status)
        query = query.order_by(MembershipApplication.created_at, MembershipApplication.id).offset(offset).limit(limit)
        content = self.content
        with self.database.session() as session:
            return [self._view(row, content) for row in session.scalars(query)]

    def staff_application(self, application_no: str) -> tuple[ApplicationView, list[StatusChangeView]] | None:
        """An application and its history by number, for staff (masked)."""
        with self.database.session() as session:
            row = session.scalar(select(MembershipApplication)
                                 .where(MembershipApplication.application_no == application_no))
            if row is None:
                return None
            return self._view(row), self._history(session, row.id)

    def members(self, city: str | None = None, offset: int = 0, limit: int = 50) -> list[dict]:
        """Active members for staff lists: member number, masked name, place, joined date."""
        query = select(Member).where(Member.status == "active")
        if city:
            found = self.content.regions.city(city)
            query = query.where(Member.city == (found.name if found else city))
        query = query.order_by(Member.joined_at, Member.id).offset(offset).limit(limit)
        with self.database.session() as session:
            return [{"member_no": m.member_no, "name": mask_name(m.name), "city": m.city, "district": m.district,
                     "industry": m.industry, "joined_at": m.joined_at} for m in session.scalars(query)]

    def review(self, application_no: str, decision: str, reason: str | None = None,
               reviewer: str = "staff", notify: bool = True) -> ApplicationView:
        """Approve, reject or ask for more information; record it and notify the worker.

        Raises ApplicationNotFound, or InvalidDecision (unknown decision, missing reason, or a
        state that does not allow it, e.g. approving twice). notify=False is for demo data only.
        """
        decision = decision.strip().lower().replace("-", "_")
        decision = {"approved": "approve", "rejected": "reject", "needinfo": "need_info"}.get(decision, decision)
        if decision not in DECISIONS:
            raise InvalidDecision(self.replies.get("membership_review_unknown_decision", decision=repr(decision)))
        reason = (reason or "").strip() or None
        if decision in ("reject", "need_info") and not reason:
            raise InvalidDecision(self.replies.get("membership_review_reason_required"))
        content = self.content
        now = self.clock()
        new_status = DECISIONS[decision]
        try:
            with self.database.session() as session:
                row = session.scalar(select(MembershipApplication)
                                     .where(MembershipApplication.application_no == application_no)
                                     .with_for_update())
                if row is None:
                    raise ApplicationNotFound(application_no)
                previous = row.status
                if previous not in DECIDABLE_FROM[decision]:
                    raise InvalidDecision(self.replies.get(
                        "membership_review_not_allowed", number=application_no,
                        status=content.status_label(previous), new_status=content.status_label(new_status)))
                # Guarded by the status read above: a concurrent reviewer's change makes this match nothing.
                changed = session.execute(
                    update(MembershipApplication)
                    .where(MembershipApplication.id == row.id, MembershipApplication.status == previous)
                    .values(status=new_status, reason=reason, reviewer=reviewer, updated_at=now,
                            decided_at=now if decision != "need_info" else None))
                if changed.rowcount != 1:
                    raise InvalidDecision(self.replies.get("membership_review_taken", number=application_no))
                session.refresh(row)
                if decision == "approve":
                    member = Member(person_id=row.person_id, application_id=row.id, status="active", name=row.name,
                                    id_index=row.id_index, employer=row.employer,
                                    no_fixed_employer=row.no_fixed_employer, city=row.city, district=row.district,
                                    industry=row.industry, occupation=row.occupation, joined_at=now)
                    session.add(member)
                    session.flush()
                    city = content.regions.city(row.city or "")
                    member.member_no = f"ZJ{city.code if city else '3300'}{member.id:08d}"
                    row.member_no = member.member_no
                change = MembershipStatusChange(application_id=row.id, from_status=previous, to_status=new_status,
                                                reason=reason, actor=reviewer, created_at=now)
                session.add(change)
                session.flush()
                view = self._view(row, content)
                person_id, change_id = row.person_id, change.id
        except IntegrityError:
            raise InvalidDecision(self.replies.get("membership_review_already_member", number=application_no)) from None
        log.info("membership application %s: %s -> %s by %s", application_no, previous, new_status, reviewer)
        if person_id is not None and notify:
            channel = self._notify(person_id, view, content)
            with self.database.session() as session:
                session.execute(update(MembershipStatusChange).where(MembershipStatusChange.id == change_id)
                                .values(notified_via=channel))
        return view

    def delete_personal_data(self, person_id: int) -> None:
        """PIPL erasure: remove name, phone, ID and employer from the person's applications and member record.

        Anonymised rows stay (city, industry, dates, statuses) so the union's counts remain right;
        open applications are withdrawn, membership ends, and the chat forgets any form in progress.
        """
        now = self.clock()
        with self.database.session() as session:
            rows = session.scalars(select(MembershipApplication)
                                   .where(MembershipApplication.person_id == person_id)).all()
            for row in rows:
                previous = row.status
                if row.status in OPEN_STATUSES:
                    row.status = "withdrawn"
                row.name = row.phone_encrypted = row.id_encrypted = row.id_index = row.employer = None
                row.reason = None
                row.person_id = None
                row.erased_at = row.updated_at = now
                session.execute(update(MembershipStatusChange)
                                .where(MembershipStatusChange.application_id == row.id)
                                .values(reason=None))
                session.add(MembershipStatusChange(application_id=row.id, from_status=previous, to_status="erased",
                                                   actor="system", created_at=now))
            member = session.scalar(select(Member).where(Member.person_id == person_id))
            if member is not None:
                member.status = "erased"
                member.person_id = member.name = member.id_index = member.member_no = member.employer = None
                member.erased_at = now
        openid = self.people.openid(person_id)
        if openid:
            self.conversations.clear(openid)  # a half-filled form may hold the numbers too
        log.info("personal data erased for person %s: %d applications, member record %s",
                 person_id, len(rows), "yes" if member is not None else "no")

    # -- helpers

    def _refuse_duplicates(self, session, person_id: int, id_index: str) -> None:
        content = self.content
        member = session.scalar(select(Member).where(Member.person_id == person_id, Member.status == "active"))
        if member is not None:
            number = session.scalar(select(MembershipApplication.application_no)
                                    .where(MembershipApplication.id == member.application_id)) or ""
            raise DuplicateApplication(number, "approved",
                                       self.replies.get("membership_duplicate_member", member_no=member.member_no))
        own = session.scalar(select(MembershipApplication).where(
            MembershipApplication.person_id == person_id, MembershipApplication.status.in_(OPEN_STATUSES)))
        if own is not None:
            raise DuplicateApplication(own.application_no, own.status, self.replies.get(
                "membership_duplicate_application", number=own.application_no, status=content.status_label(own.status)))
        if session.scalar(select(func.count()).select_from(Member).where(Member.id_index == id_index)):
            raise DuplicateApplication("", "approved", self.replies.get("membership_duplicate_id_is_member"))
        if session.scalar(select(func.count()).select_from(MembershipApplication).where(
                MembershipApplication.id_index == id_index, MembershipApplication.status.in_(OPEN_STATUSES))):
            raise DuplicateApplication("", "submitted", self.replies.get("membership_duplicate_id_has_application"))

    def _stored_fields(self, clean: dict, id_index: str) -> dict:
        return {"name": clean["name"], "phone_encrypted": self.cipher.encrypt(clean["phone"]),
                "id_encrypted": self.cipher.encrypt(clean["id_number"]), "id_index": id_index,
                "employer": clean["employer"] or None, "no_fixed_employer": bool(clean["no_fixed_employer"]),
                "city": clean["city"], "district": clean["district"], "industry": clean["industry"],
                "occupation": clean["occupation"]}

    def _plain_fields(self, row: MembershipApplication) -> dict:
        """The application's fields as the worker typed them (decrypted), e.g. to prefill a correction."""
        return {"name": row.name, "phone": self.cipher.decrypt(row.phone_encrypted) if row.phone_encrypted else "",
                "id_number": self.cipher.decrypt(row.id_encrypted) if row.id_encrypted else "",
                "employer": row.employer or "", "no_fixed_employer": row.no_fixed_employer, "city": row.city,
                "district": row.district, "industry": row.industry, "occupation": row.occupation}

    def own_fields(self, person_id: int, application_no: str) -> dict | None:
        """The worker's own answers of one of their applications, decrypted (to correct them), or None."""
        with self.database.session() as session:
            row = self._owned(session, person_id, application_no)
            return self._plain_fields(row) if row is not None else None

    @staticmethod
    def _owned(session, person_id: int, application_no: str) -> MembershipApplication | None:
        number = str(application_no or "").strip().upper()
        if not number or not number.isprintable():  # PostgreSQL refuses NUL in a query; no number holds one
            return None
        return session.scalar(select(MembershipApplication).where(
            MembershipApplication.application_no == number, MembershipApplication.person_id == person_id))

    def _history(self, session, application_id: int) -> list[StatusChangeView]:
        content = self.content
        rows = session.scalars(select(MembershipStatusChange)
                               .where(MembershipStatusChange.application_id == application_id)
                               .order_by(MembershipStatusChange.created_at, MembershipStatusChange.id))
        return [StatusChangeView(r.from_status, r.to_status, content.status_label(r.to_status), r.reason, r.actor,
                                 r.notified_via, r.created_at) for r in rows]

    def _view(self, row: MembershipApplication, content: MembershipContent | None = None) -> ApplicationView:
        content = content or self.content
        phone = self.cipher.decrypt(row.phone_encrypted) if row.phone_encrypted else ""
        id_number = self.cipher.decrypt(row.id_encrypted) if row.id_encrypted else ""
        return ApplicationView(
            application_no=row.application_no, status=row.status, status_label=content.status_label(row.status),
            name=mask_name(row.name), phone=mask_phone(phone), id_number=mask_id_number(id_number),
            employer=row.employer or "", no_fixed_employer=row.no_fixed_employer, city=row.city or "",
            district=row.district or "", industry=row.industry or "", occupation=row.occupation or "",
            channel=row.channel, reason=row.reason, member_no=row.member_no, created_at=row.created_at,
            updated_at=row.updated_at, decided_at=row.decided_at)

    def _notify(self, person_id: int, view: ApplicationView, content: MembershipContent) -> str:
        replies = self.replies
        if view.status == "approved":
            text = replies.get("membership_notice_approved", number=view.application_no, member_no=view.member_no)
            remark = replies.get("membership_notice_approved_remark")
        elif view.status == "rejected":
            text = replies.get("membership_notice_rejected", number=view.application_no, reason=view.reason)
            remark = replies.get("membership_notice_rejected_remark")
        else:
            text = replies.get("membership_notice_need_info", number=view.application_no, reason=view.reason)
            remark = replies.get("membership_notice_need_info_remark")
        data = {"first": replies.get("membership_notice_first"), "keyword1": view.application_no,
                "keyword2": view.status_label, "keyword3": f"{view.updated_at:%Y-%m-%d %H:%M}", "remark": remark}
        return self.notifier.send(person_id, text, self.template_id, data)

    def member_openids(self, city: str | None = None, industry: str | None = None) -> Iterator[str]:
        """Stream the service-account openids of active members (push audiences), optionally of a city or industry."""
        content = self.content
        found = content.regions.city(city) if city else None
        return member_openids(self.database, city=(found.name if found else city) if city else None,
                              industry=(content.industry(industry) or industry) if industry else None)
