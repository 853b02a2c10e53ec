"""`python -m bot content check`: validate every editor-owned content file."""
from __future__ import annotations

import sys

import click

from bot.cli.context import Services, pass_services
from bot.content import check_replies
from bot.nlu.model import check_model
from bot.services.membership import check_content as check_membership
from bot.services.tickets import check_content as check_tickets
from bot.wechat.menu import check_content as check_menu
from handlers.benefits import check_content as check_benefits
from handlers.legal import check_content as check_legal
from handlers.tickets import check_content as check_ticket_forms

# Validators taking the content directory; each raises ValueError naming the problem.
CONTENT_CHECKS = [check_replies, check_membership, check_tickets, check_ticket_forms, check_legal, check_benefits,
                  check_menu, check_model]
# What a console save must pass: all but the model's check, since an edit of content/nlu makes the model out of date
# by design (the matcher refuses it and the rules answer alone until the retrain that the save starts).
EDIT_CHECKS = [check for check in CONTENT_CHECKS if check is not check_model]


@click.group()
def content() -> None:
    """Editor-owned content (content/)."""


@content.command("check")
@pass_services
def check(services: Services) -> None:
    """Load and validate every content file; exit 1 with the problems found."""
    problems = run_checks(services.config.content_dir)
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"content ok ({len(CONTENT_CHECKS)} checks)")


def run_checks(content_dir) -> list[str]:
    """Run every registered content check; return the problems as sentences."""
    problems = []
    for check in CONTENT_CHECKS:
        try:
            check(content_dir)
        except ValueError as exc:
            problems.append(str(exc))
    return problems
