"""Every sentence the code asks for by name is in content/, with the {placeholders} the code fills.

An editor who deletes or renames a reply, or adds a placeholder the code does not know, and a
developer who misspells a name, find out from `make test` and `make check-content`, not from a
worker who gets the error reply.
"""
import shutil
from pathlib import Path

import pytest

from bot.content import ContentFileError, Replies, check_replies, reply_use_problems, reply_uses
from bot.config import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"


def editable_replies(tmp_path: Path) -> Path:
    """A copy of the replies an editor can change in a test."""
    shutil.copy(CONTENT / "replies.yaml", tmp_path / "replies.yaml")
    shutil.copytree(CONTENT / "replies", tmp_path / "replies")
    return tmp_path


def test_every_reply_the_code_asks_for_is_in_the_content_with_its_placeholders_filled():
    uses = reply_uses()
    asked = {use.key for use in uses}
    # The scan really reads the code: the chat's greeting, a legal reply and a shared option label.
    assert {"welcome", "legal_no_answer", "option_back_to_menu"} <= asked
    assert reply_use_problems(Replies(CONTENT), uses) == []


def test_a_misspelt_name_in_the_code_is_caught(tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "handler.py").write_text(
        'def handle(turn):\n'
        '    return turn.say("legal_no_answr")\n', encoding="utf-8")
    problems = reply_use_problems(Replies(CONTENT), reply_uses([code]))
    assert len(problems) == 1 and "'legal_no_answr'" in problems[0] and "handler.py:2" in problems[0]


def test_a_placeholder_the_code_does_not_fill_is_caught(tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "handler.py").write_text(
        'def handle(turn, services):\n'
        '    turn.say("legal_option_counsellor", day=3)\n'  # the sentence has {days}
        '    services.replies.get("legal_no_answer")\n'
        '    return turn.say("legal_option_counsellor", **{"days": 3})\n', encoding="utf-8")  # unknown values: not judged
    problems = reply_use_problems(Replies(CONTENT), reply_uses([code]))
    assert len(problems) == 1 and "{days}" in problems[0] and "handler.py:2" in problems[0]


def test_the_content_check_reports_a_reply_an_editor_deleted(tmp_path):
    content = editable_replies(tmp_path)
    legal = content / "replies" / "legal.yaml"
    legal.write_text(legal.read_text(encoding="utf-8").replace("legal_no_answer:", "legal_no_answer_typo:"),
                     encoding="utf-8")
    with pytest.raises(ContentFileError, match="legal_no_answer'.*not in the content"):
        check_replies(content)


def test_the_content_check_reports_a_placeholder_an_editor_added(tmp_path):
    content = editable_replies(tmp_path)
    helps = content / "replies" / "help.yaml"
    helps.write_text(helps.read_text(encoding="utf-8").replace("不客气，", "不客气，{name}，"), encoding="utf-8")
    with pytest.raises(ContentFileError, match=r"'help_thanks' has \{name\}"):
        check_replies(content)


def test_the_content_as_shipped_passes_the_check():
    check_replies(CONTENT)
