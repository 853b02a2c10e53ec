"""WeChat notices to staff: binding a console account to the staff member's WeChat, and what is sent to it.

Binding: an administrator issues a one-time code for an account on the 账号 page (shown once, valid
24 hours, stored only as its hash); the staff member sends "绑定 12345678" to the service account from
their own WeChat. Union IT expects this rather than typing an openid: an openid is an opaque string
nobody can read off a phone, and only the code proves that the WeChat sending it belongs to the
person the administrator gave it to. A follower guessing codes is stopped after a few tries.

Notices, by template message through the one WeChat client: a new request in the staff member's
queue (new, transferred to them, or reopened after an unsatisfied rating), a request past its
deadline, and a daily digest of open and overdue counts. Each notice is claimed in staff_notices
under a unique (account, kind, key) before it is sent, so a job that runs twice (or two schedulers)
sends it once. Quotas: at most staff_notices.per_person_per_day per person (the digest always goes),
and the shared push.template_sends_per_day with the day's template campaigns.
No Flask here: the scheduler's jobs and the chat use it.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.console.accounts import Staff, _staff
from bot.console.policy import may_open, may_see_ticket
from bot.console.queries import _cities_of_people, ticket_city
from bot.push import campaigns
from bot.security import mask_openid
from bot.storage.models import Campaign, StaffAccount, StaffNotice, Ticket
from bot.wechat.client import RateLimited, WeChatError

log = logging.getLogger(__name__)

CODE_DIGITS = 8
CODE_VALID = timedelta(hours=24)
MAX_FAILED_BINDS = 5  # per follower and hour: 10^8 codes cannot be guessed at this pace
EVENT_WINDOW = timedelta(hours=24)  # a ticket that became new or overdue longer ago is the digest's business
SENT, FAILED, QUOTA, CLAIMED = "sent", "failed", "quota", "claimed"


@dataclass(frozen=True)
class Bound:
    """The account a WeChat was bound to."""

    username: str


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class StaffNotices:
    """Binds staff WeChat accounts and sends them their queue's news (built with what it uses)."""

    def __init__(self, database, wechat, store, clock: Callable[[], datetime], replies, ticket_kind_name,
                 enabled: bool, template_id: str, per_person_per_day: int, template_sends_per_day: int):
        self.database = database
        self.wechat = wechat
        self.store = store  # counts failed bind attempts
        self.clock = clock
        self.replies = replies
        self.ticket_kind_name = ticket_kind_name
        self.enabled = enabled
        self.template_id = template_id
        self.per_person_per_day = per_person_per_day
        self.template_sends_per_day = template_sends_per_day

    # ---- binding -------------------------------------------------------------------------------------

    def issue_code(self, username: str) -> str:
        """A new one-time code for the account (the previous one stops working); LookupError if no account."""
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        with self.database.session() as session:
            changed = session.execute(update(StaffAccount).where(StaffAccount.username == username).values(
                bind_code_hash=_code_hash(code), bind_code_expires_at=self.clock() + CODE_VALID)).rowcount
        if not changed:
            raise LookupError(username)
        return code

    def bind(self, code: str, openid: str) -> Bound | None:
        """Bind the WeChat that sent a valid code to its account; None if the code is wrong, used or expired."""
        key = f"staff-bind-failures:{openid}"
        try:
            if int(self.store.get(key) or 0) >= MAX_FAILED_BINDS:
                return None
        except Exception:  # the store is down: refuse rather than allow unlimited guesses
            log.warning("bind refused for %s: store unavailable", mask_openid(openid))
            return None
        now = self.clock()
        with self.database.session() as session:
            row = session.scalar(select(StaffAccount).where(StaffAccount.bind_code_hash == _code_hash(code.strip())))
            if row is None or row.bind_code_expires_at is None or row.bind_code_expires_at < now or not row.active:
                row = None
            else:
                # One WeChat, one account: a staff member who had bound another account moves here.
                session.execute(update(StaffAccount).where(StaffAccount.wechat_openid == openid,
                                                           StaffAccount.id != row.id).values(wechat_openid=None))
                row.wechat_openid, row.bind_code_hash, row.bind_code_expires_at = openid, None, None
                username = row.username
        if row is None:
            try:
                self.store.incr(key, ttl=3600)
            except Exception:
                log.warning("failed bind of %s not counted: store unavailable", mask_openid(openid))
            return None
        log.info("staff account %s bound to WeChat %s", username, mask_openid(openid))
        return Bound(username)

    def unbind(self, username: str) -> bool:
        """Forget the account's WeChat; False if it had none."""
        with self.database.session() as session:
            return bool(session.execute(update(StaffAccount).where(
                StaffAccount.username == username, StaffAccount.wechat_openid.is_not(None)).values(
                wechat_openid=None)).rowcount)

    def set_notices(self, username: str, on: bool) -> None:
        """Turn the account's notices on or off."""
        with self.database.session() as session:
            session.execute(update(StaffAccount).where(StaffAccount.username == username).values(notices=bool(on)))

    def openid_of(self, username: str) -> str | None:
        """The WeChat openid bound to the account, None when it has none (a test send to oneself)."""
        with self.database.session() as session:
            return session.scalar(select(StaffAccount.wechat_openid).where(StaffAccount.username == username))

    def bound_usernames(self) -> dict[str, bool]:
        """Username -> notices on, for every account with a bound WeChat (the accounts page)."""
        with self.database.session() as session:
            return dict(session.execute(select(StaffAccount.username, StaffAccount.notices)
                                        .where(StaffAccount.wechat_openid.is_not(None))).all())

    # ---- notices -------------------------------------------------------------------------------------

    def send_ticket_notices(self) -> int:
        """Tell each bound member of staff of tickets new, handed over, reopened or overdue in their queue."""
        if not self._sending():
            return 0
        now = self.clock()
        since = now - EVENT_WINDOW
        sent = 0
        recipients = self._recipients()
        if not recipients:
            return 0
        with self.database.session() as session:
            tickets = session.scalars(select(Ticket).where(Ticket.status == "open", Ticket.erased_at.is_(None), (
                (Ticket.created_at > since) | (Ticket.transferred_at > since) | (Ticket.reopened_at > since)
                | ((Ticket.due_at > since) & (Ticket.due_at <= now))))).all()
            cities = _cities_of_people(session, {t.person_id for t in tickets if t.person_id and not t.anonymous})
            events = []
            for ticket in tickets:
                where = ticket_city(ticket, cities)
                facts = (ticket.kind, ticket.anonymous, ticket.department, where)
                if ticket.reopened_at and ticket.reopened_at > since:
                    events.append((facts, "reopen", f"{ticket.number}@{ticket.reopened_at:%Y%m%d%H%M%S}", ticket))
                elif ticket.transferred_at and ticket.transferred_at > since:
                    events.append((facts, "transfer", f"{ticket.number}@{ticket.transferred_at:%Y%m%d%H%M%S}",
                                   ticket))
                elif ticket.created_at > since:
                    events.append((facts, "new", ticket.number, ticket))
                if since < ticket.due_at <= now:
                    events.append((facts, "overdue", f"{ticket.number}@{ticket.due_at:%Y%m%d}", ticket))
            events = [(facts, kind, key, self._ticket_data(kind, t)) for facts, kind, key, t in events]
        for account, openid in recipients:
            for facts, kind, key, data in events:
                if may_see_ticket(account, *facts) and self._deliver(account, openid, kind, key, data, capped=True):
                    sent += 1
        return sent

    def send_digest(self) -> int:
        """Once a day (China date as the key), each bound member of staff gets their open and overdue counts."""
        if not self._sending():
            return 0
        now = self.clock()
        day = campaigns.to_local(now).date().isoformat()
        recipients = self._recipients()
        if not recipients:
            return 0
        with self.database.session() as session:
            tickets = session.scalars(select(Ticket).where(Ticket.status == "open", Ticket.erased_at.is_(None))).all()
            cities = _cities_of_people(session, {t.person_id for t in tickets if t.person_id and not t.anonymous})
            facts = [((t.kind, t.anonymous, t.department, ticket_city(t, cities)), t.due_at < now) for t in tickets]
        sent = 0
        for account, openid in recipients:
            mine = [overdue for f, overdue in facts if may_see_ticket(account, *f)]
            if not mine:
                continue  # nothing waiting: no message
            data = {"first": self.replies.get("staff_notice_digest_first"),
                    "keyword1": self.replies.get("staff_notice_digest_what"),
                    "keyword2": self.replies.get("staff_notice_digest_counts", open=len(mine), overdue=sum(mine)),
                    "keyword3": day, "remark": self.replies.get("staff_notice_remark")}
            if self._deliver(account, openid, "digest", day, data, capped=False):
                sent += 1
        return sent

    def _sending(self) -> bool:
        if not self.enabled or not self.template_id:
            return False
        return True

    def _recipients(self) -> list[tuple[Staff, str]]:
        """Active accounts with a bound WeChat, notices on, whose role has a ticket queue."""
        with self.database.session() as session:
            rows = session.scalars(select(StaffAccount).where(
                StaffAccount.active.is_(True), StaffAccount.notices.is_(True),
                StaffAccount.wechat_openid.is_not(None)).order_by(StaffAccount.id)).all()
            found = [(_staff(row), row.wechat_openid) for row in rows]
        return [(account, openid) for account, openid in found if may_open(account, "tickets")]

    def _ticket_data(self, kind: str, ticket: Ticket) -> dict:
        """The template's fields: never the worker's words or name, only what the ticket is and when it is due."""
        return {"first": self.replies.get(f"staff_notice_{kind}_first"),
                "keyword1": self.ticket_kind_name(ticket.kind),
                "keyword2": f"{ticket.number}（{ticket.city or ''}{ticket.department}）",
                "keyword3": campaigns.local_text(ticket.due_at),
                "remark": self.replies.get("staff_notice_remark")}

    def _deliver(self, account: Staff, openid: str, kind: str, key: str, data: dict, capped: bool) -> bool:
        """Claim the notice, check the quotas, send it; True when WeChat took it."""
        now = self.clock()
        try:
            with self.database.session() as session:
                session.add(StaffNotice(staff_id=account.id, kind=kind, key=key, delivery=CLAIMED, at=now))
                session.flush()
                notice_id = session.scalar(select(StaffNotice.id).where(
                    StaffNotice.staff_id == account.id, StaffNotice.kind == kind, StaffNotice.key == key))
        except IntegrityError:
            return False  # sent (or being sent) already: a second run of the job
        outcome = self._over_quota(account, capped) or self._send(openid, data, f"staff-{account.id}-{kind}-{key}")
        with self.database.session() as session:
            session.execute(update(StaffNotice).where(StaffNotice.id == notice_id).values(delivery=outcome))
        return outcome == SENT

    def _over_quota(self, account: Staff, capped: bool) -> str | None:
        """QUOTA when the person's daily notices or the account's template messages for today are used up."""
        now = self.clock()
        local = campaigns.to_local(now)
        day_start = campaigns.to_utc(local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None))
        day_end = day_start + timedelta(days=1)
        with self.database.session() as session:
            if capped:
                mine = session.scalar(select(func.count()).select_from(StaffNotice).where(
                    StaffNotice.staff_id == account.id, StaffNotice.kind != "digest", StaffNotice.delivery == SENT,
                    StaffNotice.at >= day_start)) or 0
                if mine >= self.per_person_per_day:
                    return QUOTA
            if self.template_sends_per_day:
                notices = session.scalar(select(func.count()).select_from(StaffNotice).where(
                    StaffNotice.delivery == SENT, StaffNotice.at >= day_start, StaffNotice.at < day_end)) or 0
                planned = session.scalar(select(func.coalesce(func.sum(Campaign.audience_size), 0)).where(
                    Campaign.channel == "template", Campaign.state.in_(campaigns.COUNTED_STATES),
                    Campaign.send_at >= day_start, Campaign.send_at < day_end)) or 0
                if notices + planned >= self.template_sends_per_day:
                    return QUOTA
        return None

    def _send(self, openid: str, data: dict, client_msg_id: str) -> str:
        try:
            self.wechat.send_template(openid, self.template_id, data, client_msg_id=client_msg_id)
            return SENT
        except RateLimited as exc:
            log.warning("staff notice to %s refused by WeChat's quota: %s", mask_openid(openid), exc)
            return QUOTA
        except WeChatError as exc:
            log.warning("staff notice to %s failed: %s", mask_openid(openid), exc)
        except Exception:
            log.exception("staff notice to %s failed", mask_openid(openid))
        return FAILED


def ticket_notices_job() -> None:
    """The scheduler's job: notices of new, handed-over, reopened and overdue tickets."""
    from bot.push.scheduler import active

    sent = active().runtime.staff_notices.send_ticket_notices()
    if sent:
        log.info("staff notices: %d sent", sent)


def daily_digest_job() -> None:
    """The scheduler's daily job: each member of staff's open and overdue counts."""
    from bot.push.scheduler import active

    log.info("staff digests: %d sent", active().runtime.staff_notices.send_digest())
