"""Read-only look-ups the console needs and the domain services do not offer (yet).

Business rules stay in bot/services: every change goes through a service method. These are
staff lists with filters, counts for the home page, and the decrypting reads behind the
audited "reveal" actions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select

from bot.console.accounts import Staff
from bot.console.policy import city_forms, may_see_anonymous_reports, may_see_ticket, ticket_kinds
from bot.security import mask_name, mask_phone
from bot.services.places import normalize_city
from bot.services.tickets import normalize_number
from bot.storage.models import (Activity, Campaign, Member, MembershipApplication, MiniprogramUpload, Ticket,
                                TicketReply)
from bot.storage.models.membership import OPEN_STATUSES

MAX_ROWS = 500
NEW_WITHIN = timedelta(hours=24)
DUE_SOON_WITHIN = timedelta(hours=24)


# ---- membership applications ---------------------------------------------------------------

def application_numbers(runtime, staff: Staff, status: str = "submitted", city: str | None = None,
                        district: str | None = None, limit: int = 100) -> list[str]:
    """Application numbers in the account's reach, oldest first, filtered by status, city and district."""
    query = select(MembershipApplication.application_no).where(MembershipApplication.erased_at.is_(None))
    if status:
        query = query.where(MembershipApplication.status == status)
    for limit_city in (staff.city, normalize_city(city) if city else None):
        if limit_city:
            query = query.where(MembershipApplication.city.in_(city_forms(limit_city)))
    if district:
        query = query.where(MembershipApplication.district == district.strip())
    query = query.order_by(MembershipApplication.created_at, MembershipApplication.id).limit(limit)
    with runtime.database.session() as session:
        return list(session.scalars(query))


def application_city(runtime, application_no: str) -> str | None:
    """The city of an application (for the account's city limit), or None if there is no such application."""
    with runtime.database.session() as session:
        return session.scalar(select(MembershipApplication.city)
                              .where(MembershipApplication.application_no == application_no))


def application_districts(runtime, staff: Staff) -> list[str]:
    """Districts with open applications in the account's reach (filter choices)."""
    query = select(MembershipApplication.district).where(MembershipApplication.status.in_(OPEN_STATUSES),
                                                         MembershipApplication.district.is_not(None))
    if staff.city:
        query = query.where(MembershipApplication.city.in_(city_forms(staff.city)))
    with runtime.database.session() as session:
        return sorted(set(session.scalars(query.distinct())))


def reveal_application(runtime, application_no: str) -> dict[str, str]:
    """The full phone and ID numbers of an application (for the audited reveal action only)."""
    with runtime.database.session() as session:
        row = session.scalar(select(MembershipApplication)
                             .where(MembershipApplication.application_no == application_no))
        if row is None:
            raise LookupError(application_no)
        cipher = runtime.cipher
        return {"name": row.name or "",
                "phone": cipher.decrypt(row.phone_encrypted) if row.phone_encrypted else "",
                "id_number": cipher.decrypt(row.id_encrypted) if row.id_encrypted else ""}


# ---- tickets -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TicketRow:
    """A ticket in a staff queue: contact number masked."""

    number: str
    kind: str
    kind_name: str
    status: str
    status_name: str
    department: str
    city: str | None
    anonymous: bool
    contact_phone: str
    created_at: datetime
    due_at: datetime
    replies: int
    overdue: bool
    due_soon: bool
    new: bool
    summary: str
    reopened: bool = False  # back in the queue after the worker was not satisfied


def _cities_of_people(session, person_ids: set[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    rows = session.execute(select(Member.person_id, Member.city).where(Member.person_id.in_(person_ids),
                                                                       Member.status == "active"))
    found = {pid: normalize_city(city) for pid, city in rows if city}
    missing = person_ids - set(found)
    if missing:  # not a member (yet): the city they gave on their latest application
        rows = session.execute(select(MembershipApplication.person_id, MembershipApplication.city)
                               .where(MembershipApplication.person_id.in_(missing))
                               .order_by(MembershipApplication.created_at))
        found.update({pid: normalize_city(city) for pid, city in rows if city})
    return found


def ticket_city(ticket: Ticket, people_cities: dict[int, str]) -> str | None:
    """Where a ticket belongs: the city it was transferred to, the city the worker gave in it (hardship aid),
    else the person's member city."""
    if ticket.city:
        return ticket.city
    given = normalize_city(str((ticket.details or {}).get("city") or ""))
    if given:
        return given
    if ticket.anonymous or ticket.person_id is None:
        return None
    return people_cities.get(ticket.person_id)


def _ticket_query(staff: Staff, kind: str | None, status: str | None, department: str | None):
    kinds = ticket_kinds(staff)
    query = select(Ticket).where(Ticket.kind.in_(kinds))
    if kind:
        query = query.where(Ticket.kind == kind)
    if status:
        query = query.where(Ticket.status == status)
    if not may_see_anonymous_reports(staff):
        query = query.where(or_(Ticket.kind != "report", Ticket.anonymous.is_(False)))
    if staff.department:
        query = query.where(Ticket.department == staff.department)
    if department:
        query = query.where(Ticket.department == department)
    return query


def staff_tickets(runtime, staff: Staff, kind: str | None = None, status: str | None = "open",
                  city: str | None = None, department: str | None = None, overdue_only: bool = False,
                  limit: int = 200) -> list[TicketRow]:
    """The tickets in the account's reach, overdue first, then by deadline."""
    now = runtime.clock()
    query = _ticket_query(staff, kind, status, department)
    if overdue_only:
        query = query.where(Ticket.status == "open", Ticket.due_at < now)
    wanted_city = normalize_city(city) if city else None
    with runtime.database.session() as session:
        rows = session.scalars(query.order_by(Ticket.due_at, Ticket.id).limit(MAX_ROWS)).all()
        cities = _cities_of_people(session, {t.person_id for t in rows if t.person_id and not t.anonymous})
        reply_counts = dict(session.execute(
            select(TicketReply.ticket_id, func.count()).where(TicketReply.ticket_id.in_([t.id for t in rows]))
            .group_by(TicketReply.ticket_id)).all()) if rows else {}
        result = []
        for ticket in rows:
            where = ticket_city(ticket, cities)
            if not may_see_ticket(staff, ticket.kind, ticket.anonymous, ticket.department, where):
                continue
            if wanted_city and where != wanted_city:
                continue
            is_open = ticket.status == "open"
            text = ticket.text or ""
            result.append(TicketRow(
                number=ticket.number, kind=ticket.kind, kind_name=runtime.tickets.kind_name(ticket.kind),
                status=ticket.status, status_name=runtime.tickets.status_name(ticket),
                department=ticket.department, city=where, anonymous=ticket.anonymous,
                contact_phone=ticket.contact_phone_masked or "", created_at=ticket.created_at,
                due_at=ticket.due_at, replies=int(reply_counts.get(ticket.id, 0)),
                overdue=is_open and ticket.due_at < now, due_soon=is_open and now <= ticket.due_at < now + DUE_SOON_WITHIN,
                new=is_open and not reply_counts.get(ticket.id) and ticket.created_at >= now - NEW_WITHIN,
                summary=("" if ticket.flagged else text[:60]),
                reopened=is_open and ticket.reopened_at is not None))
    result.sort(key=lambda r: (not r.overdue, r.due_at))
    return result[:limit]


def ticket_facts(runtime, number: str) -> dict | None:
    """Kind, anonymity, department and city of a ticket (for the permission check), or None."""
    canonical = normalize_number(number)
    if canonical is None:
        return None
    with runtime.database.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == canonical))
        if ticket is None:
            return None
        cities = _cities_of_people(session, {ticket.person_id} if ticket.person_id and not ticket.anonymous else set())
        return {"number": ticket.number, "kind": ticket.kind, "anonymous": ticket.anonymous,
                "department": ticket.department, "city": ticket_city(ticket, cities),
                "has_phone": bool(ticket.contact_phone_encrypted),
                "has_story_numbers": bool(ticket.text_numbers_encrypted)}


def ticket_departments(runtime, staff: Staff) -> list[str]:
    """The departments of the tickets in the account's reach (filter choices)."""
    with runtime.database.session() as session:
        query = _ticket_query(staff, None, None, None).with_only_columns(Ticket.department).distinct()
        return sorted(set(session.scalars(query)))


def reveal_ticket_phone(runtime, number: str) -> str:
    """The full contact phone of a ticket (for the audited reveal action only); '' when none was left."""
    with runtime.database.session() as session:
        encrypted = session.scalar(select(Ticket.contact_phone_encrypted).where(Ticket.number == number))
    return runtime.cipher.decrypt(encrypted) if encrypted else ""


def attachment_file(runtime, upload_id: str) -> tuple[Path, str] | None:
    """The stored image of a mini-program upload and its content type, or None."""
    with runtime.database.session() as session:
        row = session.scalar(select(MiniprogramUpload).where(MiniprogramUpload.public_id == upload_id))
    if row is None:
        return None
    path = Path(runtime.config.var_dir) / "uploads" / row.stored_name
    return (path, row.content_type) if path.is_file() else None


# ---- activities ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Participant:
    """One line of an activity's sign-up list, in full (organisers only; viewing it is audited)."""

    person_id: int
    name: str
    phone: str
    status: str
    position: int | None
    signed_up_at: datetime
    companions: int = 0  # people who come with them; each takes a seat

    @property
    def seats(self) -> int:
        """The party's size: the person and their companions."""
        return 1 + self.companions


def participants(runtime, activity_id: int, masked: bool = False) -> list[Participant]:
    """Who signed up (confirmed, then waiting in order), with the names and phones members gave us."""
    sign_ups = runtime.activities.sign_ups(activity_id)
    person_ids = {pid for pid, _view in sign_ups}
    names: dict[int, str] = {}
    phones: dict[int, str] = {}
    if person_ids:
        with runtime.database.session() as session:
            for pid, name in session.execute(select(Member.person_id, Member.name)
                                              .where(Member.person_id.in_(person_ids), Member.status == "active")):
                names[pid] = name or ""
            rows = session.execute(select(MembershipApplication.person_id, MembershipApplication.name,
                                          MembershipApplication.phone_encrypted)
                                   .where(MembershipApplication.person_id.in_(person_ids))
                                   .order_by(MembershipApplication.created_at)).all()
        for pid, name, phone_encrypted in rows:  # the latest application wins
            if name and pid not in names:
                names[pid] = name
            if phone_encrypted:
                phones[pid] = runtime.cipher.decrypt(phone_encrypted)
    result = []
    for pid, view in sign_ups:
        phone = runtime.people.phone(pid) or phones.get(pid, "")
        name = names.get(pid, "")
        result.append(Participant(pid, mask_name(name) if masked else name, mask_phone(phone) if masked else phone,
                                  view.status, view.position, view.created_at, view.companions))
    return result


def staff_activities(runtime, staff: Staff, include_past_days: int = 7, limit: int = 100) -> list:
    """Activities from a week ago on (today's among them), soonest first, in the account's city."""
    now = runtime.clock()
    query = select(Activity.id).where(Activity.starts_at >= now - timedelta(days=include_past_days))
    if staff.city:
        query = query.where(Activity.city.in_(city_forms(staff.city)))
    with runtime.database.session() as session:
        ids = list(session.scalars(query.order_by(Activity.starts_at, Activity.id).limit(limit)))
    views = (runtime.activities.get(activity_id) for activity_id in ids)  # the service's one view of an activity
    return together(view for view in views if view is not None)


def together(views) -> list:
    """The sessions of a series right after its first one, soonest first otherwise."""
    views = list(views)
    first_of: dict[str, int] = {}
    for place, view in enumerate(views):
        if view.series_key:
            first_of.setdefault(view.series_key, place)
    return [view for _place, view in sorted(
        enumerate(views), key=lambda pair: (first_of.get(pair[1].series_key, pair[0]), pair[0]))]


# ---- home page counts -------------------------------------------------------------------------------

def counts(runtime, staff: Staff) -> dict[str, int]:
    """The queues that are this account's job, with their sizes (only the keys its role has)."""
    from bot.console.policy import may_open

    now = runtime.clock()
    result: dict[str, int] = {}
    if may_open(staff, "applications"):
        query = select(func.count()).select_from(MembershipApplication).where(
            MembershipApplication.status == "submitted", MembershipApplication.erased_at.is_(None))
        if staff.city:
            query = query.where(MembershipApplication.city.in_(city_forms(staff.city)))
        with runtime.database.session() as session:
            result["applications"] = int(session.scalar(query) or 0)
    if may_open(staff, "tickets"):
        rows = staff_tickets(runtime, staff, status="open", limit=MAX_ROWS)
        result["tickets_new"] = sum(r.new for r in rows)
        result["tickets_due_soon"] = sum(r.due_soon for r in rows)
        result["tickets_overdue"] = sum(r.overdue for r in rows)
    if may_open(staff, "activities"):
        today = [a for a in staff_activities(runtime, staff, include_past_days=1)
                 if _china_day(a.starts_at) == _china_day(now) and a.status != "cancelled"]
        result["activities_today"] = len(today)
    if may_open(staff, "campaigns"):
        with runtime.database.session() as session:
            result["campaigns_scheduled"] = int(session.scalar(
                select(func.count()).select_from(Campaign).where(Campaign.state == "scheduled",
                                                                 Campaign.parent_id.is_(None))) or 0)
    return result


def attention(counts_: dict[str, int]) -> int:
    """The number on the badge: what waits for someone (new and overdue requests, applications)."""
    return counts_.get("applications", 0) + counts_.get("tickets_new", 0) + counts_.get("tickets_overdue", 0)


def _china_day(moment: datetime):
    return (moment + timedelta(hours=8)).date()
