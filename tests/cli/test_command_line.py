"""`python -m bot --help`: every group and command the deployment scripts and the README name is there."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# What deployment scripts, the Makefile and the README call; renaming one breaks them.
COMMANDS = {
    "db": {"upgrade", "revision", "heads"},
    "run": None,
    "serve": None,
    "healthcheck": None,
    "fake-wechat": None,
    "chat": None,
    "menu": {"show", "publish"},
    "nlu": {"classify", "eval", "check", "label", "misses", "train"},
    "content": {"check"},
    "members": {"review", "show", "applications", "list", "delete-data"},
    "activities": {"create", "list", "show", "close", "cancel"},
    "tickets": {"list", "show", "answer", "assign", "recheck"},
    "campaigns": {"create", "show", "list", "cancel", "pause", "resume", "retry", "preview", "test-send", "send"},
    "scheduler": None,
    "worker": None,
    "users": {"create", "list", "set-password", "unlock"},
    "stats": {"rebuild", "wechat"},
    "lists": {"add"},
}


def _listed(output: str) -> set[str]:
    """The command names in the 'Commands:' section of a help page."""
    section = output.split("Commands:", 1)[1]
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ") and line.strip()}


def test_help_lists_every_group(invoke):
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    assert _listed(result.output) == set(COMMANDS)


@pytest.mark.parametrize("group", sorted(name for name, sub in COMMANDS.items() if sub))
def test_each_group_lists_its_commands(invoke, group):
    result = invoke(group, "--help")
    assert result.exit_code == 0, result.output
    assert _listed(result.output) == COMMANDS[group]


@pytest.mark.parametrize("command", sorted(name for name, sub in COMMANDS.items() if not sub))
def test_each_command_has_help(invoke, command):
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert f"Usage: python -m bot {command}" in result.output


def test_python_dash_m_bot_starts():
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage: python -m bot" in result.stdout and "campaigns" in result.stdout
