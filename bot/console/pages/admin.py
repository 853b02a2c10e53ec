"""Administrators: the audit log with filters, and staff accounts (create, unlock, disable)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from flask import Response, flash, redirect, render_template, request, url_for

from bot.console import accounts, audit
from bot.console.accounts import AccountError
from bot.console.pages.home import china_time
from bot.console.web import actor, console, now, record, requires, runtime, say

PAGE_SIZE = 100
CSV_ROWS = 10_000  # an export is for reading in a spreadsheet, not a backup of the log


def _day(text: str | None, end: bool = False) -> datetime | None:
    """A China-time calendar day typed in a filter, as the UTC bound of that day."""
    try:
        day = datetime.strptime((text or "").strip(), "%Y-%m-%d")
    except ValueError:
        return None
    return day + timedelta(days=1 if end else 0) - timedelta(hours=8)


def _filters(args) -> dict:
    """The audit page's filters, as audit.search takes them."""
    return {"actor": args.get("actor") or None, "action": args.get("action") or None,
            "target": args.get("target") or None, "role": args.get("role") or None, "ip": args.get("ip") or None,
            "since": _day(args.get("since")), "until": _day(args.get("until"), end=True)}


@console.route("/audit")
@requires("audit")
def audit_log():
    """Who did what and when, newest first; filter by person, role, action, record, IP and days."""
    args = request.args
    page = max(int(args.get("page", "1")) if args.get("page", "1").isdigit() else 1, 1)
    entries, total = audit.search(runtime().database, **_filters(args), offset=(page - 1) * PAGE_SIZE,
                                  limit=PAGE_SIZE)
    return render_template("console/audit.html", entries=entries, total=total, page=page, page_size=PAGE_SIZE,
                           args=args, actions=audit.actions(runtime().database), roles=accounts.ROLES,
                           actors=[a.username for a in accounts.list_accounts(runtime().database)])


@console.route("/audit.csv")
@requires("audit")
def audit_csv():
    """The filtered log as CSV (UTF-8 with a BOM, for Excel), newest first, at most CSV_ROWS lines; audited."""
    entries, offset = [], 0
    while len(entries) < CSV_ROWS:
        found, _total = audit.search(runtime().database, **_filters(request.args), offset=offset, limit=500)
        entries += found
        offset += 500
        if len(found) < 500:
            break
    record("audit.export", None, rows=len(entries[:CSV_ROWS]))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["时间（北京时间）", "人员", "角色", "操作", "记录", "详情", "IP"])
    for e in entries[:CSV_ROWS]:
        writer.writerow([china_time(e.at), e.actor,
                         say(f"console_role_{e.role}") if e.role else "", e.action, e.target or "",
                         "；".join(f"{k}={v}" for k, v in e.detail.items()), e.ip or ""])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})


@console.route("/accounts")
@requires("accounts")
def accounts_page():
    """Every staff account with its role, limits and lock state."""
    return render_template("console/accounts.html", accounts=accounts.list_accounts(runtime().database),
                           roles=accounts.ROLES, now=now(), form={},
                           bound=runtime().staff_notices.bound_usernames())


@console.route("/accounts", methods=["POST"])
@requires("accounts")
def create_account():
    """Create an account from the form."""
    form = request.form
    try:
        made = accounts.create_account(runtime().database, form.get("username", ""), form.get("password", ""),
                                       form.get("role", ""), city=form.get("city") or None,
                                       department=form.get("department") or None, now=now())
    except AccountError as exc:
        flash(say(f"console_account_bad_{exc.field}"), "error")
        return render_template("console/accounts.html", accounts=accounts.list_accounts(runtime().database),
                               roles=accounts.ROLES, now=now(), form=form), 422
    record("account.create", made.username, role=made.role, city=made.city, department=made.department)
    flash(say("console_account_created", username=made.username), "success")
    return redirect(url_for("console.accounts_page"))


@console.route("/accounts/<username>/<action>", methods=["POST"])
@requires("accounts")
def account_action(username: str, action: str):
    """Unlock, disable or enable an account."""
    database = runtime().database
    changes = {"unlock": lambda: accounts.unlock(database, username),
               "disable": lambda: accounts.set_active(database, username, False),
               "enable": lambda: accounts.set_active(database, username, True)}
    if action not in changes:
        return render_template("console/error.html", message=say("console_not_found")), 404
    try:
        changes[action]()
    except AccountError:
        return render_template("console/error.html", message=say("console_not_found")), 404
    record(f"account.{action}", username)
    flash(say(f"console_account_{action}", username=username), "success")
    return redirect(url_for("console.accounts_page"))


@console.route("/people/erase", methods=["POST"])
@requires("accounts")
def erase_person():
    """Erase everything held about a worker on their request (PIPL), through the one PersonalData service; audited."""
    service = runtime().personal_data
    person_id = service.person_of(request.form.get("openid", ""))
    if person_id is None or request.form.get("confirm") != "1":
        flash(say("console_person_not_found"), "error")
        return redirect(url_for("console.accounts_page"))
    # The service writes the audit entry (person.erase, with counts) for every door, this one included.
    service.erase(person_id, actor=actor())
    flash(say("console_person_erased", person=person_id), "success")
    return redirect(url_for("console.accounts_page"))
