"""`python -m bot members`: staff review applications, list members and erase data on request."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import Services
from bot.cli.members import members
from bot.demo import DEMO_OPENID, load_demo_member
from bot.services.people import OFFICIAL

FIELDS = {"name": "张三", "phone": "13812345678", "id_number": "330102199506151232", "employer": "杭州娃哈哈集团有限公司",
          "city": "杭州", "district": "西湖区", "industry": "制造业", "occupation": "车间操作工"}


@pytest.fixture
def run(runtime):
    services = Services()
    services._config, services._runtime = runtime.config, runtime
    return lambda *args, input=None: CliRunner().invoke(members, list(args), obj=services, input=input)


@pytest.fixture
def application(runtime):
    person_id = runtime.people.person_id(OFFICIAL, "o_cli_worker")
    return runtime.membership.submit(person_id, FIELDS, consent=True, channel="official")


def test_review_lists_pending_applications_masked(run, application):
    result = run("review")
    assert result.exit_code == 0, result.output
    assert application.application_no in result.output and "138****5678" in result.output
    assert "13812345678" not in result.output and "张三" not in result.output and "张*" in result.output


def test_approve_by_list_index(run, runtime, application):
    result = run("review", "--approve", "1", "--reviewer", "组织部")
    assert result.exit_code == 0, result.output
    assert "已通过" in result.output and "会员号 ZJ3301" in result.output
    assert runtime.membership.is_member(runtime.people.person_id(OFFICIAL, "o_cli_worker"))


def test_reject_needs_a_reason(run, application):
    result = run("review", "--reject", application.application_no)
    assert result.exit_code != 0 and "--reason" in result.output
    result = run("review", "--reject", application.application_no, "--reason", "不在浙江工作")
    assert result.exit_code == 0 and "未通过" in result.output


def test_need_info_then_show_the_history(run, application):
    assert run("review", "--need-info", application.application_no, "--reason", "请写单位全称").exit_code == 0
    result = run("show", application.application_no)
    assert result.exit_code == 0 and "submitted → need_info" in result.output and "请写单位全称" in result.output


def test_deciding_twice_is_refused_with_a_message(run, application):
    run("review", "--approve", application.application_no)
    result = run("review", "--approve", application.application_no)
    assert result.exit_code != 0 and "已通过" in result.output


def test_interactive_review_decides_one_by_one(run, runtime, application):
    other = runtime.membership.submit(runtime.people.person_id(OFFICIAL, "o_cli_second"),
                                      {**FIELDS, "id_number": "330382198808085670"}, consent=True, channel="official")
    result = run("review", "--interactive", input=f"1\na\n{other.application_no}\nr\n不在浙江工作\n\n")
    assert result.exit_code == 0, result.output
    assert "已通过" in result.output and "未通过" in result.output
    assert runtime.membership.pending() == []


def test_list_members_and_delete_data(run, runtime, application):
    run("review", "--approve", application.application_no)
    listed = run("list", "--city", "杭州")
    assert listed.exit_code == 0 and "ZJ3301" in listed.output and "张*" in listed.output
    erased = run("delete-data", "--openid", "o_cli_worker", "--yes")
    assert erased.exit_code == 0, erased.output
    assert "共 0 名会员" in run("list").output
    assert run("delete-data", "--openid", "o_nobody", "--yes").exit_code != 0


def test_the_demo_member_loader_is_idempotent(runtime):
    assert "approved" in load_demo_member(runtime)
    assert "already" in load_demo_member(runtime)
    assert runtime.membership.is_member(runtime.people.person_id(OFFICIAL, DEMO_OPENID))
