"""Editors' changes to content files are picked up by a running service, and a broken edit is refused."""
import os
import shutil
import time

from bot.runtime import Runtime


def _touch_later(path):
    stamp = time.time() + 2
    os.utime(path, (stamp, stamp))


def test_an_edited_faq_answer_is_served_without_a_restart(config, database, store, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(config.content_dir, content)
    runtime = Runtime(config.with_overrides(content_dir=str(content)), database, store)
    entry = runtime.legal_faq.by_topic("wage_arrears")[0]
    faq = content / "legal" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace(entry.answer.split("。")[0], "编辑刚刚改过的答案", 1),
                   encoding="utf-8")
    _touch_later(faq)
    runtime._legal_faq._checked_at -= 5  # the next look checks the files at once
    assert "编辑刚刚改过的答案" in runtime.legal_faq.get(entry.id).answer

    faq.write_text("entries: [unclosed\n", encoding="utf-8")  # a broken edit
    _touch_later(faq)
    runtime._legal_faq._checked_at -= 5
    assert runtime.legal_faq.get(entry.id) is not None  # the previous version keeps serving
    runtime.background.shutdown()
