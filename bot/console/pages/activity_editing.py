"""Activities: editors create and change an activity (the rules and the notices are ActivityService's); audited."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from bot.console.policy import in_city
from bot.console.web import console, forbidden, record, requires, runtime, say, staff
from bot.services.activities import ActivityRejected, to_local
from bot.services.activities.editing import WAITING_NONE, WAITING_SIZED, WAITING_UNLIMITED
from bot.services.places import CITIES

FIELDS = ("title", "city", "place", "starts_at", "ends_at", "signup_deadline", "capacity", "members_only", "summary",
          "waiting_list", "waiting_list_size", "mode", "join_url", "max_companions", "weeks", "dates")


def _local(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _form_of(view) -> dict:
    """An activity as the form shows it: China time in the browser's datetime-local shape."""
    deadline = view.signup_deadline if view.signup_deadline != view.starts_at else None
    return {"title": view.title, "city": view.city, "place": view.place, "starts_at": _local(view.starts_at),
            "ends_at": _local(view.ends_at), "signup_deadline": _local(deadline), "capacity": str(view.capacity),
            "members_only": "1" if view.members_only else "", "summary": view.summary,
            "mode": view.mode, "join_url": view.join_url or "",
            "max_companions": str(view.max_companions), **_waiting_form(view.waiting_list_size)}


def _waiting_form(size: int | None) -> dict:
    """The waiting list choice and size fields of a stored waiting_list_size (None unlimited, 0 none)."""
    if size is None:
        return {"waiting_list": WAITING_UNLIMITED, "waiting_list_size": ""}
    if size == 0:
        return {"waiting_list": WAITING_NONE, "waiting_list_size": ""}
    return {"waiting_list": WAITING_SIZED, "waiting_list_size": str(size)}


def _cities() -> list[str]:
    me = staff()
    return [me.city] if me.city else list(CITIES)


def _typed() -> dict:
    return {name: request.form.get(name, "") for name in FIELDS}


@console.route("/activities/new", methods=["GET", "POST"])
@requires("activities")
def new_activity():
    """The form for a new activity; a city-limited editor creates activities of their city only."""
    if request.method == "GET":
        return render_template("console/activity_form.html", form={"city": staff().city or "", "mode": "onsite", "max_companions": "0", **_waiting_form(None)}, errors={},
                               cities=_cities(), activity=None)
    typed = _typed()
    if typed["city"] and not in_city(staff(), typed["city"]):
        return forbidden()
    try:
        sessions = runtime().activities.create_series_from_form(typed)
    except ActivityRejected as refused:
        return render_template("console/activity_form.html", form=typed, errors=refused.fields, cities=_cities(),
                               activity=None), 422
    view = sessions[0]
    for session in sessions:
        record("activity.create", str(session.id), title=session.title, city=session.city, series=session.series_key)
    if len(sessions) > 1 and typed["dates"].strip():
        days = "、".join(f"{to_local(s.starts_at).month}月{to_local(s.starts_at).day}日" for s in sessions)
        flash(say("console_activity_dates_created", title=view.title, count=len(sessions), days=days), "success")
        return redirect(url_for("console.activities"))
    if len(sessions) > 1:
        flash(say("console_activity_series_created", title=view.title, count=len(sessions)), "success")
        return redirect(url_for("console.activities"))
    flash(say("console_activity_created", title=view.title), "success")
    return redirect(url_for("console.activity", activity_id=view.id))


@console.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@requires("activities")
def edit_activity(activity_id: int):
    """Change an activity; those signed up hear of a new time or place."""
    view = runtime().activities.get(activity_id)
    if view is None:
        return render_template("console/error.html", message=say("console_not_found")), 404
    if not in_city(staff(), view.city):
        return forbidden()
    if request.method == "GET":
        return render_template("console/activity_form.html", form=_form_of(view), errors={}, cities=_cities(),
                               activity=view)
    typed = _typed()
    if typed["city"] and not in_city(staff(), typed["city"]):
        return forbidden()
    try:
        saved, told = runtime().activities.edit(activity_id, typed)
    except ActivityRejected as refused:
        return render_template("console/activity_form.html", form=typed, errors=refused.fields, cities=_cities(),
                               activity=view), 422
    changed = sorted(name for name, value in _form_of(saved).items() if value != _form_of(view).get(name))
    record("activity.edit", str(activity_id), changed=",".join(changed) or None, told=told or None)
    if told:
        flash(say("console_activity_saved_notified", title=saved.title, count=told), "success")
    else:
        flash(say("console_activity_saved", title=saved.title), "success")
    return redirect(url_for("console.activity", activity_id=activity_id))
