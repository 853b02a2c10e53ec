"""Where each domain's command group is registered with the CLI (one line per domain)."""
from __future__ import annotations

import click

from bot.registry import resolve

# "module:attribute" of each command (group)
GROUPS = [
    "bot.server_commands:run",
    "bot.server_commands:serve",
    "bot.server_commands:healthcheck",
    "bot.wechat.commands:fake_wechat",
    "bot.wechat.commands:chat",
    "bot.wechat.commands:menu",
    "bot.nlu.commands:nlu",
    "bot.content_commands:content",
    "bot.membership_commands:members",
    "bot.activities_commands:activities",
    "bot.tickets_commands:tickets",
    "bot.push.commands:campaigns",
    "bot.push.commands:scheduler",
    "bot.push.commands:worker",
]


def groups() -> list[click.Command]:
    """Return every registered command that can be imported."""
    return [command for command in map(resolve, GROUPS) if command is not None]
