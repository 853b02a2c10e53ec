"""`python -m bot lists add`: store a list of followers' openids as a push audience (`--audience list:ID`)."""
from __future__ import annotations

import click

from bot.cli.context import Services, pass_services


@click.group("lists")
def lists() -> None:
    """Openid lists as push audiences (2 to 10,000 followers, as WeChat's mass send by openid list needs)."""


@lists.command("add")
@click.argument("source", type=click.File("rb"))
@click.option("--name", default="", help="What the list is, e.g. the factory's name.")
@pass_services
def add(services: Services, source, name: str) -> None:
    """Store the openids of SOURCE (a file, or - for standard input; one a line or comma-separated)."""
    from bot.push.audience_lists import AudienceLists, ListRefused

    runtime = services.runtime
    try:
        stored = AudienceLists(runtime.database, runtime.clock).store(name, source.read(), created_by="cli")
    except ListRefused as refused:
        raise click.ClickException(runtime.replies.get(refused.reason, **refused.values)) from None
    click.echo(runtime.replies.get("audience_list_stored", size=stored.size, not_followers=stored.not_followers,
                                   malformed=stored.malformed, duplicates=stored.duplicates))
    click.echo(f"list:{stored.id}")
