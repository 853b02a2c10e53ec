"""The store behind conversation state, tokens, locks and nonces: Redis and the in-process one alike."""
import threading
import time

import pytest

from bot.conversation_state import ConversationState, ConversationStore
from bot.kv_store import LockNotAcquired, RedisStore, StoreUnavailable


def test_set_get_expiry_and_only_if_absent(store):
    assert store.set("k", "v1", ttl=0.3)
    assert not store.set("k", "v2", only_if_absent=True)
    assert store.get("k") == "v1"
    time.sleep(0.4)
    assert store.get("k") is None
    assert store.set("k", "v3", only_if_absent=True)


def test_counters_start_with_their_ttl(store):
    assert store.incr("c", ttl=0.3) == 1
    assert store.incr("c", 5) == 6
    time.sleep(0.4)
    assert store.incr("c") == 1


def test_a_lock_admits_one_holder_at_a_time(store):
    inside, overlaps = [], []

    def work():
        with store.lock("job", ttl=5, wait=5):
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(1)
            time.sleep(0.02)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not overlaps
    with store.lock("held", ttl=5):
        with pytest.raises(LockNotAcquired):
            with store.lock("held", ttl=5, wait=0.1):
                pass


def test_an_unreachable_redis_fails_fast_with_store_unavailable():
    dead = RedisStore("redis://127.0.0.1:1/0", timeout=0.2)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        dead.get("anything")
    assert time.monotonic() - started < 1.5


def test_conversation_state_round_trips_and_survives_an_outage(store):
    conversations = ConversationStore(store, ttl_seconds=60)
    state = ConversationState(form="join_union", step="phone", data={"name": "张三"})
    conversations.save("o1", state)
    loaded = conversations.load("o1")
    assert (loaded.form, loaded.step, loaded.data) == ("join_union", "phone", {"name": "张三"})
    down = ConversationStore(RedisStore("redis://127.0.0.1:1/0", timeout=0.2))
    assert down.load("o1") == ConversationState()  # an empty state, not an exception
    assert down.save("o1", state) is False


def test_the_webhook_still_answers_when_redis_is_down(runtime, app):
    from bot.config import DEMO_TOKEN
    from tests.webhook.signing import post, text_xml

    dead = RedisStore("redis://127.0.0.1:1/0", timeout=0.2)
    runtime.store = dead
    runtime.conversations = ConversationStore(dead)
    runtime.warm_up()  # what is measured is the outage, not loading the content on a busy test machine
    started = time.monotonic()
    response = post(app.test_client(), DEMO_TOKEN, text_xml("o_outage", "你好"))
    assert response.status_code == 200 and b"Content" in response.get_data()
    assert time.monotonic() - started < 4.5


def test_answers_of_a_form_in_progress_are_encrypted_in_the_store(runtime):
    state = ConversationState(form="join_union", step="employer",
                              data={"phone": "13812345678", "id_number": "330102199001011234"})
    runtime.conversations.save("o_pii", state)
    raw = runtime.store.get("conversation:o_pii")
    assert "13812345678" not in raw and "330102199001011234" not in raw
    assert runtime.conversations.load("o_pii").data["phone"] == "13812345678"
    runtime.store.set("conversation:o_pii", "not-a-valid-ciphertext")
    assert runtime.conversations.load("o_pii") == ConversationState()  # unreadable: a fresh start, no error
