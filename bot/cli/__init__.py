"""The command line, one module per domain group: `python -m bot --help`.

Every command is imported here by reference and added to the root group below, so a
missing or misspelt command fails when the command line starts, not when it is called.
"""
from __future__ import annotations

import click

from bot.cli import activities, audience_lists, campaigns, content, db, members, nlu, server, stats, tickets, wechat
from bot.cli.context import Services, pass_services
from bot.console import commands as console_commands

__all__ = ["Services", "cli", "main", "pass_services"]


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """浙工之家 service-account bot and mini-program backend."""
    ctx.ensure_object(Services)


# Each domain's group (or commands), by reference.
cli.add_command(db.db)
cli.add_command(server.run)
cli.add_command(server.serve)
cli.add_command(server.healthcheck)
cli.add_command(wechat.fake_wechat)
cli.add_command(wechat.chat)
cli.add_command(wechat.menu)
cli.add_command(nlu.nlu)
cli.add_command(content.content)
cli.add_command(members.members)
cli.add_command(activities.activities)
cli.add_command(tickets.tickets)
cli.add_command(campaigns.campaigns)
cli.add_command(campaigns.scheduler)
cli.add_command(campaigns.worker)
cli.add_command(console_commands.users)
cli.add_command(stats.stats)
cli.add_command(audience_lists.lists)


def main() -> None:
    """Entry point of `python -m bot`."""
    cli(prog_name="python -m bot")
