"""With Redis down the worker is told plainly that forms are briefly unavailable, and /healthz names the part."""
from __future__ import annotations

from bot.config import DEMO_TOKEN
from bot.conversation_state import ConversationStore
from bot.kv_store import RedisStore
from tests.webhook.signing import post, text_xml


def _redis_down(runtime):
    dead = RedisStore("redis://127.0.0.1:1/0", timeout=0.2)
    runtime.store = dead
    runtime.conversations = ConversationStore(dead, cipher=runtime.cipher)


def _say(client, text):
    return post(client, DEMO_TOKEN, text_xml("o_down", text)).get_data(as_text=True)


def test_with_redis_down_a_form_is_said_to_be_briefly_unavailable_with_the_hotline(client, runtime):
    _redis_down(runtime)
    answers = [_say(client, "我要维权，公司拖欠工资"), _say(client, "同意")]
    for answer in answers:
        assert "12351" in answer and "暂时记不住您正在填写的内容" in answer
        assert "没太明白" not in answer


def test_with_redis_down_questions_that_need_no_form_are_still_answered(client, runtime):
    _redis_down(runtime)
    answer = _say(client, "公司拖欠工资怎么办")
    assert "暂时记不住" not in answer and "12351" in answer


def test_healthz_names_the_part_that_is_down(client, runtime):
    assert client.get("/healthz").get_json()["down"] == []
    _redis_down(runtime)
    response = client.get("/healthz")
    report = response.get_json()
    assert response.status_code == 503
    assert report["down"] == ["store"] and report["database"]["ok"] is True
    assert "Connection refused" in report["store"]["error"] or "Error" in report["store"]["error"]
