"""`python -m bot tickets ...`: staff list, read, answer and assign tickets until the console exists."""
from __future__ import annotations

import json

import click

from bot.cli.context import Services, pass_services
from bot.services.tickets import KINDS, STATUSES, TicketRejected, china_iso


@click.group()
def tickets() -> None:
    """Complaints, reports, letters, hardship aid, consultations, legal aid, callbacks."""


@tickets.command("list")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind.")
@click.option("--status", type=click.Choice(STATUSES), help="Only this status.")
@click.option("--flagged", is_flag=True, default=None, help="Only tickets whose text failed the content check.")
@click.option("--overdue", is_flag=True, help="Only open tickets past their deadline.")
@click.option("--limit", default=50, show_default=True)
@click.option("--offset", default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_services
def list_tickets(services: Services, kind, status, flagged, overdue, limit, offset, as_json) -> None:
    """List tickets, earliest deadline first; contact numbers masked, anonymous reporters hidden."""
    service = services.runtime.tickets
    now = services.runtime.clock()
    if overdue:
        views = [v for v in service.overdue(now) if (kind is None or v.kind == kind)][offset:offset + limit]
    else:
        views = service.staff_list(kind=kind, status=status, flagged=flagged, offset=offset, limit=limit)
    for view in views:
        if as_json:
            click.echo(json.dumps(view.to_dict(), ensure_ascii=False))
            continue
        marks = "".join(m for m, on in (("[风险]", view.flagged), ("[未审]", view.check_status == "unchecked"),
                                         ("[超期]", view.overdue(now)), ("[匿名]", view.anonymous)) if on)
        text = view.text.replace("\n", " ")
        click.echo(f"{view.number}  {view.kind_name}  {view.status_name}  {view.department}  "
                   f"due {china_iso(view.due_at)[:10]}  {view.contact_phone or '-'}  {marks}  "
                   f"{text[:40]}{'…' if len(text) > 40 else ''}")
    if not as_json:
        click.echo(f"({len(views)} tickets)")


@tickets.command("show")
@click.argument("number")
@pass_services
def show(services: Services, number: str) -> None:
    """Show one ticket in full, as staff see it."""
    try:
        view = services.runtime.tickets.staff_view(number)
    except LookupError:
        raise click.ClickException(f"no ticket {number}") from None
    data = view.to_dict()
    for key in ("number", "kind_name", "status_name", "department", "assigned_to", "topic_name", "created_at",
                "due_at", "employer", "contact_phone", "anonymous", "flagged", "check_status", "details",
                "attachments"):
        click.echo(f"{key}: {data.get(key)}")
    if view.person_id is not None:
        click.echo(f"person: {view.person_id}")
    click.echo(f"text:\n{view.text}")
    for at, text in view.replies:
        click.echo(f"reply {china_iso(at)}:\n{text}")


@tickets.command("answer")
@click.argument("number")
@click.option("--text", required=True, help="The answer the worker receives.")
@click.option("--staff", default="staff", show_default=True, help="Who answers.")
@click.option("--keep-open", is_flag=True, help="Answer without closing the ticket.")
@pass_services
def answer(services: Services, number: str, text: str, staff: str, keep_open: bool) -> None:
    """Answer a ticket (closing it unless --keep-open) and tell the worker."""
    try:
        view = services.runtime.tickets.answer(number, text, staff=staff, close=not keep_open)
    except LookupError:
        raise click.ClickException(f"no ticket {number}") from None
    except TicketRejected as rejected:
        raise click.ClickException("; ".join(rejected.fields.values())) from None
    click.echo(f"{view.number} answered, now {view.status}")


@tickets.command("assign")
@click.argument("number")
@click.option("--to", "assignee", required=True, help="The member of staff who handles it.")
@pass_services
def assign(services: Services, number: str, assignee: str) -> None:
    """Give a ticket to a member of staff."""
    try:
        view = services.runtime.tickets.assign(number, assignee)
    except LookupError:
        raise click.ClickException(f"no ticket {number}") from None
    click.echo(f"{view.number} assigned to {view.assigned_to}")


@tickets.command("recheck")
@click.option("--limit", default=100, show_default=True)
@pass_services
def recheck(services: Services, limit: int) -> None:
    """Run the content check on tickets stored while WeChat was unavailable."""
    counts = services.runtime.tickets.recheck(limit=limit)
    click.echo(", ".join(f"{key} {value}" for key, value in counts.items()))
