"""Where each domain's command group is registered with the CLI (one line per domain)."""
from __future__ import annotations

import importlib

import click

# module path, attribute: the command (group) it exports
GROUPS = [
    ("bot.server_commands", "run"),
    ("bot.server_commands", "serve"),
    ("bot.server_commands", "healthcheck"),
    ("bot.wechat.commands", "fake_wechat"),
    ("bot.wechat.commands", "chat"),
    ("bot.wechat.commands", "menu"),
    ("bot.nlu.commands", "nlu"),
    ("bot.content_commands", "content"),
    ("bot.push.commands", "campaigns"),
    ("bot.push.commands", "scheduler"),
    ("bot.push.commands", "worker"),
    ("bot.activities_commands", "activities"),
    ("bot.membership_commands", "members"),
    ("bot.tickets_commands", "tickets"),
]


def groups() -> list[click.Command]:
    """Return every registered command that can be imported."""
    found = []
    for module_name, attribute in GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a domain not built yet
        found.append(getattr(module, attribute))
    return found
