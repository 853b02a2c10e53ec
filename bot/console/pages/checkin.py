"""Check-in at the door: staff find a worker by name or the last 4 digits of the phone and check them in
with one tap (htmx, made for a phone), undo a mistake, and see how many signed up and arrived; the door's
QR code lets a worker check in by themself. The rules are in bot/services/activities/attendance.py."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, render_template, request

from bot.console import queries
# The one check of an activity staff may open (exists, within the account's city), shared with the activities page.
from bot.console.pages.activities import _activity_or_refusal
from bot.console.policy import may_open
from bot.console.web import console, record, requires, runtime, say, staff
from bot.security import mask_name, mask_phone
from bot.services.activities import ActivityNotFound, CheckInRefused, check_in_scene
from bot.stats.channels import qr_png
from bot.wechat.client import WeChatError

SHOWN_AT_MOST = 50  # rows of one search: the door needs a few, not the whole list
DOOR_QR_SECONDS = 2 * 24 * 3600  # a temporary code: a photo of it stops working after the activity


def _full_names() -> bool:
    """Organisers (who may open an activity's full list) see full names and phones; other staff masked ones."""
    return may_open(staff(), "activities")


def matches(people: list, query: str) -> list:
    """People whose name contains the query, or whose phone ends with it (4 digits at the door)."""
    query = (query or "").strip()
    if not query:
        return people
    if query.isdigit():
        return [p for p in people if p.phone and p.phone.endswith(query)] if len(query) >= 4 else []
    return [p for p in people if p.name and query in p.name]


def _rows(activity_id: int, query: str) -> list[dict]:
    arrived = runtime().attendance.arrived(activity_id)
    full = _full_names()
    rows = []
    for person in matches(queries.participants(runtime(), activity_id), query)[:SHOWN_AT_MOST]:
        rows.append({"person_id": person.person_id, "status": person.status, "position": person.position,
                     "seats": person.seats, "companions": person.companions,
                     "name": (person.name if full else mask_name(person.name)) or say("checkin_no_name"),
                     "phone": (person.phone if full else mask_phone(person.phone)) or "—",
                     "arrived_at": arrived.get(person.person_id)})
    return rows


@console.route("/checkin")
@requires("checkin")
def checkin_activities():
    """Today's activities (and those of the last two days and the next week) in the account's city."""
    now = runtime().clock()
    found = [a for a in queries.staff_activities(runtime(), staff(), include_past_days=2)
             if a.starts_at <= now + timedelta(days=7) and a.status != "cancelled"]
    return render_template("console/checkin_activities.html", activities=found)


@console.route("/checkin/<int:activity_id>")
@requires("checkin")
def checkin(activity_id: int):
    """The door: a search box, the counts and the people found (the list is personal data: the view is audited)."""
    view, refusal = _activity_or_refusal(activity_id)
    if refusal:
        return refusal
    query = (request.args.get("q") or "").strip()[:20]
    rows = _rows(activity_id, query)
    turnout = runtime().attendance.turnout(activity_id)
    if request.headers.get("HX-Request"):
        return render_template("console/_checkin_results.html", activity=view, rows=rows, query=query)
    record("activity.checkin_list", str(activity_id), full_names=_full_names())
    return render_template("console/checkin.html", activity=view, rows=rows, query=query, turnout=turnout)


def _act(activity_id: int, person_id: int, undo: bool):
    view, refusal = _activity_or_refusal(activity_id)
    if refusal:
        return refusal
    me, error = staff(), None
    try:
        if undo:
            runtime().attendance.undo(activity_id, person_id, me.username, role=me.role, ip=request.remote_addr)
        else:
            runtime().attendance.check_in(activity_id, person_id, me.username, role=me.role, ip=request.remote_addr)
    except CheckInRefused as refused:
        error = say(refused.reason)
    except ActivityNotFound:
        return render_template("console/error.html", message=say("console_not_found")), 404
    rows = [row for row in _rows(activity_id, "") if row["person_id"] == person_id]
    turnout = runtime().attendance.turnout(activity_id)
    return render_template("console/_checkin_row.html", activity=view, rows=rows, error=error, turnout=turnout,
                           oob=True)


@console.route("/checkin/<int:activity_id>/<int:person_id>", methods=["POST"])
@requires("checkin")
def check_in_person(activity_id: int, person_id: int):
    """Check one person in (one tap); answers their row and the counts (htmx)."""
    return _act(activity_id, person_id, undo=False)


@console.route("/checkin/<int:activity_id>/<int:person_id>/undo", methods=["POST"])
@requires("checkin")
def undo_check_in(activity_id: int, person_id: int):
    """Take back a check-in made by mistake; answers the row and the counts (htmx)."""
    return _act(activity_id, person_id, undo=True)


@console.route("/checkin/<int:activity_id>/qr.png")
@requires("checkin")
def checkin_qr(activity_id: int):
    """The door's QR code: a worker who signed up scans it with WeChat and is checked in."""
    view, refusal = _activity_or_refusal(activity_id)
    if refusal:
        return refusal
    try:
        answer = runtime().wechat.create_qrcode(check_in_scene(activity_id), expire_seconds=DOOR_QR_SECONDS)
    except WeChatError as error:
        return render_template("console/error.html", message=say("checkin_qr_failed", errcode=error.errcode)), 502
    record("activity.checkin_qr", str(activity_id))
    return Response(qr_png(answer["url"]), mimetype="image/png", headers={"Cache-Control": "no-store"})
