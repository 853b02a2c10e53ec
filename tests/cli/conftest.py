"""Fixtures for the command line: invoke `python -m bot ...` in-process on the test runtime."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import Services, cli


@pytest.fixture
def invoke(config):
    """Run `python -m bot ARGS` in-process with the test configuration (or one given); return the result."""

    def run(*args: str, config=config):
        services = Services()
        services._config = config
        return CliRunner().invoke(cli, list(args), obj=services, prog_name="python -m bot")

    return run
