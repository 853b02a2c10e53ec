"""`python -m bot content check`: validate every editor-owned content file."""
from __future__ import annotations

import sys

import click

from bot.cli import Services, pass_services
from bot.registry import resolve

# "module:function" validators taking the content directory; each raises ValueError naming the problem.
CONTENT_CHECKS: list[str] = [
    "bot.content:check_replies",
    "bot.services.membership:check_content",
    "bot.services.tickets:check_content",
    "handlers.legal:check_content",
    "handlers.benefits:check_content",
    "bot.nlu.model:check_model",
]


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
    for spec in CONTENT_CHECKS:
        check = resolve(spec)
        if check is None:
            continue
        try:
            check(content_dir)
        except ValueError as exc:
            problems.append(str(exc))
    return problems
