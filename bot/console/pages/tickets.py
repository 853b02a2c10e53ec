"""Tickets: the queue by kind, status, city and department; one ticket; reveal the phone (audited); answer;
transfer to another department or city; close with a reason. The rules are TicketService's."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for

from bot.console import queries
from bot.console.policy import may_see_ticket, ticket_kinds
from bot.console.web import actor, console, forbidden, record, requires, runtime, say, staff
from bot.services.places import CITIES
from bot.services.tickets import CLOSE_REASONS, STATUS_NAMES, TicketRejected


def _facts_or_refusal(number: str):
    """(facts, None) when this account may handle the ticket, else (None, the refusal response)."""
    facts = queries.ticket_facts(runtime(), number)
    if facts is None:
        return None, (render_template("console/error.html", message=say("console_not_found")), 404)
    if not may_see_ticket(staff(), facts["kind"], facts["anonymous"], facts["department"], facts["city"]):
        # The same answer as a missing ticket would leak that an anonymous report exists: refuse plainly.
        return None, forbidden()
    return facts, None


@console.route("/tickets")
@requires("tickets")
def tickets():
    """The queue: overdue first, then by deadline; filters by kind, status, city and department."""
    me = staff()
    kinds = ticket_kinds(me)
    kind = request.args.get("kind") or None
    status = request.args.get("status", "open")
    status = status if status in ("open", "answered", "closed", "") else "open"
    rows = queries.staff_tickets(runtime(), me, kind=kind if kind in kinds else None, status=status or None,
                                 city=request.args.get("city") or None,
                                 department=request.args.get("department") or None,
                                 overdue_only=request.args.get("overdue") == "1")
    return render_template("console/tickets.html", rows=rows, kinds=[(k, runtime().tickets.kind_name(k)) for k in kinds],
                           statuses=STATUS_NAMES, cities=CITIES,
                           departments=queries.ticket_departments(runtime(), me), args=request.args)


@console.route("/tickets/<number>")
@requires("tickets")
def ticket(number: str):
    """The whole story, attachments as images, replies, the answer form."""
    facts, refusal = _facts_or_refusal(number)
    if refusal:
        return refusal
    service = runtime().tickets
    view = service.staff_view(facts["number"])
    return render_template("console/ticket.html", ticket=view, facts=facts, now=runtime().clock(),
                           departments=[d for d in service.departments() if d != view.department], cities=CITIES,
                           close_reasons=[(r, service.close_reason_name(r)) for r in CLOSE_REASONS])


@console.route("/tickets/<number>/reveal", methods=["POST"])
@requires("tickets")
def reveal_ticket_phone(number: str):
    """The full contact phone and the numbers written in the story, so staff can call back; written to the audit log."""
    facts, refusal = _facts_or_refusal(number)
    if refusal:
        return refusal
    phone = queries.reveal_ticket_phone(runtime(), facts["number"])
    values = [("联系电话", phone or "—")]
    if facts["has_story_numbers"]:
        values.append(("职工陈述（含完整号码）", runtime().tickets.revealed_story(facts["number"])))
    record("ticket.reveal_phone", facts["number"], story_numbers=facts["has_story_numbers"] or None)
    return render_template("console/_revealed.html", values=values)


@console.route("/tickets/<number>/answer", methods=["POST"])
@requires("tickets")
def answer_ticket(number: str):
    """Answer the worker (WeChat message by the service) and close the ticket unless asked to keep it open."""
    facts, refusal = _facts_or_refusal(number)
    if refusal:
        return refusal
    keep_open = request.form.get("keep_open") == "1"
    try:
        runtime().tickets.answer(facts["number"], request.form.get("text", ""), staff=staff().username,
                                 close=not keep_open)
    except TicketRejected as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.ticket", number=facts["number"]))
    record("ticket.answer", facts["number"], closed=not keep_open)
    flash(say("console_ticket_answered", number=facts["number"]), "success")
    return redirect(url_for("console.ticket", number=facts["number"]))


@console.route("/tickets/<number>/transfer", methods=["POST"])
@requires("tickets")
def transfer_ticket(number: str):
    """Hand the ticket to another department or city with a note; it leaves this queue (audited by the service)."""
    facts, refusal = _facts_or_refusal(number)
    if refusal:
        return refusal
    try:
        view = runtime().tickets.transfer(facts["number"], actor(), request.form.get("note", ""),
                                          department=request.form.get("department") or None,
                                          city=request.form.get("city") or None)
    except TicketRejected as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.ticket", number=facts["number"]))
    flash(say("console_ticket_transferred", number=view.number, where=f"{view.city or ''}{view.department}"),
          "success")
    still_mine = queries.ticket_facts(runtime(), view.number)
    if may_see_ticket(staff(), still_mine["kind"], still_mine["anonymous"], still_mine["department"],
                      still_mine["city"]):
        return redirect(url_for("console.ticket", number=view.number))
    return redirect(url_for("console.tickets"))


@console.route("/tickets/<number>/close", methods=["POST"])
@requires("tickets")
def close_ticket(number: str):
    """Close the ticket with a reason; the worker is told (audited by the service)."""
    facts, refusal = _facts_or_refusal(number)
    if refusal:
        return refusal
    service = runtime().tickets
    reason = request.form.get("reason", "")
    try:
        service.close(facts["number"], actor(), reason, note=request.form.get("note"))
    except TicketRejected as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.ticket", number=facts["number"]))
    flash(say("console_ticket_closed", number=facts["number"], reason=service.close_reason_name(reason)), "success")
    return redirect(url_for("console.ticket", number=facts["number"]))


@console.route("/tickets/<number>/attachments/<int:index>")
@requires("tickets")
def attachment(number: str, index: int):
    """One attachment of the ticket: the stored image of a mini-program upload, or WeChat's picture link."""
    facts, refusal = _facts_or_refusal(number)
    if refusal:
        return refusal
    attachments = runtime().tickets.staff_view(facts["number"]).attachments
    if not 0 <= index < len(attachments):
        return render_template("console/error.html", message=say("console_not_found")), 404
    item = attachments[index]
    if item.get("upload_id"):
        found = queries.attachment_file(runtime(), item["upload_id"])
        if found is None:
            return render_template("console/error.html", message=say("console_attachment_missing")), 404
        path, content_type = found
        response = send_file(path, mimetype=content_type, max_age=0)
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    if str(item.get("url", "")).startswith(("http://", "https://")):
        return redirect(item["url"])
    return render_template("console/error.html", message=say("console_attachment_missing")), 404
