"""What each console role may see and do. Checked on the server for every page and action.

- admin: everything except anonymous reports; manages accounts and reads the audit log.
- editor: campaigns and activities (with the sign-up list in full), the dashboard, QR channels and the content
  (FAQ, benefits, keywords, replies, menu).
- reviewer: membership applications.
- counsellor: consultations, complaints, letters, hardship and legal aid, call-backs.
- discipline: reports, anonymous ones included: an anonymous report is visible to this role alone.
An account limited to a city (or department) sees only the records of that city (or department).
"""
from __future__ import annotations

from bot.console.accounts import ROLES, Staff
from bot.services.places import normalize_city
from bot.services.tickets import KINDS

PAGES: dict[str, tuple[str, ...]] = {
    "home": ROLES,
    "applications": ("admin", "reviewer"),
    "tickets": ("admin", "counsellor", "discipline"),
    "activities": ("admin", "editor"),
    # Any staff member may help at an activity's door; only those who may open the full sign-up
    # list (activities) see names and phones in full, the others masked (bot/console/pages/checkin.py).
    "checkin": ("admin", "editor", "reviewer", "counsellor"),
    "campaigns": ("admin", "editor"),
    "dashboard": ("admin", "editor"),
    "channels": ("admin", "editor"),
    "content": ("admin", "editor"),
    "audit": ("admin",),
    "accounts": ("admin",),
}
TICKET_KINDS: dict[str, tuple[str, ...]] = {
    "admin": KINDS,
    "counsellor": tuple(k for k in KINDS if k != "report"),
    "discipline": ("report",),
}


def may_open(staff: Staff, page: str) -> bool:
    """May this account open the page (or act on its records)?"""
    return staff.role in PAGES[page]


def ticket_kinds(staff: Staff) -> tuple[str, ...]:
    """The ticket kinds in this account's queue."""
    return TICKET_KINDS.get(staff.role, ())


def may_see_anonymous_reports(staff: Staff) -> bool:
    """Only the discipline office reads anonymous reports (not even administrators)."""
    return staff.role == "discipline"


def in_city(staff: Staff, city: str | None) -> bool:
    """Is a record of this city (杭州 or 杭州市, None when unknown) within the account's city limit?"""
    return staff.city is None or normalize_city(city) == staff.city


def may_see_ticket(staff: Staff, kind: str, anonymous: bool, department: str, city: str | None) -> bool:
    """May this account read (and answer) a ticket with these facts?"""
    if kind not in ticket_kinds(staff):
        return False
    if kind == "report" and anonymous and not may_see_anonymous_reports(staff):
        return False
    if staff.department and department != staff.department:
        return False
    return in_city(staff, city)


def may_target(staff: Staff, audience: str) -> bool:
    """A city-limited editor may only send to the members of their city."""
    if staff.city is None:
        return True
    kind, _, value = (audience or "").partition(":")
    return kind.strip() == "city" and normalize_city(value) == staff.city


def city_forms(short: str) -> list[str]:
    """The ways a city is stored: 杭州 (activities, accounts) and 杭州市 (applications, members)."""
    return [short, f"{short}市"]
