"""Administrators: a staff member's WeChat for notices (one-time bind code, unbind, notices on or off); audited."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from bot.console.web import console, record, requires, runtime, say


@console.route("/accounts/<username>/wechat/<action>", methods=["POST"])
@requires("accounts")
def staff_wechat(username: str, action: str):
    """Issue a bind code (shown once), unbind, or turn the account's WeChat notices on or off."""
    service = runtime().staff_notices
    if action == "bind_code":
        try:
            code = service.issue_code(username)
        except LookupError:
            return render_template("console/error.html", message=say("console_not_found")), 404
        record("account.bind_code", username)  # never the code itself
        flash(say("console_bind_code_issued", username=username, code=code), "success")
    elif action == "unbind":
        service.unbind(username)
        record("account.wechat_unbound", username)
        flash(say("console_wechat_unbound", username=username), "success")
    elif action in ("notices_on", "notices_off"):
        service.set_notices(username, action == "notices_on")
        record(f"account.{action}", username)
        flash(say(f"console_{action}", username=username), "success")
    else:
        return render_template("console/error.html", message=say("console_not_found")), 404
    return redirect(url_for("console.accounts_page"))
