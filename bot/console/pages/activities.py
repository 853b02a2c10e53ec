"""Activities: the list, one activity with its sign-up list in full (audited), CSV for printing."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Response, render_template

from bot.console import queries
from bot.console.policy import in_city
from bot.console.web import console, forbidden, record, requires, runtime, say, staff


def seat_totals(people: list) -> dict[str, int]:
    """Sign-ups and people (companions included), confirmed and waiting, for the list's totals line."""
    confirmed = [p for p in people if p.status == "confirmed"]
    waiting = [p for p in people if p.status == "waiting"]
    return {"confirmed_sign_ups": len(confirmed), "confirmed_seats": sum(p.seats for p in confirmed),
            "waiting_sign_ups": len(waiting), "waiting_seats": sum(p.seats for p in waiting)}


def _activity_or_refusal(activity_id: int):
    view = runtime().activities.get(activity_id)
    if view is None:
        return None, (render_template("console/error.html", message=say("console_not_found")), 404)
    if not in_city(staff(), view.city):
        return None, forbidden()
    return view, None


@console.route("/activities")
@requires("activities")
def activities():
    """From a week ago on, soonest first."""
    return render_template("console/activities.html", activities=queries.staff_activities(runtime(), staff()))


@console.route("/activities/<int:activity_id>")
@requires("activities")
def activity(activity_id: int):
    """The activity and the sign-up list for the door, names and phones in full (the view is audited)."""
    view, refusal = _activity_or_refusal(activity_id)
    if refusal:
        return refusal
    people = queries.participants(runtime(), activity_id)
    record("activity.participants", str(activity_id), count=len(people))
    return render_template("console/activity.html", activity=view, people=people, totals=seat_totals(people))


@console.route("/activities/<int:activity_id>/sign-ups.csv")
@requires("activities")
def activity_csv(activity_id: int):
    """The sign-up list as CSV (opens in Excel; times in China time), to print for the door; the export is audited."""
    view, refusal = _activity_or_refusal(activity_id)
    if refusal:
        return refusal
    people = queries.participants(runtime(), activity_id)
    record("activity.export", str(activity_id), count=len(people))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["序号", "姓名", "手机号", "人数", "状态", "候补位次", "报名时间", "签到"])
    labels = {"confirmed": "已确认", "waiting": "候补"}
    for number, person in enumerate(people, 1):
        writer.writerow([number, person.name, person.phone, person.seats, labels.get(person.status, person.status),
                         person.position or "", f"{person.signed_up_at + timedelta(hours=8):%Y-%m-%d %H:%M}", ""])
    writer.writerow([])
    writer.writerow([say("console_activity_seats_total", **seat_totals(people))])
    body = "\ufeff" + out.getvalue()  # the BOM makes Excel read the file as UTF-8
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=activity-{activity_id}-sign-ups.csv"})
