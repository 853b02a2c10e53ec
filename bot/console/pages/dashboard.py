"""The dashboard: charts and the numbers beside them, time-range and city filters, CSV of every table,
and the monthly report of a city union, printable (and saved as PDF by the browser's print dialog)."""
from __future__ import annotations

import csv
import io
from urllib.parse import quote
from datetime import date, timedelta

from flask import Response, abort, render_template, request

from bot.console.web import console, now, record, requires, runtime, say, staff
from bot.services.places import CITIES, normalize_city
from bot.stats.report import CITY_TABLES, REPORT_TABLES, TABLES, Dashboard, Table
from bot.stats.report_pdf import monthly_report_pdf as render_report_pdf

# How each table is drawn: the columns that label a bar (or a day) and the columns drawn as series.
CHARTS: dict[str, tuple[list[int], list[int]]] = {
    "followers_by_channel": ([0], [2, 3, 4]), "activity": ([0], [1, 2, 3, 4]), "messages_by_intent": ([0], [1]),
    "messages_by_hour": ([0], [1]), "unplaced_words": ([0], [1]), "applications": ([0, 1], [2]),
    "tickets": ([0, 1], [3]), "answers": ([0], [1, 2, 5]), "satisfaction": ([0], [2]),
    "activity_satisfaction": ([0, 1], [3]), "signups": ([0], [1, 2]), "attendance": ([0], [2, 3]), "campaigns": ([1], [2, 3, 4, 6]),
    "wechat_users": ([0], [1, 2]), "wechat_articles": ([0], [2, 3]),
}
APPLICATION_STATUSES = ("submitted", "need_info", "approved", "rejected", "withdrawn")
DEFAULT_DAYS = 30
LONGEST_RANGE = 400  # days: a year and a bit, still a few thousand summary rows


def _today() -> date:
    return (now() + timedelta(hours=8)).date()


def _range() -> tuple[date, date, bool]:
    """The days asked for (?from=&to=, YYYY-MM-DD), or the last 30 days; True when the request was refused."""
    last_default = _today() - timedelta(days=1)
    try:
        first = date.fromisoformat(request.args.get("from") or "")
        last = date.fromisoformat(request.args.get("to") or "")
    except ValueError:
        return last_default - timedelta(days=DEFAULT_DAYS - 1), last_default, bool(request.args.get("from"))
    if last < first or (last - first).days > LONGEST_RANGE:
        return last_default - timedelta(days=DEFAULT_DAYS - 1), last_default, True
    return first, last, False


def _city() -> str | None:
    """A city-limited account sees its city; others choose one, or none for the whole province."""
    me = staff()
    if me.city:
        return me.city
    return normalize_city(request.args.get("city") or "") or None


def headers(table: Table) -> list[str]:
    """The column headers of a table, from content."""
    found = say(f"stats_columns_{table.name}").split("|")
    return found if len(found) == len(table.columns) else table.columns


def title(table: Table) -> str:
    """The title of a table, from content."""
    return say(f"stats_table_{table.name}")


def _tables(first: date, last: date, city: str | None) -> dict[str, Table]:
    tables = Dashboard(runtime().database).tables(first, last, city)
    overview = tables["overview"]
    overview.rows = [[say(f"stats_figure_{key}"), value] for key, value in overview.rows]
    # Staff read names, not identifiers: intents by the matcher's labels, ticket kinds by the service's.
    matcher, tickets = runtime().matcher, runtime().tickets
    for row in tables["messages_by_intent"].rows:
        row[0] = matcher.label(row[0]) if row[0] != "unknown" else say("stats_intent_unknown")
    for row in tables["tickets"].rows:
        row[0] = tickets.kind_name(row[0])
    for row in tables["activity_satisfaction"].rows:
        row[0] = say("stats_city_total") if row[0] is None else row[0]
    for row in tables["applications"].rows:
        row[1] = say(f"stats_status_{row[1]}") if row[1] in APPLICATION_STATUSES else row[1]
    return tables


@console.route("/dashboard")
@requires("dashboard")
def dashboard():
    """Charts and tables of the chosen days and city."""
    first, last, refused = _range()
    city = _city()
    tables = _tables(first, last, city)
    last_run = Dashboard(runtime().database).last_run()
    return render_template("console/dashboard.html", tables=tables, first=first, last=last, city=city,
                           cities=CITIES, refused=refused, last_run=last_run, headers=headers, title=title,
                           city_tables=CITY_TABLES, charts=CHARTS)


@console.route("/dashboard/<name>.csv")
@requires("dashboard")
def dashboard_csv(name: str):
    """One table as CSV (UTF-8 with a BOM, so Excel reads the Chinese)."""
    if name not in TABLES:
        abort(404)
    first, last, _ = _range()
    city = _city()
    table = _tables(first, last, city)[name]
    record("dashboard.export", name, first=first.isoformat(), last=last.isoformat(), city=city or "")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(table))
    writer.writerows(table.rows)
    suffix = f"-{city}" if city else ""
    filename = f"{name}-{first:%Y%m%d}-{last:%Y%m%d}{suffix}.csv".encode("ascii", "ignore").decode()
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def _report_month() -> tuple[date, date]:
    """The month asked for (?month=YYYY-MM), or the last complete one."""
    previous = _today().replace(day=1) - timedelta(days=1)
    try:
        year, month = (int(part) for part in (request.args.get("month") or f"{previous:%Y-%m}").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = previous.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


def _report_words(first: date, last: date, city: str | None) -> tuple[str, str]:
    """The report's heading and the line under it, from content."""
    heading = say("report_heading", place=city or say("report_province"), year=first.year, month=first.month)
    generated = (now() + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    return heading, say("report_subtitle", first=first.isoformat(), last=last.isoformat(), generated=generated)


def _report() -> tuple[date, date, str | None, dict[str, Table], str, str]:
    """The month, city, tables and words of the monthly report asked for."""
    first, last = _report_month()
    city = _city()
    heading, subtitle = _report_words(first, last, city)
    return first, last, city, _tables(first, last, city), heading, subtitle


@console.route("/dashboard/report")
@requires("dashboard")
def monthly_report():
    """The monthly report (通报) of one city union, or the province, laid out for printing."""
    first, last, city, tables, heading, subtitle = _report()
    record("dashboard.report", f"{first:%Y-%m}", city=city or "")
    return render_template("console/dashboard_report.html", tables=tables, first=first, last=last, city=city,
                           headers=headers, title=title, heading=heading, subtitle=subtitle,
                           report_tables=REPORT_TABLES)


@console.route("/dashboard/report.pdf")
@requires("dashboard")
def monthly_report_pdf():
    """The same monthly report as a PDF file (A4, Chinese in reportlab's built-in STSong-Light)."""
    first, last, city, tables, heading, subtitle = _report()
    record("dashboard.report_pdf", f"{first:%Y-%m}", city=city or "")
    body = render_report_pdf(heading, subtitle, [tables[name] for name in REPORT_TABLES], title, headers,
                             say("report_no_data"), author=staff().username)
    filename = f"report-{first:%Y-%m}{'-' + city if city else ''}.pdf"
    ascii_name = filename.encode("ascii", "ignore").decode()
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(filename)}"})
