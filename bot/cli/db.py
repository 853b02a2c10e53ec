"""`python -m bot db ...`: create, upgrade and extend the database schema."""
from __future__ import annotations

import click

from bot.cli.context import Services, pass_services


@click.group()
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
