"""content/nlu is checked: the real files are sound, and an editor's mistakes are named."""
import shutil

import pytest
from click.testing import CliRunner

from bot.nlu import INTENTS, check_content
from bot.cli.nlu import nlu

from .conftest import CONTENT_DIR


@pytest.fixture
def content_copy(tmp_path):
    """A private copy of content/nlu that a test may break."""
    shutil.copytree(CONTENT_DIR / "nlu", tmp_path / "content" / "nlu")
    return tmp_path / "content"


def test_the_project_content_is_sound():
    assert check_content(CONTENT_DIR) == []


def test_every_intent_has_a_chinese_label(matcher):
    for intent in INTENTS:
        label = matcher.label(intent)
        assert label != intent and any("\u4e00" <= ch <= "\u9fff" for ch in label)


def test_an_unknown_intent_and_a_bad_weight_are_reported(content_copy):
    intents = content_copy / "nlu" / "intents.yaml"
    text = intents.read_text(encoding="utf-8")
    text = text.replace("  activity:\n", "  activty:\n", 1).replace("      转人工: 6\n", "      转人工: 很高\n")
    intents.write_text(text, encoding="utf-8")
    problems = check_content(content_copy)
    assert any("activty" in p for p in problems)
    assert any("转人工" in p for p in problems)


def test_broken_yaml_is_reported_not_raised(content_copy):
    (content_copy / "nlu" / "topics.yaml").write_text("topics: [unclosed\n", encoding="utf-8")
    assert any(p.startswith("topics.yaml") for p in check_content(content_copy))


def test_check_command_exit_codes(content_copy):
    runner = CliRunner()
    assert runner.invoke(nlu, ["check", "--content-dir", str(content_copy)]).exit_code == 0
    table = content_copy / "nlu" / "corrections.txt"
    table.write_text(table.read_text(encoding="utf-8") + "just-one-column\n", encoding="utf-8")
    result = runner.invoke(nlu, ["check", "--content-dir", str(content_copy)])
    assert result.exit_code == 1
    assert "corrections.txt" in result.output
