"""The home page (the queues that are the signed-in person's job) and the notification badge."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template

from bot.console import queries
from bot.console.policy import may_open
from bot.console.web import console, now, requires, runtime, staff


@console.app_template_filter("china_time")
def china_time(moment, with_year: bool = True) -> str:
    """A stored (naive UTC) time as staff read it, in China time."""
    if moment is None:
        return ""
    local = moment + timedelta(hours=8)
    return local.strftime("%Y-%m-%d %H:%M" if with_year else "%m-%d %H:%M")


@console.route("/")
@requires("home")
def home():
    """What waits for me: counts, the overdue requests, today's activities."""
    me = staff()
    counts = queries.counts(runtime(), me)
    overdue = queries.staff_tickets(runtime(), me, overdue_only=True, limit=20) if may_open(me, "tickets") else []
    today = []
    if may_open(me, "activities"):
        day = (now() + timedelta(hours=8)).date()
        today = [a for a in queries.staff_activities(runtime(), me, include_past_days=1)
                 if (a.starts_at + timedelta(hours=8)).date() == day and a.status != "cancelled"]
    return render_template("console/home.html", counts=counts, overdue=overdue, today=today)


@console.route("/badge")
@requires("home")
def badge():
    """The count of new and overdue requests, polled by the navigation bar (htmx)."""
    counts = queries.counts(runtime(), staff())
    return render_template("console/_badge.html", count=queries.attention(counts),
                           overdue=counts.get("tickets_overdue", 0))
