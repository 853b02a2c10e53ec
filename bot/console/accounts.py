"""Staff accounts: roles, argon2 password hashes, sign-in with lock-out. No Flask here (the CLI uses it too)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.services.places import CITIES, normalize_city
from bot.storage.models import StaffAccount

log = logging.getLogger(__name__)

ROLES = ("admin", "editor", "reviewer", "counsellor", "discipline")
MIN_PASSWORD = 8
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Checked against when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


class AccountError(ValueError):
    """An account cannot be created or changed; `field` names the wrong value, the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.field = message.split(":", 1)[0]


class SignInRefused(Exception):
    """Wrong name or password (reason 'bad'), or the account is locked ('locked', until locked_until)."""

    def __init__(self, reason: str, locked_until: datetime | None = None):
        super().__init__(reason)
        self.reason = reason
        self.locked_until = locked_until


@dataclass(frozen=True)
class Staff:
    """A signed-in (or listed) member of staff."""

    id: int
    username: str
    role: str
    city: str | None
    department: str | None
    active: bool
    session_version: int
    locked_until: datetime | None = None
    last_sign_in_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        """Administrators may do everything except read anonymous reports."""
        return self.role == "admin"


def _staff(row: StaffAccount) -> Staff:
    return Staff(row.id, row.username, row.role, row.city, row.department, row.active, row.session_version,
                 row.locked_until, row.last_sign_in_at)


def hash_password(password: str) -> str:
    """An argon2id hash of the password; AccountError when it is too short."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def clean_city(city: str | None) -> str | None:
    """The short name of a Zhejiang city (杭州), None for no limit; AccountError for anything else."""
    if city is None or not str(city).strip():
        return None
    short = normalize_city(str(city))
    if short is None:
        raise AccountError(f"city: {city!r} is not one of {', '.join(CITIES)}")
    return short


def create_account(database, username: str, password: str, role: str, city: str | None = None,
                   department: str | None = None, now: datetime | None = None) -> Staff:
    """Store a new account; AccountError for a bad or taken username, a bad role, city or password."""
    username = (username or "").strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise AccountError("username: 1 to 64 characters, no spaces")
    if role not in ROLES:
        raise AccountError(f"role: one of {', '.join(ROLES)}")
    row = StaffAccount(username=username, password_hash=hash_password(password), role=role,
                       city=clean_city(city), department=(department or "").strip() or None, active=True,
                       failed_sign_ins=0, session_version=1)
    if now is not None:
        row.created_at = now
    try:
        with database.session() as session:
            session.add(row)
            session.flush()
            return _staff(row)
    except IntegrityError:
        raise AccountError(f"username: {username!r} exists already") from None


def get_account(database, account_id: int) -> Staff | None:
    """The account with this id, or None."""
    with database.session() as session:
        row = session.get(StaffAccount, account_id)
        return _staff(row) if row is not None else None


def find_account(database, username: str) -> Staff | None:
    """The account with this username, or None."""
    with database.session() as session:
        row = session.scalar(select(StaffAccount).where(StaffAccount.username == (username or "").strip()))
        return _staff(row) if row is not None else None


def list_accounts(database) -> list[Staff]:
    """Every account, by role then name."""
    with database.session() as session:
        rows = session.scalars(select(StaffAccount).order_by(StaffAccount.role, StaffAccount.username)).all()
        return [_staff(r) for r in rows]


def authenticate(database, username: str, password: str, now: datetime, max_failed: int = 5,
                 lockout: timedelta = timedelta(minutes=15)) -> Staff:
    """Check a sign-in; raise SignInRefused. max_failed wrong passwords in a row lock the account for `lockout`.

    A locked account is refused even with the right password, so guessing cannot go on while it is locked.
    """
    username = (username or "").strip()
    refusal: SignInRefused | None = None
    # The refusal is raised after the session commits: a failure must be counted, not rolled back.
    with database.session() as session:
        row = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        if row is None or not row.active:
            _verify(_DUMMY_HASH, password or "")
            refusal = SignInRefused("bad")
        elif row.locked_until is not None and row.locked_until > now:
            refusal = SignInRefused("locked", row.locked_until)
        elif not _verify(row.password_hash, password or ""):
            # One UPDATE per failure, so concurrent guesses are all counted.
            session.execute(update(StaffAccount).where(StaffAccount.id == row.id)
                            .values(failed_sign_ins=StaffAccount.failed_sign_ins + 1))
            session.refresh(row)
            if row.failed_sign_ins >= max_failed:
                row.locked_until, row.failed_sign_ins = now + lockout, 0
                log.warning("console account %s locked after %d failed sign-ins", row.username, max_failed)
                refusal = SignInRefused("locked", row.locked_until)
            else:
                refusal = SignInRefused("bad")
        else:
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            row.failed_sign_ins, row.locked_until, row.last_sign_in_at = 0, None, now
            signed_in = _staff(row)
    if refusal is not None:
        raise refusal
    return signed_in


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_password(database, username: str, password: str) -> Staff:
    """Change a password; every signed-in session of the account ends."""
    new_hash = hash_password(password)
    with database.session() as session:
        row = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        if row is None:
            raise AccountError(f"username: no account {username!r}")
        row.password_hash, row.session_version = new_hash, row.session_version + 1
        row.failed_sign_ins, row.locked_until = 0, None
        return _staff(row)


def set_active(database, username: str, active: bool) -> Staff:
    """Enable or disable an account; disabling ends its sessions at their next request."""
    with database.session() as session:
        row = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        if row is None:
            raise AccountError(f"username: no account {username!r}")
        row.active = active
        row.session_version += 1
        return _staff(row)


def unlock(database, username: str) -> Staff:
    """Lift a lock-out now."""
    with database.session() as session:
        row = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        if row is None:
            raise AccountError(f"username: no account {username!r}")
        row.failed_sign_ins, row.locked_until = 0, None
        return _staff(row)
