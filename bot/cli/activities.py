"""`python -m bot activities ...`: staff create, list, inspect and close activities until the console exists.

Times are typed and shown in China time (Asia/Shanghai); sign-ups are shown masked.
"""
from __future__ import annotations

import json
from datetime import timedelta

import click

from bot.cli.context import Services, pass_services
from bot.security import mask_name, mask_openid, mask_phone
from bot.services.activities import ActivityNotFound, ActivityView, parse_local, to_local


@click.group()
def activities() -> None:
    """Union activities: create, list, show (sign-ups masked), close."""


@activities.command("create")
@click.option("--title", required=True)
@click.option("--city", required=True, help="One of the 11 cities of Zhejiang, e.g. 杭州.")
@click.option("--starts", required=True, help='Start, China time: "YYYY-MM-DD HH:MM".')
@click.option("--place", required=True)
@click.option("--capacity", required=True, type=int, help="Places (confirmed sign-ups).")
@click.option("--ends", help='End, China time: "YYYY-MM-DD HH:MM" (or use --hours).')
@click.option("--hours", type=float, help="Duration in hours, when --ends is not given.")
@click.option("--deadline", help='Sign-up closes, China time: "YYYY-MM-DD HH:MM" (default: at the start).')
@click.option("--summary", default="", help="What happens there, one or two sentences.")
@click.option("--eligibility", default="", help="Who can join, in words (e.g. 杭州市在职职工).")
@click.option("--organizer", default="")
@click.option("--waiting-list", "waiting_list_size", type=int, default=None,
              help="Size of the waiting list; 0 for none; unlimited when omitted.")
@click.option("--members-only", is_flag=True, help="Only union members may sign up.")
@click.option("--key", default=None, help="A stable name for imports (unique).")
@pass_services
def create(services: Services, title, city, starts, place, capacity, ends, hours, deadline, summary, eligibility,
           organizer, waiting_list_size, members_only, key) -> None:
    """Create an activity and print its id."""
    try:
        starts_at = parse_local(starts)
        ends_at = parse_local(ends) if ends else (starts_at + timedelta(hours=hours) if hours else None)
        view = services.runtime.activities.create(
            title=title, city=city, place=place, starts_at=starts_at, ends_at=ends_at,
            signup_deadline=parse_local(deadline) if deadline else None, capacity=capacity, summary=summary,
            eligibility=eligibility, organizer=organizer, waiting_list_size=waiting_list_size,
            members_only=members_only, key=key)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created activity {view.id}: {view.title} ({_local(view.starts_at)}, {view.city}, {view.capacity} places)")


@activities.command("list")
@click.option("--city", help="Only this city.")
@click.option("--open", "open_only", is_flag=True, help="Only those with places to take now.")
@click.option("--limit", default=50, show_default=True)
@click.option("--offset", default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_services
def list_activities(services: Services, city, open_only, limit, offset, as_json) -> None:
    """List upcoming activities, soonest first, with places taken and waiting."""
    views, total = services.runtime.activities.upcoming(city=city, has_places=True if open_only else None,
                                                        offset=offset, limit=limit)
    for view in views:
        if as_json:
            click.echo(json.dumps(view.to_dict(), ensure_ascii=False))
        else:
            click.echo(f"{view.id:>5}  {_local(view.starts_at)}  {view.city}  {view.status:<9} "
                       f"{view.confirmed_count}/{view.capacity} waiting {view.waiting_count}  {view.title}")
    if not as_json:
        click.echo(f"({len(views)} of {total} upcoming activities)")


@activities.command("show")
@click.argument("activity_id", type=int)
@click.option("--cancelled", is_flag=True, help="Include cancelled sign-ups.")
@pass_services
def show(services: Services, activity_id: int, cancelled: bool) -> None:
    """Show one activity and its sign-ups (confirmed, then the waiting list), masked."""
    runtime = services.runtime
    view = runtime.activities.get(activity_id)
    if view is None:
        raise click.ClickException(f"no activity {activity_id}")
    _describe(view)
    sign_ups = runtime.activities.sign_ups(activity_id, include_cancelled=cancelled)
    click.echo(f"sign-ups ({len(sign_ups)}):")
    for person_id, sign_up in sign_ups:
        status = f"waiting #{sign_up.position}" if sign_up.status == "waiting" else sign_up.status
        party = f"{sign_up.seats} people" if sign_up.companions else "1 person"
        click.echo(f"  person {person_id:<6} {status:<12} {party:<10} {_local(sign_up.created_at)}  "
                   f"{_who(runtime, person_id)}")


@activities.command("close")
@click.argument("activity_id", type=int)
@pass_services
def close(services: Services, activity_id: int) -> None:
    """Stop sign-ups; existing sign-ups stay and cancellations still move the waiting list up."""
    try:
        view = services.runtime.activities.close(activity_id)
    except ActivityNotFound:
        raise click.ClickException(f"no activity {activity_id}") from None
    click.echo(f"activity {view.id} closed for sign-ups ({view.confirmed_count}/{view.capacity} confirmed, "
               f"{view.waiting_count} waiting)")


@activities.command("cancel")
@click.argument("activity_id", type=int)
@pass_services
def cancel(services: Services, activity_id: int) -> None:
    """Call the activity off: it leaves the lists; people who signed up see it cancelled."""
    try:
        view = services.runtime.activities.cancel_activity(activity_id)
    except ActivityNotFound:
        raise click.ClickException(f"no activity {activity_id}") from None
    click.echo(f"activity {view.id} cancelled ({view.confirmed_count} people had a place: tell them, "
               f"e.g. python -m bot campaigns with audience activity:{view.id})")


def _describe(view: ActivityView) -> None:
    click.echo(f"activity {view.id}: {view.title}")
    click.echo(f"  when: {_local(view.starts_at)}" + (f" to {_local(view.ends_at)}" if view.ends_at else ""))
    click.echo(f"  where: {view.city} {view.place}")
    click.echo(f"  sign-up until: {_local(view.signup_deadline)}   status: {view.status}"
               + ("   members only" if view.members_only else ""))
    click.echo(f"  places (people): {view.confirmed_count}/{view.capacity} confirmed, {view.places_left} left, "
               f"{view.waiting_count} waiting" + (f"; up to {view.max_companions} companions a sign-up"
                                                  if view.max_companions else ""))
    for label, value in (("organizer", view.organizer), ("eligibility", view.eligibility), ("summary", view.summary)):
        if value:
            click.echo(f"  {label}: {value}")


def _who(runtime, person_id: int) -> str:
    """Masked openid, phone and (for members) name: enough for staff to recognise, not to copy."""
    parts = [f"openid {mask_openid(runtime.people.openid(person_id)) or '-'}"]
    phone = runtime.people.phone(person_id)
    if phone:
        parts.append(f"phone {mask_phone(phone)}")
    member = runtime.membership.membership(person_id)
    if member is not None and member.name:
        parts.append(f"name {mask_name(member.name)}")
    return "  ".join(parts)


def _local(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"
