"""A worker's personal data as a whole (PIPL): what is held about them, erasure on request, retention.

Every front door (the chat, the mini-program API, the CLI, the console) erases through
PersonalData.erase, so nothing is forgotten by one door and kept by another. Erasure removes or
anonymises every record of the person and keeps what the union's figures need (intent, kind,
department, dates, city, industry): a count by intent and day stays possible, the person does not.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import delete, func, or_, select, update

from bot.security import mask_name, mask_phone
from bot.services.actor import Actor, as_actor
from bot.services.people import MINIPROGRAM, OFFICIAL
from bot.storage.models import (Activity, ActivityRating, ActivitySignUp, AudienceListMember, AuditEntry, DeliveryReport, Delivery, Follower, Identity, MessageLog,
                                MiniprogramSession, MiniprogramUpload, PendingLateReply, Person, SubscribeConsent, Ticket)

log = logging.getLogger(__name__)

ERASE_ACTION = "person.erase"


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept (settings retention.*)."""

    message_text_days: int
    closed_ticket_days: int
    abandoned_form_hours: int

    @classmethod
    def from_config(cls, config) -> "Retention":
        """The retention settings of a Config."""
        return cls(int(config.retention_message_text_days), int(config.retention_closed_ticket_days),
                   int(config.retention_abandoned_form_hours))


@dataclass
class Erasure:
    """What one erasure did, in counts (the audit record's detail; never a value of the person)."""

    person_id: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class HeldData:
    """What the service holds about a person, every personal value masked ("我的信息")."""

    channels: list[str]
    phone: str
    application: dict | None
    member: dict | None
    tickets: list[dict]
    sign_ups: list[dict]
    subscribe_consents: list[dict]
    messages: int
    retention: Retention

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, times as stored (UTC)."""
        return {"channels": list(self.channels), "phone": self.phone or None, "application": self.application,
                "member": self.member, "tickets": list(self.tickets), "sign_ups": list(self.sign_ups),
                "subscribe_consents": list(self.subscribe_consents), "messages": self.messages,
                "retention": {"message_text_days": self.retention.message_text_days,
                              "closed_ticket_days": self.retention.closed_ticket_days,
                              "abandoned_form_hours": self.retention.abandoned_form_hours}}


class PersonalData:
    """Find, show, erase and expire a worker's personal data across every table and the store."""

    def __init__(self, database, clock: Callable[[], datetime], *, people, membership, tickets, activities,
                 conversations, uploads_dir: Path, retention: Retention, activity_ratings=None):
        self.database = database
        self.clock = clock
        self.people = people
        self.membership = membership
        self.tickets = tickets
        self.activities = activities
        self.activity_ratings = activity_ratings  # answers about activities attended (bot/services/satisfaction.py)
        self.conversations = conversations
        self.uploads_dir = Path(uploads_dir)
        self.retention = retention

    # ---- who -------------------------------------------------------------------------------

    def person_of(self, openid: str) -> int | None:
        """The person behind an openid of either channel, or None (nobody is created)."""
        with self.database.session() as session:
            person_id = session.scalar(select(Identity.person_id).where(Identity.openid == (openid or "").strip()))
        return self._final(person_id) if person_id is not None else None

    def _final(self, person_id: int) -> int:
        with self.database.session() as session:
            person = session.get(Person, person_id)
            while person is not None and person.merged_into is not None:
                person = session.get(Person, person.merged_into)
            return person.id if person is not None else person_id

    def _all_ids(self, session, person_id: int) -> list[int]:
        """The person and every record merged into them (merges leave the older ids behind)."""
        ids, frontier = {person_id}, [person_id]
        while frontier:
            found = set(session.scalars(select(Person.id).where(Person.merged_into.in_(frontier)))) - ids
            ids |= found
            frontier = list(found)
        return sorted(ids)

    # ---- what is held ----------------------------------------------------------------------

    def held(self, person_id: int) -> HeldData:
        """Everything held about the person, masked, with consent times and notice versions."""
        person_id = self._final(person_id)
        with self.database.session() as session:
            ids = self._all_ids(session, person_id)
            identities = session.execute(select(Identity.channel, Identity.openid)
                                         .where(Identity.person_id.in_(ids))).all()
            openids = [openid for _channel, openid in identities]
            tickets = session.scalars(select(Ticket).where(Ticket.person_id.in_(ids))
                                      .order_by(Ticket.created_at.desc())).all()
            ticket_rows = [{"number": t.number, "kind": t.kind, "kind_name": self.tickets.kind_name(t.kind),
                            "status": t.status, "created_at": t.created_at, "employer": t.employer,
                            "contact_phone": t.contact_phone_masked, "consent_at": t.consent_at,
                            "consent_version": t.consent_version} for t in tickets]
            sign_ups = session.execute(select(Activity.title, ActivitySignUp.status, ActivitySignUp.created_at,
                                              ActivitySignUp.attended_at, ActivityRating.score, ActivityRating.comment)
                                       .join(Activity, Activity.id == ActivitySignUp.activity_id)
                                       .outerjoin(ActivityRating, (ActivityRating.activity_id == ActivitySignUp.activity_id)
                                                  & (ActivityRating.person_id == ActivitySignUp.person_id))
                                       .where(ActivitySignUp.person_id.in_(ids))
                                       .order_by(ActivitySignUp.created_at.desc())).all()
            consents = session.scalars(select(SubscribeConsent).where(SubscribeConsent.openid.in_(openids))).all()
            messages = session.scalar(select(func.count()).select_from(MessageLog).where(
                MessageLog.openid.in_(openids), MessageLog.direction == "in")) if openids else 0
        application = self.membership.current_application(person_id)
        card = self.membership.membership(person_id)
        application_row = None
        if application is not None:
            application_row = application.to_dict()
            consent = self._application_consent(application.application_no)
            application_row.update(consent)
        channel_names = {OFFICIAL: "official", MINIPROGRAM: "miniprogram"}
        return HeldData(
            channels=sorted({channel_names.get(c, c) for c, _ in identities}),
            phone=mask_phone(self.people.phone(person_id)),
            application=application_row, member={**card.to_dict(), "name": mask_name(card.name)} if card else None,
            tickets=ticket_rows,
            sign_ups=[{"activity": title, "status": status, "created_at": at, "attended_at": attended,
                       "satisfaction": score, "satisfaction_comment": comment}
                      for title, status, at, attended, score, comment in sign_ups],
            subscribe_consents=[{"template_id": c.template_id, "status": c.last_status, "updated_at": c.updated_at}
                                for c in consents],
            messages=int(messages), retention=self.retention)

    def _application_consent(self, application_no: str) -> dict:
        from bot.storage.models import MembershipApplication

        with self.database.session() as session:
            row = session.execute(select(MembershipApplication.consent_at, MembershipApplication.consent_version)
                                  .where(MembershipApplication.application_no == application_no)).first()
        return {"consent_at": row.consent_at, "consent_version": row.consent_version} if row else {}

    # ---- erasure ---------------------------------------------------------------------------

    def erase(self, person_id: int, actor: Actor | str) -> Erasure:
        """Remove or anonymise everything about the person, everywhere; keep anonymous figures; audit it."""
        person_id = self._final(person_id)
        now = self.clock()
        with self.database.session() as session:
            ids = self._all_ids(session, person_id)
            openids = list(session.scalars(select(Identity.openid).where(Identity.person_id.in_(ids))))
        result = Erasure(person_id)
        counts = result.counts
        # The domain services erase their own records first (they know their rules: open applications
        # are withdrawn, tickets closed), then what remains is anonymised here table by table.
        for pid in ids:
            self.membership.delete_personal_data(pid)
            counts["tickets"] = counts.get("tickets", 0) + self.tickets.delete_personal_data(pid)
            if self.activity_ratings is not None:
                counts["activity_ratings"] = (counts.get("activity_ratings", 0)
                                              + self.activity_ratings.delete_personal_data(pid))
        counts["sign_ups_cancelled"] = self._cancel_sign_ups(ids, now)
        for openid in openids:
            self.conversations.clear(openid)  # a half-filled form holds numbers too
        pseudonym = "erased:" + secrets.token_hex(8)  # the person's rows stay countable, not identifiable
        with self.database.session() as session:
            uploads = session.scalars(select(MiniprogramUpload).where(MiniprogramUpload.person_id.in_(ids))).all()
            for upload in uploads:
                (self.uploads_dir / upload.stored_name).unlink(missing_ok=True)
                session.delete(upload)
            counts["uploads"] = len(uploads)
            # Sign-ins are ended, not deleted: a revoked row is what refresh (and durable revocation) refuses.
            counts["sign_ins"] = session.execute(
                update(MiniprogramSession).where(MiniprogramSession.person_id.in_(ids))
                .values(openid=pseudonym, session_key_encrypted="", revoked_at=func.coalesce(
                    MiniprogramSession.revoked_at, now), revoked_reason="erased")).rowcount
            if openids:
                counts["messages"] = session.execute(
                    update(MessageLog).where(MessageLog.openid.in_(openids))
                    .values(openid=pseudonym, text=None, reply_payload=None, dedup_key=None)).rowcount
                session.execute(update(Delivery).where(Delivery.openid.in_(openids)).values(openid=pseudonym))
                session.execute(update(DeliveryReport).where(DeliveryReport.openid.in_(openids)).values(openid=None))
                counts["subscribe_consents"] = session.execute(
                    delete(SubscribeConsent).where(SubscribeConsent.openid.in_(openids))).rowcount
                session.execute(delete(Follower).where(Follower.openid.in_(openids)))
                session.execute(delete(PendingLateReply).where(PendingLateReply.openid.in_(openids)))
                counts["audience_lists"] = session.execute(
                    delete(AudienceListMember).where(AudienceListMember.openid.in_(openids))).rowcount
            counts["identities"] = session.execute(delete(Identity).where(Identity.person_id.in_(ids))).rowcount
            # The person rows stay as empty shells: past sign-ups keep activity figures right, their
            # attendance included (a time and a staff account, nothing about the person). A check-in
            # on a sign-up just given back is dropped: it was not an attendance.
            session.execute(update(ActivitySignUp).where(ActivitySignUp.person_id.in_(ids),
                                                         ActivitySignUp.status == "cancelled")
                            .values(attended_at=None, checked_in_by=None))
            session.execute(update(Person).where(Person.id.in_(ids))
                            .values(unionid=None, phone_index=None, phone_encrypted=None))
        counts = {k: int(v or 0) for k, v in counts.items()}
        result.counts = counts
        with self.database.session() as session:  # the console's audit log: one place to read who erased whom
            who = as_actor(actor)
            session.add(AuditEntry(at=now, actor=who.name, role=who.role, action=ERASE_ACTION,
                                   target=f"person:{person_id}", detail=counts, ip=who.ip))
        log.info("personal data of person %s erased by %s: %s", person_id, actor, counts)
        return result

    def _cancel_sign_ups(self, ids: list[int], now: datetime) -> int:
        """Give back the places of activities still to come (the waiting list moves up)."""
        with self.database.session() as session:
            live = session.execute(select(ActivitySignUp.person_id, ActivitySignUp.activity_id)
                                   .join(Activity, Activity.id == ActivitySignUp.activity_id)
                                   .where(ActivitySignUp.person_id.in_(ids), ActivitySignUp.status != "cancelled",
                                          Activity.starts_at > now)).all()
        cancelled = 0
        for person_id, activity_id in live:
            try:
                self.activities.cancel(person_id, activity_id)
                cancelled += 1
            except Exception:  # an activity starting this instant: its sign-up stays, anonymous
                log.warning("sign-up of person %s to activity %s not cancelled during erasure",
                            person_id, activity_id, exc_info=True)
        return cancelled

    # ---- retention -------------------------------------------------------------------------

    def enforce_retention(self) -> dict[str, int]:
        """Remove message text, rating sentences, closed tickets' personal data and old abandoned forms."""
        now = self.clock()
        policy = self.retention
        with self.database.session() as session:
            messages = session.execute(
                update(MessageLog).where(MessageLog.created_at < now - timedelta(days=policy.message_text_days),
                                         or_(MessageLog.text.is_not(None), MessageLog.reply_payload.is_not(None)))
                .values(text=None, reply_payload=None)).rowcount
        tickets = 0
        while (erased := self.tickets.erase_closed_before(now - timedelta(days=policy.closed_ticket_days))):
            tickets += erased
        idle_before = now.replace(tzinfo=timezone.utc).timestamp() - policy.abandoned_form_hours * 3600
        forms = self.conversations.forget_idle_forms(idle_before)
        counts = {"message_texts": int(messages or 0), "tickets": tickets, "forms": forms}
        if self.activity_ratings is not None:  # a worker's sentence about an activity is kept like their messages
            counts["rating_comments"] = self.activity_ratings.forget_comments_before(
                now - timedelta(days=policy.message_text_days))
        if any(counts.values()):
            log.info("retention applied: %s", counts)
        return counts
