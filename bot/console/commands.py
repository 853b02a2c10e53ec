"""`python -m bot users ...`: staff accounts of the console from the command line (deployment scripts use it)."""
from __future__ import annotations

import click

from bot.console import accounts, audit
from bot.services.actor import CLI


def _runtime():
    """The runtime of the running CLI (its context object's), or one built from the configuration."""
    ctx = click.get_current_context()
    holder = ctx.find_root().obj
    if holder is not None and getattr(holder, "runtime", None) is not None:
        return holder.runtime
    from bot.config import ConfigError, load_config
    from bot.runtime import Runtime

    try:
        built = Runtime.build(load_config())
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc
    ctx.find_root().obj = type("Holder", (), {"runtime": built})()
    return built


@click.group("users")
def users() -> None:
    """Staff accounts of the web console (/console)."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True, help="At least 8 characters; stored as an argon2id hash.")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES))
@click.option("--city", default=None, help="Limit the account to one city (杭州, 宁波 ...).")
@click.option("--department", default=None, help="Limit the account to one department (维权部 ...).")
def create(username: str, password: str, role: str, city: str | None, department: str | None) -> None:
    """Create an account."""
    runtime = _runtime()
    try:
        made = accounts.create_account(runtime.database, username, password, role, city=city, department=department,
                                       now=runtime.clock())
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    audit.record(runtime.database, runtime.clock(), CLI, "account.create", made.username, role=made.role,
                 city=made.city, department=made.department)
    click.echo(f"account {made.username} created: {made.role}"
               + (f", city {made.city}" if made.city else "") + (f", department {made.department}" if made.department else ""))


@users.command("list")
def list_() -> None:
    """Every account with its role and limits."""
    runtime = _runtime()
    now = runtime.clock()
    for account in accounts.list_accounts(runtime.database):
        state = "disabled" if not account.active else (
            "locked" if account.locked_until and account.locked_until > now else "active")
        click.echo(f"{account.username}\t{account.role}\t{account.city or '-'}\t{account.department or '-'}\t{state}")


@users.command("set-password")
@click.option("--username", required=True)
@click.option("--password", required=True)
def set_password(username: str, password: str) -> None:
    """Change a password (ends the account's sessions) and lift any lock-out."""
    runtime = _runtime()
    try:
        accounts.set_password(runtime.database, username, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    audit.record(runtime.database, runtime.clock(), CLI, "account.set_password", username)
    click.echo(f"password of {username} changed")


@users.command("unlock")
@click.option("--username", required=True)
def unlock(username: str) -> None:
    """Lift a lock-out after repeated failed sign-ins."""
    runtime = _runtime()
    try:
        accounts.unlock(runtime.database, username)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    audit.record(runtime.database, runtime.clock(), CLI, "account.unlock", username)
    click.echo(f"{username} unlocked")
