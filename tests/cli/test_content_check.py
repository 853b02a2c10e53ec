"""`python -m bot content check`: the shipped content passes; a broken file is named, whichever it is."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CONTENT = Path(__file__).resolve().parents[2] / "content"

# Emptying one checked file must make the checks complain, each naming that file.
CHECKED_FILES = ["replies.yaml", "membership.yaml", "tickets.yaml", "legal/faq.yaml", "benefits/catalogue.yaml"]


def test_the_shipped_content_passes(invoke):
    result = invoke("content", "check")
    assert result.exit_code == 0, result.output
    assert "content ok" in result.stdout and not result.stderr


@pytest.mark.parametrize("name", CHECKED_FILES)
def test_a_broken_file_is_named(invoke, config, tmp_path, name):
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    (copy / name).write_text("{}\n", encoding="utf-8")

    result = invoke("content", "check", config=config.with_overrides(content_dir=str(copy)))

    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith("problem: ")]
    assert problems and all(str(copy / name) in problem for problem in problems), result.stderr
    assert "content ok" not in result.stdout


def test_invalid_yaml_is_a_problem_not_a_crash(invoke, config, tmp_path):
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    (copy / "tickets.yaml").write_text("kinds: [unclosed\n", encoding="utf-8")

    result = invoke("content", "check", config=config.with_overrides(content_dir=str(copy)))

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert f"problem: {copy / 'tickets.yaml'}" in result.stderr
