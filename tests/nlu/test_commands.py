"""The nlu commands: classify from standard input, evaluate a labelled file, list unplaced words."""
import json

import pytest
from click.testing import CliRunner

from bot.cli.nlu import nlu, unplaced_words
from bot.storage import Database
from bot.storage.models import MessageLog

from .conftest import CONTENT_DIR


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Run the commands on the embedded default, with a private var dir and no config file."""
    monkeypatch.setenv("ZGZJ_CONFIG", "")
    monkeypatch.delenv("ZGZJ_CONFIG")
    monkeypatch.setenv("ZGZJ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ZGZJ_CONTENT_DIR", str(CONTENT_DIR))
    for name in ("DATABASE_URL", "WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_classify_writes_one_json_object_per_line(env):
    result = CliRunner().invoke(nlu, ["classify"], input="欠薪咋办\n我要举报\n\n1\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [row["intent"] for row in rows[:2]] == ["legal_consult", "report"]
    assert rows[0]["topic"] == "wage_arrears"
    assert rows[1]["topic"] is None
    assert rows[2]["text"] == "1" and rows[2]["confident"] is False
    assert {"text", "intent", "topic", "score", "confident", "candidates"} <= set(rows[0])


def test_eval_prints_the_figures(env, tmp_path):
    labelled = tmp_path / "set.jsonl"
    labelled.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"text": "入会", "intent": "join_union", "topic": None},
        {"text": "加班费怎么算", "intent": "legal_consult", "topic": "overtime_hours"},
        {"text": "明天下雨吗", "intent": "out_of_scope", "topic": None},
    ]), encoding="utf-8")
    result = CliRunner().invoke(nlu, ["eval", str(labelled)])
    assert result.exit_code == 0, result.output
    assert "intent accuracy: 1.000" in result.output
    assert "confident-wrong rate 0.0%" in result.output and "asked share" in result.output
    assert "macro F1" in result.output and "msg/s" in result.output
    assert "topic accuracy: 1.000" in result.output
    assert "confusion matrix" in result.output


def test_eval_counts_a_confident_wrong_answer(env, tmp_path):
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(json.dumps({"text": "我要举报", "intent": "activity", "topic": None}, ensure_ascii=False),
                        encoding="utf-8")
    result = CliRunner().invoke(nlu, ["eval", str(labelled)])
    assert "confident and wrong: 1  (confident-wrong rate 100.0%)" in result.output, result.output


def _log(session, text, intent, score, direction="in"):
    session.add(MessageLog(direction=direction, openid="o1", kind="text", text=text, intent=intent, score=score))


def test_misses_lists_frequent_unknown_words_from_the_message_log(env, monkeypatch):
    url = "sqlite:///" + str(env / "t.db")
    database = Database(url)
    database.upgrade()
    with database.session() as session:
        _log(session, "舞狮队的活动在哪", "unknown", 0.0)
        _log(session, "舞狮队可以加入吗", "activity", 0.2)
        _log(session, "舞狮队", "out_of_scope", 0.1)
        _log(session, "我要入会", "join_union", 0.9)  # placed: not counted
        _log(session, "舞狮队舞狮队", None, None, direction="out")  # our own reply: not counted
    database.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("WECHAT_TOKEN", "t")
    monkeypatch.setenv("WECHAT_APP_ID", "wx1")
    monkeypatch.setenv("WECHAT_APP_SECRET", "s")
    monkeypatch.setenv("SECRET_KEY", "a-test-secret-key-long-enough")
    result = CliRunner().invoke(nlu, ["misses", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert "unplaced messages: 3" in result.output
    first = result.output.splitlines()[1].split()
    assert first == ["3", "舞狮队"]
    assert "活动" not in result.output  # already a keyword


def test_unplaced_words_skip_stop_words_and_known_phrases(matcher):
    words = dict(unplaced_words(matcher, ["我的舞狮队怎么办", "舞狮队的事", "工资"]))
    assert words == {"舞狮队": 2}


def test_misses_without_a_schema_says_how_to_create_it(env):
    result = CliRunner().invoke(nlu, ["misses"])
    assert result.exit_code == 1
    assert "db upgrade" in result.output


def test_label_adds_a_staff_correction_the_trainer_reads(env, tmp_path, monkeypatch):
    import shutil

    from bot.nlu.training import STAFF_LABELS, training_rows

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "nlu", content / "nlu")
    monkeypatch.setenv("ZGZJ_CONTENT_DIR", str(content))
    runner = CliRunner()
    result = runner.invoke(nlu, ["label", "厂里的  篮球队招人吗", "activity"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(nlu, ["label", "老板三个月没给钱", "legal_consult", "wage_arrears"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(nlu, ["label", "厂里的 篮球队招人吗", "benefit_query"])  # a second correction wins
    assert result.exit_code == 0, result.output
    labels = content / "nlu" / STAFF_LABELS
    rows = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    assert rows == [{"text": "老板三个月没给钱", "intent": "legal_consult", "topic": "wage_arrears"},
                    {"text": "厂里的 篮球队招人吗", "intent": "benefit_query", "topic": None}]
    assert rows[0] in training_rows(content, [labels], phrases=False)[0]
    refused = runner.invoke(nlu, ["label", "被开了", "legal_consult"])  # a legal message needs its topic
    assert refused.exit_code != 0 and "topic" in refused.output
    assert runner.invoke(nlu, ["label", "被开了", "no_such_intent"]).exit_code != 0
