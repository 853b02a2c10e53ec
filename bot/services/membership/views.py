"""Applications, their history and member cards as workers and staff see them: personal numbers masked."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


@dataclass(frozen=True)
class ApplicationView:
    """An application as shown to its owner or to staff: personal numbers masked."""

    application_no: str
    status: str
    status_label: str
    name: str  # masked: 张**
    phone: str  # masked: 138****5678
    id_number: str  # masked: 330102********123X
    employer: str
    no_fixed_employer: bool
    city: str
    district: str
    industry: str
    occupation: str
    channel: str
    reason: str | None
    member_no: str | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        data = asdict(self)
        for key in ("created_at", "updated_at", "decided_at"):
            data[key] = _iso(data[key])
        return data


@dataclass(frozen=True)
class StatusChangeView:
    """One step of an application's history."""

    from_status: str | None
    to_status: str
    status_label: str
    reason: str | None
    actor: str
    notified_via: str | None
    created_at: datetime

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        data = asdict(self)
        data["created_at"] = _iso(self.created_at)
        return data


@dataclass(frozen=True)
class MemberView:
    """A member's card: shown to the member themself, so the name is whole."""

    member_no: str
    name: str
    city: str
    district: str
    employer: str
    no_fixed_employer: bool
    industry: str
    occupation: str
    joined_at: datetime
    perks: str

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        data = asdict(self)
        data["joined_at"] = _iso(self.joined_at)
        return data
