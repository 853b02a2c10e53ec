"""Push commands: `campaigns ...` for editors, `scheduler` and `worker` processes.

`campaigns create` prints its summary on stderr and only the new id on stdout, so
scripts can write ID=$(python -m bot campaigns create ...).
"""
from __future__ import annotations

import json
import sys
import time

import click

from bot.cli.context import Services, pass_services


def _campaigns():
    from bot.push import campaigns

    return campaigns


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group("campaigns")
def campaigns() -> None:
    """推送：创建、预览、测试、发送、暂停、继续、取消与统计。"""


@campaigns.command("create")
@click.option("--title", required=True, help="标题")
@click.option("--text", required=True, help="正文")
@click.option("--channel", required=True, type=click.Choice(["template", "subscribe", "mass", "customer"]),
              help="渠道：template 模板消息、subscribe 订阅通知、mass 群发、customer 客服消息")
@click.option("--audience", required=True, help="受众：all、tag:标签、city:城市、industry:行业、activity:活动ID、scene:场景")
@click.option("--at", "at", default="now", show_default=True, help='发送时间（北京时间）"YYYY-MM-DD HH:MM" 或 now')
@click.option("--cron", default=None, help='周期发送（北京时间），例如 "0 9 * * 1" 为每周一 9:00')
@click.option("--template-id", default=None, help="模板 ID（默认取配置）")
@click.option("--url", default=None, help="模板消息点开后的网址")
@click.option("--by", "created_by", default=None, help="创建人（编辑的 openid 或姓名）")
@pass_services
def create(services: Services, title, text, channel, audience, at, cron, template_id, url, created_by) -> None:
    """创建一条推送；最后一行只输出新推送的编号。"""
    module = _campaigns()
    runtime = services.runtime
    payload = {k: v for k, v in {"template_id": template_id, "url": url}.items() if v}
    try:
        when = None if cron and at == "now" else module.parse_at(at, runtime.clock())
        campaign = module.create(runtime, title=title, text=text, channel=channel, audience=audience, at=when,
                                 cron=cron, payload=payload or None, created_by=created_by)
    except module.CampaignError as exc:
        raise _fail(exc) from None
    schedule = f"每次按周期 {cron}，首次 {module.local_text(campaign.send_at)}" if cron else module.local_text(campaign.send_at)
    click.echo(f"已创建推送 {campaign.id}：{module.CHANNELS[channel]} → {campaign.audience}，"
               f"预计送达 {campaign.audience_size} 人，发送时间 {schedule}（北京时间）", err=True)
    click.echo(str(campaign.id))


def _print_report(data: dict) -> None:
    counts = data["counts"]
    click.echo(f"推送 {data['id']}「{data['title']}」 {data['state_text']}")
    click.echo(f"  渠道 {data['channel']}  受众 {data['audience']}（{data['audience_size']} 人）")
    click.echo(f"  发送时间 {data['send_at'] or '-'}{'  周期 ' + data['cron'] if data['cron'] else ''}")
    click.echo(f"  待发 {counts['pending']}  已发 {counts['sent']}  失败 {counts['failed']}  跳过 {counts['skipped']}"
               f"  超时未知 {counts['unknown']}")
    for failure in data["failures"]:
        code = f"错误码 {failure['errcode']} " if failure.get("errcode") is not None else ""
        click.echo(f"    {failure['count']} 人：{code}{failure['description']}")
    if data.get("error"):
        click.echo(f"  失败原因：{data['error']}")


@campaigns.command("show")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（状态与 pending/sent/failed/skipped 计数）")
@pass_services
def show(services: Services, campaign_id: int, as_json: bool) -> None:
    """查看推送的状态、计数与未送达原因。"""
    module = _campaigns()
    try:
        data = module.report(services.runtime, campaign_id)
    except module.CampaignError as exc:
        raise _fail(exc) from None
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_report(data)


@campaigns.command("list")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_services
def list_(services: Services, limit: int, as_json: bool) -> None:
    """列出最近的推送。"""
    rows = _campaigns().list_campaigns(services.runtime, limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("还没有推送")
    for row in rows:
        counts = row["counts"]
        click.echo(f"{row['id']:>6}  {row['state_text']:<6}  {row['send_at'] or '-':<16}  {row['channel']:<9}  "
                   f"{row['audience']:<16}  已发 {counts['sent']}/{row['audience_size'] or 0}  {row['title']}")


def _change(services: Services, campaign_id: int, action: str) -> None:
    module = _campaigns()
    runtime = services.runtime
    try:
        if action == "resume" and not runtime.config.redis_url:
            # No queue to hand the sending to: the scheduler process picks it up within seconds.
            campaign = module.resume(runtime, campaign_id, _Foreground())
        else:
            campaign = getattr(module, action)(runtime, campaign_id)
    except module.CampaignError as exc:
        raise _fail(exc) from None
    click.echo(f"推送 {campaign.id}：{module.STATES.get(campaign.state, campaign.state)}")


@campaigns.command("cancel")
@click.argument("campaign_id", type=int)
@pass_services
def cancel(services: Services, campaign_id: int) -> None:
    """取消推送（未发出的不再发送）。"""
    _change(services, campaign_id, "cancel")


@campaigns.command("pause")
@click.argument("campaign_id", type=int)
@pass_services
def pause(services: Services, campaign_id: int) -> None:
    """暂停推送（发送中的在当前消息发完后停下）。"""
    _change(services, campaign_id, "pause")


@campaigns.command("resume")
@click.argument("campaign_id", type=int)
@pass_services
def resume(services: Services, campaign_id: int) -> None:
    """继续已暂停的推送。"""
    _change(services, campaign_id, "resume")


@campaigns.command("retry")
@click.argument("campaign_id", type=int)
@click.option("--reason", "reasons", multiple=True, required=True,
              help="按失败原因重发，例如 gave_up；timeout_unknown（超时、可能已送达）需明确指定")
@pass_services
def retry(services: Services, campaign_id: int, reasons: tuple[str, ...]) -> None:
    """Send again the deliveries that failed for the given reasons."""
    module = _campaigns()
    runtime = services.runtime
    dispatcher = None if runtime.config.redis_url else _Foreground()
    try:
        campaign = module.retry(runtime, campaign_id, tuple(reasons), dispatcher)
    except module.CampaignError as exc:
        raise _fail(exc) from None
    click.echo(f"推送 {campaign.id}：{module.STATES.get(campaign.state, campaign.state)}")


@campaigns.command("preview")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_services
def preview(services: Services, campaign_id: int, as_json: bool) -> None:
    """预览推送内容、受众与人数。"""
    module = _campaigns()
    try:
        data = module.preview(services.runtime, campaign_id)
    except module.CampaignError as exc:
        raise _fail(exc) from None
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    size = data["audience_size"] if data["audience_size"] is not None else f"无法统计（{data['audience_note']}）"
    click.echo(f"推送 {data['id']}：{data['channel_text']} → {data['audience_text']}，当前 {size} 人")
    if data.get("reachable") is not None and data["reachable"] != data["audience_size"]:
        why = "未同意接收订阅消息" if data["channel"] == "subscribe" else "超过 48 小时没有和公众号互动"
        click.echo(f"其中可送达 {data['reachable']} 人（其余 {data['audience_size'] - data['reachable']} 人{why}，将跳过）")
    click.echo(f"发送时间：{data['send_at'] or '-'}{'，周期 ' + data['cron'] if data['cron'] else ''}（北京时间）")
    click.echo("内容：")
    click.echo(json.dumps(data["message"], ensure_ascii=False, indent=2))


@campaigns.command("test-send")
@click.argument("campaign_id", type=int)
@click.option("--openid", required=True, help="接收测试的 openid（编辑本人）")
@pass_services
def test_send(services: Services, campaign_id: int, openid: str) -> None:
    """把推送发给自己看一看（不计入统计）。"""
    module = _campaigns()
    try:
        result = module.test_send(services.runtime, campaign_id, openid)
    except module.CampaignError as exc:
        raise _fail(exc) from None
    via = {"customer": "客服消息"}.get(result["via"], module.CHANNELS.get(result["via"], result["via"]))
    if result["ok"]:
        click.echo(f"已通过{via}发送测试消息给 {openid}")
    else:
        raise click.ClickException(f"测试发送失败（{via}）：错误码 {result.get('errcode')} {result.get('reason') or result.get('error') or ''}")


@campaigns.command("send")
@click.argument("campaign_id", type=int)
@click.option("--wait", is_flag=True, help="在前台等待发送完成，显示进度条")
@pass_services
def send(services: Services, campaign_id: int, wait: bool) -> None:
    """立即发送一条待发送的推送（不等预定时间）。"""
    from bot.push import delivery

    module = _campaigns()
    runtime = services.runtime
    foreground = not runtime.config.redis_url  # no workers to hand it to: send from here
    try:
        campaign = module.get(runtime, campaign_id)
        if campaign.state not in ("scheduled", "sending"):
            raise module.CampaignError(f"推送 {campaign_id} 当前{module.STATES.get(campaign.state)}，不能发送")
        dispatcher = _Foreground() if foreground else None
        sending_id = module.start(runtime, campaign_id, dispatcher) if campaign.state == "scheduled" else campaign_id
        if sending_id is None:
            raise module.CampaignError(f"推送 {campaign_id} 刚刚开始发送或状态已改变，请用 show 查看")
        if campaign.state == "sending" and not foreground:
            module.launch(runtime, sending_id)
    except module.CampaignError as exc:
        raise _fail(exc) from None
    if not (wait or foreground):
        click.echo(f"推送 {sending_id} 已交给 worker 发送；查看进度：python -m bot campaigns show {sending_id}")
        return
    from tqdm import tqdm

    total = module.get(runtime, sending_id).audience_size or 0
    with tqdm(total=total, unit="人", desc=f"推送 {sending_id}", file=sys.stderr) as bar:
        if foreground and module.get(runtime, sending_id).state == "sending":
            delivery.drain(runtime, sending_id, progress=bar.update)
        else:
            done = 0
            while module.get(runtime, sending_id).state == "sending":
                numbers = delivery.counts(runtime.database, sending_id)
                finished = total - numbers["pending"] if total else 0
                bar.update(max(0, finished - done))
                done = max(done, finished)
                time.sleep(0.5)
            bar.update(max(0, total - done))
    _print_report(module.report(runtime, sending_id))


class _Foreground:
    """A dispatcher that leaves the drain to the command itself."""

    def enqueue_drain(self, campaign_id: int) -> None:
        """Nothing to enqueue: `send` drains in the foreground."""


@click.command("scheduler")
@pass_services
def scheduler(services: Services) -> None:
    """Run the push scheduler process (one acts; others stand by)."""
    from bot.logging_setup import configure
    from bot.push.scheduler import serve

    configure(services.config.log_level)
    serve(services.runtime)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@click.option("--name", default=None, help="Worker name (default: RQ's).")
@pass_services
def worker(services: Services, burst: bool, name: str | None) -> None:
    """Run an RQ worker that sends push campaigns (needs REDIS_URL)."""
    from bot.logging_setup import configure
    from bot.push.queue_worker import run_worker

    if not services.config.redis_url:
        raise click.ClickException("REDIS_URL is not set: on the embedded default the scheduler sends campaigns "
                                   "itself, no worker is needed")
    configure(services.config.log_level)
    run_worker(services.runtime, burst=burst, name=name)
