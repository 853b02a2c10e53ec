"""`python -m bot users ...` and the demo accounts of `make run`."""
from __future__ import annotations

from types import SimpleNamespace

from click.testing import CliRunner

from bot.console import accounts, audit
from bot.console.commands import users
from bot.console.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_staff


def _run(runtime, *args):
    return CliRunner().invoke(users, list(args), obj=SimpleNamespace(runtime=runtime))


def test_users_create_makes_an_account_that_can_sign_in(runtime):
    result = _run(runtime, "create", "--username", "hz-reviewer", "--password", "s3cret-enough",
                  "--role", "reviewer", "--city", "杭州")
    assert result.exit_code == 0, result.output
    assert "hz-reviewer created: reviewer, city 杭州" in result.output
    signed = accounts.authenticate(runtime.database, "hz-reviewer", "s3cret-enough", runtime.clock())
    assert (signed.role, signed.city) == ("reviewer", "杭州")
    assert audit.search(runtime.database, actor="cli", action="account.create")[1] == 1


def test_users_create_refuses_bad_values_with_a_clear_message(runtime):
    assert "exists already" in (_run(runtime, "create", "--username", "a", "--password", "long-enough",
                                     "--role", "admin"), _run(runtime, "create", "--username", "a", "--password",
                                                              "long-enough", "--role", "admin"))[1].output
    result = _run(runtime, "create", "--username", "b", "--password", "short", "--role", "admin")
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    result = _run(runtime, "create", "--username", "c", "--password", "long-enough", "--role", "boss")
    assert result.exit_code == 2 and "boss" in result.output
    result = _run(runtime, "create", "--username", "d", "--password", "long-enough", "--role", "editor",
                  "--city", "上海")
    assert result.exit_code == 1 and "city" in result.output


def test_users_list_set_password_and_unlock(runtime):
    _run(runtime, "create", "--username", "li", "--password", "first-password", "--role", "counsellor")
    assert "li\tcounsellor\t-\t-\tactive" in _run(runtime, "list").output
    assert _run(runtime, "set-password", "--username", "li", "--password", "second-password").exit_code == 0
    assert accounts.authenticate(runtime.database, "li", "second-password", runtime.clock()).username == "li"
    assert _run(runtime, "unlock", "--username", "nobody").exit_code == 1


def test_the_demo_accounts_exist_on_the_embedded_default_only(runtime):
    assert "no demo" in load_demo_staff(runtime)  # the test configuration is not the embedded default
    assert accounts.list_accounts(runtime.database) == []
    runtime.config = runtime.config.__class__(runtime.config._values, demo=True)
    line = load_demo_staff(runtime)
    assert DEMO_PASSWORD in line and "demo-admin" in line
    assert load_demo_staff(runtime) == line  # idempotent
    assert sorted(a.role for a in accounts.list_accounts(runtime.database)) == sorted(r for _n, r in DEMO_ACCOUNTS)
    assert accounts.authenticate(runtime.database, "demo-admin", DEMO_PASSWORD, runtime.clock()).is_admin
