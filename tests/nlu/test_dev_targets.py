"""The project's targets on the development set, and on our own held-out set written before tuning."""
import json
from pathlib import Path

import pytest

from bot.nlu.commands import evaluate

DEV_SET = Path("/work/shared/eval/intents_dev.jsonl")
HELDOUT = Path(__file__).with_name("heldout.jsonl")


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.skipif(not DEV_SET.exists(), reason="the shared development set is not here")
def test_development_set_targets(matcher):
    result = evaluate(matcher, _rows(DEV_SET))
    assert result["accuracy"] >= 0.92
    assert result["macro_f1"] >= 0.90
    assert result["topic_accuracy"] >= 0.85


def test_heldout_set_targets(matcher):
    result = evaluate(matcher, _rows(HELDOUT))
    assert result["accuracy"] >= 0.92
    assert result["topic_accuracy"] >= 0.85


def test_speed_is_well_above_3000_messages_a_second(matcher):
    rows = _rows(HELDOUT) * 10
    matcher.classify("warm up")
    assert evaluate(matcher, rows)["msgs_per_second"] >= 3000
