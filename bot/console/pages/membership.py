"""Membership review: the queue, one application, reveal its numbers (audited), decide."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from bot.console import queries
from bot.console.policy import in_city
from bot.console.web import console, forbidden, record, requires, runtime, say, staff
from bot.services.membership import ApplicationNotFound, InvalidDecision

DECISIONS = ("approve", "reject", "need_info")


def _reachable(application_no: str):
    """The application's city if this account may handle it; None means 404, False means 403."""
    city = queries.application_city(runtime(), application_no)
    if city is None and runtime().membership.staff_application(application_no) is None:
        return None
    return city if in_city(staff(), city) else False


@console.route("/applications")
@requires("applications")
def applications():
    """Applications waiting for a decision, oldest first, by city and district."""
    status = request.args.get("status", "submitted")
    status = status if status in ("submitted", "need_info", "approved", "rejected", "withdrawn", "") else "submitted"
    city, district = request.args.get("city", ""), request.args.get("district", "")
    numbers = queries.application_numbers(runtime(), staff(), status=status, city=city or None,
                                          district=district or None)
    views = [runtime().membership.staff_application(no)[0] for no in numbers]
    return render_template("console/applications.html", applications=views, status=status, city=city,
                           district=district, districts=queries.application_districts(runtime(), staff()),
                           cities=runtime().membership.content.regions.cities)


@console.route("/applications/<application_no>")
@requires("applications")
def application(application_no: str):
    """One application (numbers masked) and its history."""
    reach = _reachable(application_no)
    if reach is None:
        return render_template("console/error.html", message=say("console_not_found")), 404
    if reach is False:
        return forbidden()
    view, history = runtime().membership.staff_application(application_no)
    return render_template("console/application.html", application=view, history=history)


@console.route("/applications/<application_no>/reveal", methods=["POST"])
@requires("applications")
def reveal_application(application_no: str):
    """Show the full phone and ID number, once, and write it to the audit log."""
    reach = _reachable(application_no)
    if reach is None or reach is False:
        return forbidden()
    numbers = queries.reveal_application(runtime(), application_no)
    record("application.reveal", application_no, fields="phone,id_number")
    return render_template("console/_revealed.html", values=[("手机号", numbers["phone"]),
                                                             ("身份证号", numbers["id_number"])])


@console.route("/applications/<application_no>/decide", methods=["POST"])
@requires("applications")
def decide(application_no: str):
    """Approve, reject with a reason, or ask for more information; the worker is told by the service."""
    reach = _reachable(application_no)
    if reach is None or reach is False:
        return forbidden()
    decision = request.form.get("decision", "")
    if decision not in DECISIONS:
        flash(say("console_unknown_decision"), "error")
        return redirect(url_for("console.application", application_no=application_no))
    reason = request.form.get("reason", "")
    try:
        view = runtime().membership.review(application_no, decision, reason=reason, reviewer=staff().username)
    except (InvalidDecision, ApplicationNotFound) as exc:
        flash(str(exc) if isinstance(exc, InvalidDecision) else say("console_not_found"), "error")
        return redirect(url_for("console.application", application_no=application_no))
    record(f"application.{decision}", application_no, reason=reason.strip()[:200] or None,
           member_no=view.member_no)
    flash(say(f"console_application_{decision}", number=application_no), "success")
    return redirect(url_for("console.applications"))
