"""Demo activities (content/demo/activities.yaml) for the embedded default, dated from today."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.services.activities.times import from_local, to_local
from bot.services.activities.views import SHOWN_CLOSED, SHOWN_ENDED

DEMO_FILE = "demo/activities.yaml"
_DEMO_FIELDS = ("key", "title", "city", "place", "organizer", "eligibility", "summary", "capacity",
                "waiting_list_size", "members_only", "max_companions")


def demo_times(entry: dict, today: date) -> tuple[datetime, datetime, datetime | None]:
    """(starts_at, ends_at, signup_deadline) in naive UTC of a demo entry, counted from today (China time)."""
    hour, minute = (int(part) for part in str(entry.get("time", "09:00")).split(":"))
    day = today + timedelta(days=int(entry["days_from_now"]))
    starts_at = from_local(datetime(day.year, day.month, day.day, hour, minute))
    ends_at = starts_at + timedelta(hours=float(entry.get("duration_hours", 2)))
    before = int(entry.get("deadline_days_before") or 0)
    return starts_at, ends_at, (starts_at - timedelta(days=before)) if before else None


def load_demo_activities(runtime) -> str:
    """Create the demo activities of content/demo/activities.yaml that are missing; move past ones forward."""
    service = runtime.activities
    entries = (runtime.content_file(DEMO_FILE).load() or {}).get("activities", [])
    today = to_local(runtime.clock()).date()
    created = moved = kept = 0
    for entry in entries:
        starts_at, ends_at, deadline = demo_times(entry, today)
        existing = service.by_key(entry["key"])
        if existing is None:
            try:
                service.create(starts_at=starts_at, ends_at=ends_at, signup_deadline=deadline,
                               **{name: entry.get(name) for name in _DEMO_FIELDS})
            except ValueError as exc:
                raise ValueError(f"{DEMO_FILE}: activity {entry.get('key')}: {exc}") from None
            created += 1
        elif existing.status in (SHOWN_ENDED, SHOWN_CLOSED) and existing.starts_at <= runtime.clock():
            service.reschedule(existing.id, starts_at, ends_at, deadline)
            moved += 1
        else:
            kept += 1
    return f"{created} activities created, {moved} moved forward, {kept} kept"
