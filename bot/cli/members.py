"""`python -m bot members`: review applications to join the union, list members, erase personal data.

Until the staff console exists this is how staff approve, reject or send back applications.
Everything shown here is masked; decisions are notified to the worker by the service.
"""
from __future__ import annotations

import sys
from datetime import timedelta

import click
from bot.cli.context import Services, pass_services

DECISION_KEYS = {"a": "approve", "approve": "approve", "r": "reject", "reject": "reject",
                 "n": "need_info", "need-info": "need_info", "need_info": "need_info"}


@click.group()
def members() -> None:
    """Applications to join the union and members."""


def _local(moment) -> str:
    return f"{moment + timedelta(hours=8):%Y-%m-%d %H:%M}" if moment else "-"


def _line(index: int, view) -> str:
    employer = "无固定单位" + (f"（{view.employer}）" if view.employer else "") if view.no_fixed_employer else view.employer
    return (f"{index:>3}. {view.application_no}  {view.status_label}  {view.name}  {view.phone}  {view.id_number}  "
            f"{view.city}{view.district}  {employer}  {view.industry}/{view.occupation}  提交 {_local(view.created_at)}")


def _application_number(pending: list, number: str) -> str:
    """An application number, or the index of one in the pending list just shown."""
    number = number.strip()
    if number.isdigit() and len(number) <= 4:
        index = int(number)
        if not 1 <= index <= len(pending):
            raise click.ClickException(f"no pending application numbered {index} (1-{len(pending)})")
        return pending[index - 1].application_no
    return number.upper()


def _decide(service, application_no: str, decision: str, reason: str | None, reviewer: str) -> None:
    from bot.services.membership import ApplicationNotFound, InvalidDecision

    try:
        view = service.review(application_no, decision, reason, reviewer=reviewer)
    except ApplicationNotFound:
        raise click.ClickException(f"no application {application_no}") from None
    except InvalidDecision as refused:
        raise click.ClickException(str(refused)) from None
    extra = f"，会员号 {view.member_no}" if view.member_no else ""
    click.echo(f"{view.application_no}: {view.status_label}{extra}")


@members.command("review")
@click.option("--approve", "approve_no", metavar="NO", help="Approve this application (number or list index).")
@click.option("--reject", "reject_no", metavar="NO", help="Reject this application; needs --reason.")
@click.option("--need-info", "need_info_no", metavar="NO", help="Ask the worker for more information; needs --reason.")
@click.option("--reason", help="Why (the worker reads it).")
@click.option("--reviewer", default="staff", show_default=True, help="Your name, kept in the history.")
@click.option("--limit", default=50, show_default=True)
@click.option("--interactive/--no-interactive", default=None,
              help="Ask for decisions one by one (default: when run from a terminal).")
@pass_services
def review(services: Services, approve_no, reject_no, need_info_no, reason, reviewer, limit, interactive) -> None:
    """List applications waiting for review; decide one with a flag, or interactively."""
    service = services.runtime.membership
    pending = service.pending(limit=limit)
    chosen = [(n, d) for n, d in ((approve_no, "approve"), (reject_no, "reject"), (need_info_no, "need_info")) if n]
    if len(chosen) > 1:
        raise click.UsageError("give one of --approve, --reject, --need-info")
    if chosen:
        number, decision = chosen[0]
        if decision != "approve" and not (reason or "").strip():
            raise click.UsageError("--reason is required to reject or ask for more information")
        _decide(service, _application_number(pending, number), decision, reason, reviewer)
        return
    if not pending:
        click.echo("没有待审核的入会申请。")
        return
    for index, view in enumerate(pending, 1):
        click.echo(_line(index, view))
    if not (sys.stdin.isatty() if interactive is None else interactive):
        click.echo("(decide with --approve NO, --reject NO --reason ..., or --need-info NO --reason ...)")
        return
    while True:
        number = click.prompt("申请序号或编号（回车结束）", default="", show_default=False)
        if not number.strip():
            return
        application_no = _application_number(pending, number)
        key = click.prompt("决定 a=通过 r=不通过 n=需要补充 s=跳过", default="s").strip().lower()
        if key in ("s", "skip", ""):
            continue
        decision = DECISION_KEYS.get(key)
        if decision is None:
            click.echo("请输入 a、r、n 或 s。")
            continue
        why = None
        if decision != "approve":
            why = click.prompt("原因（职工会看到）")
        try:
            _decide(service, application_no, decision, why, reviewer)
        except click.ClickException as failed:
            click.echo(f"未处理：{failed.message}", err=True)


@members.command("show")
@click.argument("application_no")
@pass_services
def show(services: Services, application_no: str) -> None:
    """Show one application (masked) and its history."""
    found = services.runtime.membership.staff_application(application_no.strip().upper())
    if found is None:
        raise click.ClickException(f"no application {application_no}")
    view, steps = found
    click.echo(_line(1, view))
    if view.reason:
        click.echo(f"     原因：{view.reason}")
    for step in steps:
        notified = f"  通知：{step.notified_via}" if step.notified_via else ""
        reason = f"  {step.reason}" if step.reason else ""
        click.echo(f"     {_local(step.created_at)}  {step.from_status or '-'} → {step.to_status}  "
                   f"{step.actor}{reason}{notified}")


@members.command("applications")
@click.option("--status", type=click.Choice(["submitted", "need_info", "approved", "rejected", "withdrawn"]))
@click.option("--limit", default=50, show_default=True)
@pass_services
def applications(services: Services, status, limit) -> None:
    """List applications in any status (masked)."""
    views = services.runtime.membership.applications(status=status, limit=limit)
    for index, view in enumerate(views, 1):
        click.echo(_line(index, view))
    if not views:
        click.echo("没有入会申请。")


@members.command("list")
@click.option("--city", help="Only members of this city (杭州 / 杭州市).")
@click.option("--limit", default=50, show_default=True)
@pass_services
def list_members(services: Services, city, limit) -> None:
    """List members (masked names)."""
    rows = services.runtime.membership.members(city=city, limit=limit)
    for row in rows:
        click.echo(f"{row['member_no']}  {row['name']}  {row['city']}{row['district'] or ''}  "
                   f"{row['industry'] or ''}  入会 {_local(row['joined_at'])}")
    click.echo(f"共 {len(rows)} 名会员" + ("（仅显示前 %d 名）" % limit if len(rows) == limit else ""))


@members.command("delete-data")
@click.option("--openid", required=True, help="The worker's service-account (or mini-program) openid.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--actor", default="cli", show_default=True, help="Your name, kept in the audit log.")
@pass_services
def delete_data(services: Services, openid: str, yes: bool, actor: str) -> None:
    """Erase everything held about a worker on their request (PIPL); anonymous figures stay."""
    from bot.security import mask_openid

    service = services.runtime.personal_data
    person_id = service.person_of(openid)
    if person_id is None:
        raise click.ClickException(f"no worker with openid {mask_openid(openid)}")
    if not yes:
        click.confirm(f"删除 {mask_openid(openid)} 的全部个人信息（入会、会员、工单、报名、消息记录、上传、登录、订阅）？"
                      "此操作不可恢复", abort=True)
    erasure = service.erase(person_id, actor=f"cli:{actor}")
    done = "，".join(f"{k} {v}" for k, v in erasure.counts.items() if v)
    click.echo(f"已删除 {mask_openid(openid)} 的个人信息（保留匿名统计）。{done}")
