"""The command line an editor (and the deployment scripts) use for campaigns."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import Services, cli
from tests.push.conftest import PROJECT_ROOT, sent_to


@pytest.fixture
def run(push_runtime):
    """Invoke `python -m bot ARGS` in-process on the test runtime; return the result."""
    services = Services()
    services._config, services._runtime = push_runtime.config, push_runtime

    def invoke(*args: str, ok: bool = True):
        result = CliRunner().invoke(cli, list(args), obj=services, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def _show(run, campaign_id: str) -> dict:
    return json.loads(run("campaigns", "show", campaign_id, "--json").stdout)


def test_create_prints_only_the_new_id_last(run, add_followers):
    add_followers(8)
    result = run("campaigns", "create", "--title", "明日活动", "--text", "早上九点集合", "--channel", "template",
                 "--audience", "all", "--at", "2031-06-01 09:00")
    campaign_id = result.stdout.strip().splitlines()[-1]
    assert campaign_id.isdigit()
    assert "预计送达 8 人" in result.stderr and "2031-06-01 09:00" in result.stderr
    shown = _show(run, campaign_id)
    assert shown["state"] == "scheduled"
    assert shown["send_at"] == "2031-06-01 09:00"
    assert shown["counts"] == {"pending": 8, "sent": 0, "failed": 0, "skipped": 0, "unknown": 0}


def test_pause_resume_cancel_and_list(run, add_followers):
    add_followers(2)
    campaign_id = run("campaigns", "create", "--title", "t", "--text", "x", "--channel", "template",
                      "--audience", "all", "--at", "2031-06-01 09:00").stdout.split()[-1]
    assert "已暂停" in run("campaigns", "pause", campaign_id).stdout
    assert _show(run, campaign_id)["state"] == "paused"
    assert "待发送" in run("campaigns", "resume", campaign_id).stdout
    assert "已取消" in run("campaigns", "cancel", campaign_id).stdout
    assert _show(run, campaign_id)["state"] == "cancelled"
    refused = run("campaigns", "resume", campaign_id, ok=False)
    assert refused.exit_code == 1 and "已取消，无需继续" in refused.output
    listed = run("campaigns", "list").stdout
    assert campaign_id in listed and "已取消" in listed


def test_bad_input_is_refused_in_words(run):
    result = run("campaigns", "create", "--title", "t", "--text", "x", "--channel", "template",
                 "--audience", "all", "--at", "明天九点", ok=False)
    assert result.exit_code == 1 and "YYYY-MM-DD HH:MM" in result.output


def test_preview_test_send_and_send_with_progress(run, add_followers, fake_wechat):
    fans = add_followers(30)
    campaign_id = run("campaigns", "create", "--title", "劳动法讲座", "--text", "周五下午", "--channel", "template",
                      "--audience", "all", "--at", "2031-06-01 09:00").stdout.split()[-1]
    preview = run("campaigns", "preview", campaign_id).stdout
    assert "全部关注者，当前 30 人" in preview and "劳动法讲座" in preview
    assert "editor" in run("campaigns", "test-send", campaign_id, "--openid", "editor").stdout
    result = run("campaigns", "send", campaign_id, "--wait")
    assert "已发 30" in result.stdout
    assert "30/30" in result.stderr  # the progress bar
    shown = _show(run, campaign_id)
    assert shown["state"] == "done" and shown["counts"]["sent"] == 30
    assert sorted(sent_to(fake_wechat)) == sorted(fans + ["editor"])


def test_show_explains_why_some_did_not_receive_it(run, add_followers):
    add_followers(2, prefix="recent", wrote_hours_ago=1)
    add_followers(3, prefix="quiet")
    campaign_id = run("campaigns", "create", "--title", "t", "--text", "x", "--channel", "customer",
                      "--audience", "all").stdout.split()[-1]
    run("campaigns", "send", campaign_id)
    shown = _show(run, campaign_id)
    assert shown["counts"] == {"pending": 0, "sent": 2, "failed": 0, "skipped": 3, "unknown": 0}
    assert shown["failures"] == [{"status": "skipped", "errcode": None, "reason": "outside_48h", "count": 3,
                                  "description": "超过 48 小时未互动，客服消息无法送达"}]
    assert "3 人：超过 48 小时未互动" in run("campaigns", "show", campaign_id).stdout


def test_the_real_command_line_prints_the_id_for_scripts(processes, database):
    """`ID=$(python -m bot campaigns create ...)` then `python -m bot campaigns show $ID --json`."""
    env = dict(processes.env, REDIS_URL="")
    create = subprocess.run(
        [sys.executable, "-m", "bot", "campaigns", "create", "--title", "杭州会员活动", "--text", "明天九点",
         "--channel", "template", "--audience", "scene:none", "--at", "2031-06-01 09:00"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert create.returncode == 0, create.stderr
    campaign_id = create.stdout.strip()
    assert campaign_id.isdigit()
    show = subprocess.run([sys.executable, "-m", "bot", "campaigns", "show", campaign_id, "--json"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    data = json.loads(show.stdout)
    assert data["state"] == "scheduled" and set(data["counts"]) == {"pending", "sent", "failed", "skipped", "unknown"}
