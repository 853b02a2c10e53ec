"""The console's blueprint: session cookie, sign-in and sign-out, the per-request guard, role checks.

CSRF: Flask-WTF's CSRFProtect with its app-wide check turned off, and run for every console POST
here, so the WeChat webhook and the mini-program API (no cookies, their own signatures and
tokens) stay as they are. The token travels in a hidden `csrf_token` field, or the X-CSRFToken
header for htmx requests.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from functools import wraps
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.console import accounts, audit
from bot.console.accounts import SignInRefused
from bot.console.policy import PAGES, may_open
from bot.services.actor import Actor

log = logging.getLogger(__name__)

console = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                    static_folder="static", static_url_path="/static")
csrf = CSRFProtect()

# (page, endpoint, label) of the navigation bar, shown to the roles that may open each page.
NAVIGATION = [
    ("home", "console.home", "工作台"),
    ("applications", "console.applications", "入会审核"),
    ("tickets", "console.tickets", "工单"),
    ("activities", "console.activities", "活动"),
    ("checkin", "console.checkin_activities", "签到"),
    ("campaigns", "console.campaigns_page", "推送"),
    ("campaigns", "console.articles", "图文"),
    ("dashboard", "console.dashboard", "数据"),
    ("channels", "console.channels", "渠道"),
    ("content", "console.content_home", "内容"),
    ("accounts", "console.accounts_page", "账号"),
    ("audit", "console.audit_log", "操作日志"),
]
OPEN_ENDPOINTS = {"console.sign_in", "console.static"}


def runtime():
    """The process's wired Runtime."""
    return current_app.extensions["zgzj"]


def say(key: str, **values) -> str:
    """A console sentence from content/replies/console.yaml."""
    return runtime().replies.get(key, **values)


def now():
    """The runtime's clock (naive UTC), so tests can move time."""
    return runtime().clock()


def staff() -> accounts.Staff:
    """The signed-in account of this request."""
    return g.staff


def actor() -> Actor:
    """Who is acting in this request, for the audit log: the account's name and role, the client's IP."""
    return g.get("actor") or Actor("-", ip=request.remote_addr)


def _signed_in(account: accounts.Staff) -> None:
    """Make the account this request's staff and actor (built once, passed to services as is)."""
    g.staff = account
    # remote_addr is the client's own address, or X-Forwarded-For's when TRUSTED_PROXIES says a proxy sets it.
    g.actor = Actor(account.username, account.role, request.remote_addr)


def record(action: str, target: str | None = None, **detail) -> None:
    """Write an audit entry for the signed-in account."""
    audit.record(runtime().database, now(), actor(), action, target, **detail)


def requires(page: str):
    """Refuse (403) the view to accounts whose role may not open `page`."""
    if page not in PAGES:
        raise KeyError(page)

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not may_open(staff(), page):
                return forbidden()
            return view(*args, **kwargs)
        return guarded
    return decorate


def forbidden(message_key: str = "console_forbidden"):
    """The page telling staff that this is not for their role (403)."""
    return render_template("console/error.html", message=say(message_key)), 403


# ---- the guard of every request --------------------------------------------------------------

@console.before_request
def guard():
    """CSRF for every POST, then the signed-in account (active, same password, not idle too long)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    config = runtime().config
    account_id = session.get("staff_id")
    account = accounts.get_account(runtime().database, account_id) if account_id else None
    if account is None or not account.active or account.session_version != session.get("version"):
        session.clear()
        return _to_sign_in()
    moment = time.mktime(now().timetuple())
    seen = session.get("seen", 0)
    if moment - seen > int(config.console_idle_minutes) * 60:
        session.clear()
        audit.record(runtime().database, now(), Actor(account.username, account.role, request.remote_addr),
                     "session.idle_timeout")
        flash(say("console_idle_timeout"), "warning")
        return _to_sign_in()
    if request.endpoint != "console.badge":  # the badge polls by itself: it must not keep a session alive
        session["seen"] = moment
    _signed_in(account)
    return None


def _to_sign_in():
    if request.headers.get("HX-Request"):  # an htmx fragment: send the whole page to the sign-in form
        return "", 401, {"HX-Redirect": url_for("console.sign_in")}
    return redirect(url_for("console.sign_in", next=request.full_path if request.method == "GET" else None))


@console.app_context_processor
def _template_values():
    who = g.get("staff")
    if who is None or not request.blueprint == "console":
        return {}
    navigation = [(endpoint, label) for page, endpoint, label in NAVIGATION if may_open(who, page)]
    return {"me": who, "navigation": navigation, "say": say}


@console.errorhandler(CSRFError)
def _csrf_refused(error):
    log.info("console: CSRF refused for %s %s: %s", request.method, request.path, error.description)
    return render_template("console/error.html", message=say("console_csrf_refused")), 400


@console.errorhandler(404)
def _not_found(_error):
    return render_template("console/error.html", message=say("console_not_found")), 404


# ---- sign-in and sign-out ---------------------------------------------------------------------------

@console.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The sign-in form; lock-out after repeated failures answers 429."""
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("console/sign_in.html", next=target, username="")
    config = runtime().config
    username = (request.form.get("username") or "").strip()[:64]
    try:
        account = accounts.authenticate(runtime().database, username, request.form.get("password") or "", now(),
                                         max_failed=int(config.console_max_failed_sign_ins),
                                         lockout=timedelta(minutes=int(config.console_lockout_minutes)))
    except SignInRefused as refused:
        audit.record(runtime().database, now(), Actor(username or "-", ip=request.remote_addr),
                     f"sign_in.{refused.reason}")
        if refused.reason == "locked":
            minutes = max(1, int((refused.locked_until - now()).total_seconds() // 60) + 1)
            return render_template("console/sign_in.html", next=target, username=username,
                                   error=say("console_locked", minutes=minutes)), 429
        return render_template("console/sign_in.html", next=target, username=username,
                               error=say("console_sign_in_failed")), 401
    session.clear()  # a fresh session (and CSRF token) for the signed-in account
    session.update(staff_id=account.id, version=account.session_version, seen=time.mktime(now().timetuple()))
    _signed_in(account)
    record("sign_in.ok")
    return redirect(target or url_for("console.home"))


@console.route("/sign-out", methods=["POST"])
def sign_out():
    """End the session."""
    record("sign_out")
    session.clear()
    flash(say("console_signed_out"), "info")
    return redirect(url_for("console.sign_in"))


def _safe_next(target: str | None) -> str | None:
    """Only a path of the console itself: never another site (open redirect)."""
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith("/console/") or target.startswith("//"):
        return None
    return target.rstrip("?")


def register(app) -> None:
    """Attach the console to the app."""
    from bot.console import pages  # noqa: F401  (the pages add their routes to the blueprint)

    config = app.config["ZGZJ_CONFIG"]
    app.config.update(
        SESSION_COOKIE_NAME="zgzj_console", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(config.console_cookie_secure), SESSION_COOKIE_PATH="/console",
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by the console's own guard, for the console only
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which the idle time-out ends
    )
    csrf.init_app(app)
    app.register_blueprint(console)
