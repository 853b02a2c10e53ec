"""`python -m bot stats ...`: rebuild the dashboard's daily figures for a range of China days."""
from __future__ import annotations

from datetime import datetime

import click

from bot.cli.context import Services, pass_services


@click.group()
def stats() -> None:
    """The dashboard's daily figures."""


@stats.command("rebuild")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First China day (YYYY-MM-DD).")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last China day, included.")
@pass_services
def rebuild(services: Services, first: datetime, last: datetime) -> None:
    """Aggregate every day of the range again (the same figures every time)."""
    from bot.stats.aggregate import aggregator_for

    if last < first:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    aggregator = aggregator_for(services.runtime)
    days = aggregator.rebuild(first.date(), last.date(),
                              progress=lambda day, rows: click.echo(f"{day}  {rows} figures"))
    click.echo(f"rebuilt {days} day(s)")


@stats.command("wechat")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, included.")
@pass_services
def wechat(services: Services, first: datetime, last: datetime) -> None:
    """Fetch WeChat's data-cube figures (followers, article reads) for the range and store them."""
    from bot.stats import wechat_cube
    from bot.wechat.client import WeChatError

    if last < first:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    runtime = services.runtime
    try:
        stored = wechat_cube.fetch(runtime.database, runtime.wechat, first.date(), last.date())
    except WeChatError as error:
        raise click.ClickException(f"WeChat refused the data cube: {error}") from error
    click.echo(f"stored {stored} figures from WeChat's data cube")
