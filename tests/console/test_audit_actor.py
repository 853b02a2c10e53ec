"""Every audit entry a console action writes names the account, its role and the client's IP, even when a
service writes it (a ticket transfer or close); the client's IP comes from X-Forwarded-For only behind a
configured proxy. Entries from the command line still name `cli`."""
from __future__ import annotations

import csv
import io
import re
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from bot.console import audit
from bot.console.commands import users

from tests.console.conftest import PASSWORD, csrf_token, post

CLIENT_IP = "203.0.113.7"  # the staff member's own address, as the proxy in front of the app saw it


@pytest.fixture
def behind_proxy(runtime):
    """The app as deployed behind one reverse proxy (TRUSTED_PROXIES=1)."""
    from bot import create_app

    proxied = create_app(runtime.config.with_overrides(trusted_proxies=1), runtime=runtime)
    proxied.testing = True
    return proxied


def _signed_in(application, make_account, role: str, username: str, **limits):
    make_account(role, username=username, **limits)
    client = application.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = CLIENT_IP  # every request comes through the proxy
    answer = client.post("/console/sign-in", data={"username": username, "password": PASSWORD,
                                                   "csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    return client


def test_a_transfer_and_a_close_in_the_console_carry_the_counsellors_role_and_ip(behind_proxy, make_account,
                                                                                  ticket, runtime):
    number = ticket()  # a wage complaint: 维权部
    rights = _signed_in(behind_proxy, make_account, "counsellor", "rights", department="维权部")
    post(rights, f"/console/tickets/{number}/transfer", {"department": "法律服务中心", "note": "涉及仲裁"})
    legal = _signed_in(behind_proxy, make_account, "counsellor", "legal", department="法律服务中心")
    post(legal, f"/console/tickets/{number}/close", {"reason": "resolved"})

    entries, _ = audit.search(runtime.database, target=number)
    assert [(e.action, e.actor, e.role, e.ip) for e in entries] == [
        ("ticket.close", "legal", "counsellor", CLIENT_IP),
        ("ticket.transfer", "rights", "counsellor", CLIENT_IP)]
    assert runtime.tickets.staff_view(number).status == "closed"


def test_without_a_configured_proxy_a_forged_forwarded_for_is_not_believed(app, make_account, ticket, runtime):
    number = ticket()
    counsellor = _signed_in(app, make_account, "counsellor", "rights")  # TRUSTED_PROXIES=0: the default
    post(counsellor, f"/console/tickets/{number}/close", {"reason": "duplicate"})
    [entry] = audit.search(runtime.database, action="ticket.close", target=number)[0]
    assert (entry.actor, entry.role) == ("rights", "counsellor")
    assert entry.ip == "127.0.0.1"  # the connection's own address, not the header


def _rows(client, **filters) -> list[str]:
    """The rows of the audit table, as HTML, for the filters given."""
    page = client.get("/console/audit", query_string=filters).get_data(as_text=True)
    table = page.split('data-testid="audit"', 1)[1].split("</table>", 1)[0]
    return ["".join(r.split()) for r in table.split("<tr>")[2:]]


def test_the_administrator_reads_and_filters_the_log_by_role_and_ip(behind_proxy, make_account, ticket, runtime):
    number = ticket()
    counsellor = _signed_in(behind_proxy, make_account, "counsellor", "rights")
    post(counsellor, f"/console/tickets/{number}/close", {"reason": "duplicate"})
    CliRunner().invoke(users, ["unlock", "--username", "rights"], obj=SimpleNamespace(runtime=runtime))
    admin = _signed_in(behind_proxy, make_account, "admin", "zhao")

    row = _rows(admin, target=number)[0]
    assert "<td>rights</td><td>咨询维权</td><td>ticket.close</td>" in row and f"<td>{CLIENT_IP}</td>" in row
    by_role = "".join(_rows(admin, role="counsellor"))
    assert "ticket.close" in by_role and "sign_in.ok" in by_role and "account.unlock" not in by_role
    assert "account.unlock" in "".join(_rows(admin))
    assert _rows(admin, ip=CLIENT_IP) and "没有符合条件的记录" in _rows(admin, ip="198.51.100.1")[0]


def test_command_line_entries_still_name_cli_without_role_or_ip(runtime, make_account):
    make_account("reviewer", username="li")
    result = CliRunner().invoke(users, ["unlock", "--username", "li"], obj=SimpleNamespace(runtime=runtime))
    assert result.exit_code == 0, result.output
    [entry] = audit.search(runtime.database, action="account.unlock")[0]
    assert (entry.actor, entry.role, entry.ip, entry.target) == ("cli", None, None, "li")


def test_the_filtered_log_downloads_as_csv_with_role_and_ip(behind_proxy, make_account, ticket, runtime):
    number = ticket()
    counsellor = _signed_in(behind_proxy, make_account, "counsellor", "rights")
    post(counsellor, f"/console/tickets/{number}/close", {"reason": "duplicate"})
    admin = _signed_in(behind_proxy, make_account, "admin", "zhao")
    page = admin.get("/console/audit", query_string={"role": "counsellor"}).get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-testid="audit-csv"', page).group(1).replace("&amp;", "&")
    answer = admin.get(link)
    assert answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["时间（北京时间）", "人员", "角色", "操作", "记录", "详情", "IP"]
    assert [r[1:5] + [r[6]] for r in rows[1:]] == [["rights", "咨询维权", "ticket.close", number, CLIENT_IP],
                                                   ["rights", "咨询维权", "sign_in.ok", "", CLIENT_IP]]
    assert audit.search(runtime.database, action="audit.export")[0][0].detail["rows"] == 2
    assert counsellor.get(link).status_code == 403
