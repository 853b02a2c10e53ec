"""Editors change the content in console forms: checked saves, versions, rollback, the test box, roles and CSRF.

Each test edits a copy of content/ (the config's content_dir), never the repository's files.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN
from bot.console import audit
from bot.nlu.model import LearnedModel, content_version
from bot.services.content_editing import FAQ, INTENTS, ContentEditing, digest
from bot.wechat.simulator import WeChatSimulator, flask_transport

from tests.console.conftest import csrf_token, post

ENTRY = "wage-arrears-what-to-do"
QUESTION = "老板三个月没发工资怎么办"
NEW_ANSWER = "编辑新写的回答：先把工资条和考勤拍照留好，再回复“人工”让工会帮你。"


@pytest.fixture
def config(config, tmp_path):
    """The console's test configuration on a copy of the content, which the tests may change."""
    copy = tmp_path / "content"
    shutil.copytree(config.content_dir, copy)
    return config.with_overrides(content_dir=str(copy))


def faq_form(client, entry: str = ENTRY) -> dict:
    """The FAQ entry's form as the page shows it (every field, the base version)."""
    service = client.application.extensions["zgzj"].content_editing
    fields = service.faq_entry(entry)
    return {**{k: fields[k] for k in ("question", "aliases", "answer", "citations")},
            "base": digest(service.read(FAQ)), "kind": "faq", "entry_id": entry}


def ask(app, text: str, openid: str = "o_content_worker") -> str:
    """A worker's message through the real webhook; the reply's text."""
    config = app.extensions["zgzj"].config
    worker = WeChatSimulator(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY, mode="safe", openid=openid,
                             url="http://testserver/wechat", transport=flask_transport(app.test_client()))
    assert config.wechat_token == DEMO_TOKEN
    reply = worker.send_text(text)
    assert reply.ok, reply.error
    return reply.text or ""


def served_answer(runtime) -> str:
    """The answer the running FAQ serves now (after its reload check)."""
    runtime._legal_faq._checked_at -= 5  # look at the files now rather than within the second
    return runtime.legal_faq.get(ENTRY).answer


def test_an_editor_saves_an_faq_answer_and_rolls_it_back(sign_in, runtime, app):
    editor = sign_in("editor")
    old_answer = runtime.legal_faq.get(ENTRY).answer
    page = editor.get(f"/console/content/faq/{ENTRY}")
    assert page.status_code == 200 and "回答" in page.get_data(as_text=True)

    saved = post(editor, f"/console/content/faq/{ENTRY}", {**faq_form(editor), "answer": NEW_ANSWER})
    assert saved.status_code == 302
    assert served_answer(runtime) == NEW_ANSWER
    assert NEW_ANSWER in ask(app, QUESTION)

    versions = runtime.content_editing.versions(FAQ)
    assert [v.kind for v in versions] == ["edit", "original"]
    assert versions[0].saved_by == editor.username
    history = editor.get(f"/console/content/history?path={FAQ}").get_data(as_text=True)
    assert f"第 {versions[0].id} 版" in history and editor.username in history
    diff = editor.get(f"/console/content/versions/{versions[0].id}").get_data(as_text=True)
    assert "+      " + NEW_ANSWER[:10] in diff or NEW_ANSWER[:10] in diff

    restored = post(editor, f"/console/content/versions/{versions[1].id}/restore")
    assert restored.status_code == 302
    assert served_answer(runtime) == old_answer
    assert NEW_ANSWER not in ask(app, QUESTION, openid="o_content_worker_2")
    entries, _ = audit.search(runtime.database, action="content.")
    assert [e.action for e in entries] == ["content.restore", "content.save"]
    assert entries[0].detail["restored_from"] == versions[1].id


def test_a_broken_edit_is_refused_in_chinese_and_nothing_changes(sign_in, runtime):
    editor = sign_in("editor")
    faq_file = Path(runtime.content_dir) / FAQ
    before = faq_file.read_text(encoding="utf-8")
    form = faq_form(editor)
    answer = post(editor, f"/console/content/faq/{ENTRY}", {**form, "aliases": "", "answer": ""})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "没有通过内容检查" in page and ENTRY in page
    assert faq_file.read_text(encoding="utf-8") == before
    assert runtime.content_editing.versions(FAQ) == []
    assert audit.search(runtime.database, action="content.")[1] == 0


def test_a_save_over_someone_elses_newer_version_is_refused(sign_in, runtime):
    first, second = sign_in("editor", username="wang"), sign_in("admin", username="chen")
    stale = faq_form(second)
    assert post(first, f"/console/content/faq/{ENTRY}", {**faq_form(first), "answer": NEW_ANSWER}).status_code == 302
    answer = post(second, f"/console/content/faq/{ENTRY}", {**stale, "answer": "另一个回答，覆盖前一个人的修改。"})
    assert answer.status_code == 422 and "别人已经保存了新的版本" in answer.get_data(as_text=True)
    assert served_answer(runtime) == NEW_ANSWER


def test_the_test_box_shows_the_reading_before_and_after_the_unsaved_edit(sign_in):
    editor = sign_in("editor")
    form = {**faq_form(editor), "answer": NEW_ANSWER, "message": QUESTION}
    page = post(editor, "/console/content/try", form).get_data(as_text=True)
    assert "法律咨询" in page and "工资拖欠" in page and ENTRY in page
    assert "按已保存的内容" in page and "按本页未保存的修改" in page
    saved_part, draft_part = page.split("按本页未保存的修改")
    assert NEW_ANSWER not in saved_part and NEW_ANSWER in draft_part

    only_saved = post(editor, "/console/content/try", {"message": QUESTION}).get_data(as_text=True)
    assert ENTRY in only_saved and "按本页未保存的修改" not in only_saved


def test_a_reply_is_edited_in_a_form_and_a_lost_placeholder_is_refused(sign_in, runtime):
    editor = sign_in("editor")
    page = editor.get("/console/content/replies?file=replies/legal.yaml").get_data(as_text=True)
    assert "legal_which_one" in page
    base = digest(runtime.content_editing.read("replies/legal.yaml"))
    texts = dict(runtime.content_editing.reply_texts("replies/legal.yaml"))
    assert "{text}" in texts["legal_which_one"]
    refused = post(editor, "/console/content/replies", {"file": "replies/legal.yaml", "base": base,
                                                        "r:legal_which_one": "您问的是哪一个？{文本}"})
    assert refused.status_code == 422 and "没有通过内容检查" in refused.get_data(as_text=True)
    assert "{text}" in runtime.replies.raw("legal_which_one")

    changed = texts["legal_which_one"].replace("{text}", "“{text}”", 1) + "（编辑改过）"
    saved = post(editor, "/console/content/replies", {"file": "replies/legal.yaml", "base": base,
                                                      "r:legal_which_one": changed})
    assert saved.status_code == 302
    assert runtime.content_editing.read("replies/legal.yaml").count("（编辑改过）") == 1
    assert "legal_which_one" in runtime.content_editing.versions("replies/legal.yaml")[0].summary


def test_a_menu_beyond_wechats_limits_is_refused(sign_in, runtime):
    editor = sign_in("editor")
    text = runtime.content_editing.read("menu.yaml")
    too_long = text.replace("name: 入会服务", "name: 入会服务和会员卡办理", 1)
    answer = post(editor, "/console/content/menu", {"text": too_long, "base": digest(text)})
    assert answer.status_code == 422 and "16" in answer.get_data(as_text=True)
    assert runtime.content_editing.read("menu.yaml") == text


@pytest.mark.parametrize("role", ["reviewer", "counsellor", "discipline"])
def test_only_editors_and_administrators_may_edit_content(sign_in, runtime, role):
    client = sign_in(role)
    assert client.get("/console/content").status_code == 403
    assert client.get(f"/console/content/faq/{ENTRY}").status_code == 403
    answer = post(client, f"/console/content/faq/{ENTRY}", {**faq_form(client), "answer": NEW_ANSWER})
    assert answer.status_code == 403
    assert runtime.content_editing.versions(FAQ) == []
    assert "/console/content" not in client.get("/console/").get_data(as_text=True)  # no link in the navigation


def test_a_save_without_the_csrf_token_is_refused(sign_in, runtime):
    editor = sign_in("editor")
    form = faq_form(editor)
    answer = editor.post(f"/console/content/faq/{ENTRY}", data={**form, "answer": NEW_ANSWER})
    assert answer.status_code == 400
    assert runtime.content_editing.versions(FAQ) == []
    assert csrf_token(editor, "/console/")  # the session still works with its token


def test_another_process_serves_the_newest_version_from_the_database(runtime, config, database, store, tmp_path):
    """Two web processes on two machines: the edit saved on one is written to the other's files by its sync."""
    from bot.runtime import Runtime

    other_dir = tmp_path / "other-machine"
    shutil.copytree(config.content_dir, other_dir)
    other = Runtime(config.with_overrides(content_dir=str(other_dir)), database, store)
    try:
        here = runtime.content_editing
        text = here.edited_faq(ENTRY, {**here.faq_entry(ENTRY), "answer": NEW_ANSWER})
        here.save(FAQ, text, "wang", "改回答")
        assert other.content_editing.sync(force=True) == [FAQ]
        assert (other_dir / FAQ).read_text(encoding="utf-8") == text
        assert other.content_editing.sync(force=True) == []  # nothing new: one query, no write

        # A file a deploy changed is not the database's to overwrite.
        (other_dir / FAQ).write_text(text + "\n# changed by a deploy\n", encoding="utf-8")
        here.restore(here.versions(FAQ)[-1].id, "wang", "恢复")
        assert other.content_editing.sync(force=True) == []
        assert "changed by a deploy" in (other_dir / FAQ).read_text(encoding="utf-8")
    finally:
        other.background.shutdown(wait=True)


def test_a_keyword_save_stops_the_stale_model_and_retrains_it(sign_in, runtime):
    editor = sign_in("editor")
    service: ContentEditing = runtime.content_editing
    assert service.model_status()["in_step"]
    spec = service.intent_keywords("join_union")
    form = {"base": digest(service.read(INTENTS)), "phrase": [p for p, _ in spec["keywords"]] + ["想当工会会员"],
            "weight": [str(w) for _, w in spec["keywords"]] + ["4"],
            "against_phrase": [p for p, _ in spec["against"]], "against_weight": [str(w) for _, w in spec["against"]]}
    answer = post(editor, "/console/content/keywords/join_union", form, follow_redirects=True)
    assert answer.status_code == 200
    assert "正在后台重新训练" in answer.get_data(as_text=True) or service.model_status()["in_step"]
    assert "想当工会会员: 4" in service.read(INTENTS)
    runtime.background.shutdown(wait=True)  # the retrain ends
    status = service.model_status()
    assert status["in_step"] and status["training"] == "done"
    assert [v.kind for v in service.versions("nlu/model.json")][0] == "model"
    assert runtime.matcher.classify("我想当工会会员").intent == "join_union"
    # The stored version is the model other machines get by sync(): text that loads, for the new content.
    _, stored = service.version(service.versions("nlu/model.json")[0].id)
    assert LearnedModel(json.loads(stored)).content_version == content_version(service.content_dir)


def test_the_test_box_reads_a_message_with_unsaved_keywords(sign_in, runtime):
    editor = sign_in("editor")
    service = runtime.content_editing
    spec = service.intent_keywords("benefit_query")
    message = "蓝领驿站在哪"
    form = {"kind": "intent", "entry_id": "benefit_query", "message": message,
            "phrase": [p for p, _ in spec["keywords"]] + ["蓝领驿站"], "weight": [str(w) for _, w in spec["keywords"]] + ["5"],
            "against_phrase": [p for p, _ in spec["against"]], "against_weight": [str(w) for _, w in spec["against"]]}
    page = post(editor, "/console/content/try", form).get_data(as_text=True)
    saved_part, draft_part = page.split("按本页未保存的修改")
    assert "蓝领驿站" in draft_part.split("命中的关键词", 1)[1].split("</dd>", 1)[0]
    assert "蓝领驿站" not in saved_part.split("命中的关键词", 1)[1].split("</dd>", 1)[0]
    assert "benefit_query" in draft_part
    assert "蓝领驿站" not in service.read(INTENTS)  # trying saves nothing


def test_a_benefit_is_edited_in_its_form(sign_in, runtime):
    editor = sign_in("editor")
    service = runtime.content_editing
    item = service.benefit_items()[0]
    page = editor.get(f"/console/content/benefits/{item['id']}").get_data(as_text=True)
    fields = service.benefit_item(item["id"])
    assert fields["name"] in page
    form = {k: fields[k] for k in ("name", "aliases", "summary", "eligibility", "how_to", "where", "contact")}
    form["how_to"] += "\n到店出示电子会员卡即可"
    answer = post(editor, f"/console/content/benefits/{item['id']}",
                  {**form, "base": digest(service.read("benefits/catalogue.yaml"))})
    assert answer.status_code == 302
    runtime._benefits._checked_at -= 5
    assert "到店出示电子会员卡即可" in runtime.benefits.get(item["id"]).how_to
