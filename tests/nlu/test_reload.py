"""Editors change content/nlu and the running matcher picks it up without a restart."""
import os
import shutil
import time

import pytest

from bot.nlu import IntentMatcher
from bot.nlu import matcher as matcher_module

from .conftest import CONTENT_DIR


@pytest.fixture
def content_copy(tmp_path):
    """A private copy of content/nlu that a test may edit."""
    shutil.copytree(CONTENT_DIR / "nlu", tmp_path / "content" / "nlu")
    return tmp_path / "content"


def _touch_later(path):
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_an_edited_keyword_file_is_picked_up(content_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(matcher_module, "_RELOAD_CHECK_SECONDS", 0.0)
    matcher = IntentMatcher.from_content(content_copy, cache_dir=tmp_path / "cache")
    assert matcher.classify("我想报名广场舞大妈队").intent == "activity"
    assert matcher.classify("蹦迪").intent == "out_of_scope"
    intents = content_copy / "nlu" / "intents.yaml"
    text = intents.read_text(encoding="utf-8")
    intents.write_text(text.replace("      活动: 4\n", "      活动: 4\n      蹦迪: 5\n"), encoding="utf-8")
    _touch_later(intents)
    assert matcher.reload_if_changed() is True
    assert matcher.classify("蹦迪").intent == "activity"
    assert matcher.reload_if_changed() is False


def test_an_edited_correction_table_is_picked_up(content_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(matcher_module, "_RELOAD_CHECK_SECONDS", 0.0)
    matcher = IntentMatcher.from_content(content_copy, cache_dir=tmp_path / "cache")
    assert matcher.classify("囧资").intent != "legal_consult"
    table = content_copy / "nlu" / "corrections.txt"
    table.write_text(table.read_text(encoding="utf-8") + "囧资\t工资\n", encoding="utf-8")
    _touch_later(table)
    assert matcher.reload_if_changed()
    assert matcher.classify("囧资拖欠怎么办").intent == "legal_consult"


def test_unchanged_content_is_not_reloaded(content_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(matcher_module, "_RELOAD_CHECK_SECONDS", 0.0)
    matcher = IntentMatcher.from_content(content_copy, cache_dir=tmp_path / "cache")
    assert matcher.reload_if_changed() is False


def test_the_check_is_cheap_and_rate_limited(content_copy, tmp_path):
    matcher = IntentMatcher.from_content(content_copy, cache_dir=tmp_path / "cache")
    started = time.perf_counter()
    for _ in range(10000):
        matcher.reload_if_changed()
    assert time.perf_counter() - started < 0.1


def test_a_half_saved_or_broken_keyword_file_keeps_the_content_in_use(content_copy, tmp_path, monkeypatch):
    """An editor's save caught half-way (an empty or cut file) or a broken edit is not served to workers."""
    monkeypatch.setattr(matcher_module, "_RELOAD_CHECK_SECONDS", 0.0)
    matcher = IntentMatcher.from_content(content_copy, cache_dir=tmp_path / "cache")
    intents = content_copy / "nlu" / "intents.yaml"
    full = intents.read_text(encoding="utf-8")
    for partial in ("", full[:100], full[:len(full) // 2], "intents: [unclosed\n"):
        intents.write_text(partial, encoding="utf-8")
        _touch_later(intents)
        assert matcher.reload_if_changed() is False
        assert matcher.classify("你好").intent == "greeting_help", partial[:20]
        assert matcher.classify("我想加入工会").intent == "join_union"
    intents.write_text(full.replace("      活动: 4\n", "      活动: 4\n      蹦迪: 5\n"), encoding="utf-8")
    _touch_later(intents)
    assert matcher.reload_if_changed() is True  # the finished save is picked up
    assert matcher.classify("蹦迪").intent == "activity"
