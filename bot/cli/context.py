"""What every command receives: lazily built configuration and runtime (`Services`, `pass_services`)."""
from __future__ import annotations

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
