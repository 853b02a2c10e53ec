"""Conversation tests written as data: every tests/conversations/scenarios/*.yaml, run through the real webhook.

A scenario is a list of turns. Each turn sends something as a follower (text, an event, a
menu click, an image, a WeChat retry) and checks the reply:

    name: 入会表单填错手机号后重新询问
    setup: [demo_content]          # optional: named setup steps (see SETUP below)
    turns:
      - send: 我要入会
        expect: [同意]              # every string must be in the reply
      - send: 同意
        expect_any: [姓名, 名字]    # at least one must be in the reply
        expect_not: [错误]          # none may be in the reply
      - send: 138
        expect_regex: 手机号.*11位
      - as: o_someone_else         # the following turns come from another follower
      - event: subscribe           # or  click: JOIN_UNION  /  image: http://...  /  retry: true
      - send: 查询 {ticket}         # {name} is replaced by a value saved earlier
        save: {ticket: "(ZG\\d{8}-\\d+)"}  # regex group 1 of the reply, kept for later turns
      - staff: approve_latest_application   # a staff action (see STAFF below) between turns
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN
from bot.wechat.simulator import WeChatSimulator, flask_transport

SCENARIO_DIR = Path(__file__).parent / "scenarios"
SCENARIOS = sorted(SCENARIO_DIR.glob("*.yaml"))


def _load_demo_content(runtime):
    from bot.demo import load_demo_content

    load_demo_content(runtime)


SETUP = {"demo_content": _load_demo_content}


def _service_hours(hours: str):
    """A setup step fixing the human agent's hours, so 转人工 does not depend on when the tests run."""
    def setup(runtime):
        runtime.config = runtime.config.with_overrides(human_agent_hours=hours)
    return setup


SETUP["service_hours_always_open"] = _service_hours("每天 00:00-24:00")
SETUP["service_hours_closed"] = _service_hours("无")
# jieba and the FAQ index load on the first legal question (about 2 s with a fresh cache, as every test
# runtime has); loaded before the first turn, a busy test machine does not push the reply past the deadline.
SETUP["legal_faq_loaded"] = lambda runtime: runtime.legal_faq


def _staff_action(name: str, runtime, variables: dict) -> None:
    """Staff actions a scenario can take between turns: defined by the domains that own them."""
    from tests.conversations import staff_actions

    getattr(staff_actions, name)(runtime, variables)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path, app, runtime):
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    for step in scenario.get("setup", []):
        SETUP[step](runtime)
    client = app.test_client()
    variables: dict[str, str] = {}
    openid = scenario.get("openid", f"o_{path.stem}")

    def simulator(for_openid: str) -> WeChatSimulator:
        return WeChatSimulator(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY, mode=scenario.get("mode", "safe"),
                               openid=for_openid, url="http://localhost/wechat", transport=flask_transport(client))

    worker = simulator(openid)
    for number, turn in enumerate(scenario["turns"], 1):
        where = f"{path.name} turn {number}: {turn}"
        if "as" in turn:
            worker = simulator(turn["as"])
            continue
        if "staff" in turn:
            _staff_action(turn["staff"], runtime, variables)
            continue
        if "send" in turn:
            reply = worker.send_text(str(turn["send"]).format(**variables))
        elif "event" in turn:
            reply = worker.send_event(turn["event"], turn.get("key", ""))
        elif "click" in turn:
            reply = worker.send_event("CLICK", turn["click"])
        elif "image" in turn:
            reply = worker.send_image(turn["image"])
        elif "retry" in turn:
            reply = worker.retry_last()
        else:
            raise AssertionError(f"{where}: unknown turn")
        assert reply.ok, f"{where}: webhook answered {reply.status} {reply.error}"
        text = reply.text or " ".join(a.get("title", "") for a in reply.articles) or reply.kind
        for expected in turn.get("expect", []):
            assert str(expected).format(**variables) in text, f"{where}\nexpected {expected!r} in:\n{text}"
        if turn.get("expect_any"):
            assert any(str(e) in text for e in turn["expect_any"]), f"{where}\nexpected one of {turn['expect_any']} in:\n{text}"
        for unexpected in turn.get("expect_not", []):
            assert str(unexpected).format(**variables) not in text, f"{where}\ndid not expect {unexpected!r} in:\n{text}"
        if "expect_regex" in turn:
            assert re.search(turn["expect_regex"], text, re.S), f"{where}\nexpected /{turn['expect_regex']}/ in:\n{text}"
        if "expect_kind" in turn:
            assert reply.kind == turn["expect_kind"], f"{where}\nexpected a {turn['expect_kind']} reply, got {reply.kind}"
        for name, pattern in (turn.get("save") or {}).items():
            found = re.search(pattern, text)
            assert found, f"{where}\ncould not find /{pattern}/ to save as {name} in:\n{text}"
            variables[name] = found.group(1)
