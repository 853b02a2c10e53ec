"""The command line, one group per domain: `python -m bot --help`."""
from __future__ import annotations

import sys

import click

from bot.config import ConfigError, load_config


class Services:
    """Lazily built configuration, database and store for commands that need them."""

    def __init__(self) -> None:
        self._config = None
        self._runtime = None

    @property
    def config(self):
        if self._config is None:
            try:
                self._config = load_config()
            except ConfigError as exc:
                raise click.ClickException(f"configuration: {exc}") from exc
        return self._config

    @property
    def runtime(self):
        """The wired runtime (database, store, WeChat client, content) without a web app."""
        if self._runtime is None:
            from bot.runtime import Runtime

            self._runtime = Runtime.build(self.config)
        return self._runtime


pass_services = click.make_pass_decorator(Services, ensure=True)


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """浙工之家 service-account bot and mini-program backend."""
    ctx.ensure_object(Services)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_services
def db_upgrade(services: Services, revision: str) -> None:
    """Create or upgrade the schema."""
    from bot.storage import Database

    database = Database(services.config.database_url)
    database.upgrade(revision)
    click.echo(f"database upgraded to {revision}")


@db.command("revision")
@click.option("-m", "--message", required=True)
@pass_services
def db_revision(services: Services, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    from bot.storage.db import alembic_config

    command.revision(alembic_config(services.config.database_url), message=message, autogenerate=True)


@db.command("heads")
@pass_services
def db_heads(services: Services) -> None:
    """Show the newest migration(s); there must be exactly one."""
    from alembic import command

    from bot.storage.db import alembic_config

    command.heads(alembic_config(services.config.database_url))


def main() -> None:
    """Entry point of `python -m bot`."""
    _register_groups()
    cli(prog_name="python -m bot")


def _register_groups() -> None:
    # Each domain brings its own command group; importing lazily keeps `--help` fast.
    from bot import commands

    for group in commands.groups():
        cli.add_command(group)


if __name__ == "__main__":
    sys.exit(main())
