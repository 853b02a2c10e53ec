"""Campaigns: create (with WeChat's quotas), preview, test send, start, pause, resume, cancel, report.

The one home of the campaign rules, used by the command line today and the console later.
Times are entered and shown in Asia/Shanghai and stored in UTC.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.push import audience as audiences
from bot.push.delivery import (DUPLICATE_CLIENTMSGID, FAILED, PENDING, REASONS, RETRYABLE_REASONS, SENT,
                               MASS_OPENIDS_MIN, SERVICE_WINDOW, SKIPPED, STATUSES, UNKNOWN, Claimed, Sender, counts, mass_clientmsgid, materialize, message_text,
                               subscribe_message, template_message)
from bot.storage.models import Campaign, Delivery, Follower, SubscribeConsent
from bot.wechat.client import TRANSIENT_ERRORS, WeChatError

log = logging.getLogger(__name__)

TZ = ZoneInfo("Asia/Shanghai")
CHANNELS = {"mass": "群发", "template": "模板消息", "subscribe": "订阅通知", "customer": "客服消息"}
STATES = {"scheduled": "待发送", "sending": "发送中", "paused": "已暂停", "cancelled": "已取消",
          "done": "已完成", "failed": "发送失败", "missed": "错过发送时间"}
OPEN_STATES = ("scheduled", "sending", "paused")
COUNTED_STATES = ("scheduled", "sending", "paused", "done")  # what uses up a quota


class CampaignError(ValueError):
    """A campaign cannot be created or changed; the message says why, in Chinese, for the editor."""


# ---- time ------------------------------------------------------------------------------------

def to_utc(local: datetime) -> datetime:
    """Naive UTC of a time in Asia/Shanghai (naive values are taken as Shanghai time)."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=TZ)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def to_local(utc: datetime | None) -> datetime | None:
    """Asia/Shanghai time of a naive UTC value."""
    return None if utc is None else utc.replace(tzinfo=timezone.utc).astimezone(TZ)


def local_text(utc: datetime | None) -> str | None:
    """'YYYY-MM-DD HH:MM' in Asia/Shanghai."""
    local = to_local(utc)
    return local.strftime("%Y-%m-%d %H:%M") if local else None


def parse_at(text: str, now: datetime) -> datetime:
    """Parse 'now' or 'YYYY-MM-DD HH:MM' (Asia/Shanghai) into naive UTC."""
    text = (text or "").strip()
    if text.lower() == "now":
        return now
    try:
        return to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))
    except ValueError:
        raise CampaignError(f"发送时间格式应为 YYYY-MM-DD HH:MM（北京时间）或 now，收到「{text}」") from None


def cron_times(cron: str, start_utc: datetime, end_utc: datetime) -> list[datetime]:
    """Occurrences of a cron expression (Asia/Shanghai) in [start, end), as naive UTC."""
    times = []
    iterator = croniter(cron, to_local(start_utc) - timedelta(microseconds=1))
    while len(times) < 1000:
        moment = to_utc(iterator.get_next(datetime))
        if moment >= end_utc:
            break
        times.append(moment)
    return times


def next_cron_time(cron: str, after_utc: datetime) -> datetime:
    """The first occurrence of a cron expression (Asia/Shanghai) after a UTC time."""
    return to_utc(croniter(cron, to_local(after_utc)).get_next(datetime))


# ---- create ------------------------------------------------------------------------------------

def create(runtime, *, title: str, text: str, channel: str, audience: str, at: datetime | None = None,
           cron: str | None = None, payload: dict | None = None, created_by: str | None = None,
           dedup_key: str | None = None, check_quotas: bool = True) -> Campaign:
    """Validate and store a campaign scheduled at `at` (naive UTC) or on `cron`; raise CampaignError."""
    now = runtime.clock()
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise CampaignError("标题不能为空")
    if len(title) > 200:
        raise CampaignError("标题不能超过 200 个字")
    if not text:
        raise CampaignError("正文不能为空")
    if channel not in CHANNELS:
        raise CampaignError(f"渠道应为 {'、'.join(CHANNELS)} 之一，收到「{channel}」")
    try:
        parsed = audiences.parse(audience, runtime.places)
    except audiences.AudienceError as exc:
        raise CampaignError(str(exc)) from None
    if parsed.kind == "tag" and channel != "mass":
        raise CampaignError("按标签发送只能用群发（mass）渠道")
    if channel == "template" and not (payload or {}).get("template_id") and not runtime.config.push_template_id_activity_notice:
        raise CampaignError("未配置模板消息 ID（push.template_id_activity_notice），不能发送模板消息")
    if channel == "subscribe" and not (payload or {}).get("template_id") and not runtime.config.push_subscribe_template_id:
        raise CampaignError("未配置订阅通知模板 ID（push.subscribe_template_id），不能发送订阅通知")
    if cron:
        if not croniter.is_valid(cron):
            raise CampaignError(f"无法识别的周期「{cron}」：格式为 分 时 日 月 周，例如 \"0 9 * * 1\"")
        send_at = next_cron_time(cron, max(now, at or now))
    else:
        send_at = at or now
        if send_at < now - timedelta(minutes=1):
            raise CampaignError(f"发送时间 {local_text(send_at)} 已经过去")
    try:
        size = audiences.count(runtime, parsed)
    except audiences.AudienceError as exc:
        raise CampaignError(str(exc)) from None
    except WeChatError as exc:
        raise CampaignError(f"无法向微信查询受众人数：{exc}") from None
    if parsed.kind == "list" and channel == "mass" and size < MASS_OPENIDS_MIN:
        raise CampaignError(f"按名单群发至少需要 {MASS_OPENIDS_MIN} 位仍关注的粉丝，这份名单只有 {size} 位")
    if check_quotas:
        check_quota(runtime, channel, parsed, send_at, cron, size)
    campaign = Campaign(title=title, text=text, channel=channel, audience=str(parsed), state="scheduled",
                        payload=json.dumps(payload, ensure_ascii=False) if payload else None,
                        send_at=send_at, cron=cron or None, audience_size=size, created_by=created_by,
                        dedup_key=dedup_key, created_at=now, updated_at=now)
    with runtime.database.session() as session:
        session.add(campaign)
        session.flush()
    log.info("campaign %s created: %s to %s at %s", campaign.id, channel, parsed, send_at)
    return campaign


def check_quota(runtime, channel: str, audience, send_at: datetime, cron: str | None, size: int,
                exclude_id: int | None = None) -> None:
    """Refuse (CampaignError) a campaign that would break WeChat's quotas for its channel."""
    config = runtime.config
    now = runtime.clock()
    if channel == "mass":
        local = to_local(send_at)
        limit = int(config.push_mass_sends_per_month)
        # A recurring campaign is checked against its first month and the whole month after it.
        for month_start, month_end in _months(local, 2 if cron else 1):
            mine = len(cron_times(cron, max(now, month_start), month_end)) if cron else 1
            used = _mass_sends_between(runtime, month_start, month_end, exclude_id) if limit else 0
            if limit and used + mine > limit:
                month = to_local(month_start)
                raise CampaignError(
                    f"群发次数超出限额：每位关注者每月最多收到 {limit} 次群发，"
                    f"{month.year}年{month.month}月已安排 {used} 次，本推送将再占用 {mine} 次。"
                    f"请改到下个月，或改用模板消息、订阅通知。")
        daily = int(config.push_mass_sends_per_day)
        if daily:
            day_start = to_utc(local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None))
            used = _mass_sends_between(runtime, day_start, day_start + timedelta(days=1), exclude_id)
            if used + 1 > daily:
                raise CampaignError(f"群发次数超出限额：每天最多群发 {daily} 次，{local:%Y-%m-%d} 已安排 {used} 次。")
    if channel == "template" and int(config.push_template_sends_per_day):
        limit = int(config.push_template_sends_per_day)
        local = to_local(send_at)
        day_start = to_utc(local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None))
        with runtime.database.session() as session:
            used = session.scalar(select(func.coalesce(func.sum(Campaign.audience_size), 0)).where(
                Campaign.channel == "template", Campaign.state.in_(COUNTED_STATES), Campaign.cron.is_(None),
                Campaign.send_at >= day_start, Campaign.send_at < day_start + timedelta(days=1),
                Campaign.id != (exclude_id or 0))) or 0
        if used + size > limit:
            raise CampaignError(
                f"模板消息超出每日限额：每天最多 {limit} 条，{local:%Y-%m-%d} 已安排 {used} 条，"
                f"本活动需要 {size} 条。请分到几天发送。")


def _months(local: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """UTC bounds of `count` calendar months (Asia/Shanghai), starting with the one of `local`."""
    bounds = []
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    for _ in range(count):
        following = (start + timedelta(days=32)).replace(day=1)
        bounds.append((to_utc(start), to_utc(following)))
        start = following
    return bounds


def _mass_sends_between(runtime, start: datetime, end: datetime, exclude_id: int | None) -> int:
    now = runtime.clock()
    with runtime.database.session() as session:
        single = session.scalar(select(func.count()).select_from(Campaign).where(
            Campaign.channel == "mass", Campaign.state.in_(COUNTED_STATES), Campaign.cron.is_(None),
            Campaign.send_at >= start, Campaign.send_at < end, Campaign.id != (exclude_id or 0))) or 0
        recurring = session.scalars(select(Campaign.cron).where(
            Campaign.channel == "mass", Campaign.cron.is_not(None), Campaign.state.in_(("scheduled", "paused")),
            Campaign.id != (exclude_id or 0))).all()
    # Runs of a recurring campaign already made are counted above; count only its future ones.
    return int(single) + sum(len(cron_times(cron, max(now, start), end)) for cron in recurring)


# ---- look ----------------------------------------------------------------------------------------

def get(runtime, campaign_id: int) -> Campaign:
    """Return a campaign or raise CampaignError."""
    with runtime.database.session() as session:
        campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignError(f"没有编号为 {campaign_id} 的推送")
    return campaign


def _is_fanned_out_by_wechat(campaign: Campaign) -> bool:
    return campaign.channel == "mass" and (campaign.audience == "all" or campaign.audience.startswith("tag:"))


def report(runtime, campaign_id: int) -> dict:
    """State, counts (pending, sent, failed, skipped, unknown) and why the others did not (yet) receive it."""
    campaign = get(runtime, campaign_id)
    runs = []
    if campaign.cron:
        with runtime.database.session() as session:
            runs = list(session.scalars(select(Campaign.id).where(Campaign.parent_id == campaign.id)
                                        .order_by(Campaign.id)))
    if _is_fanned_out_by_wechat(campaign):
        size = campaign.audience_size or 0
        if campaign.state == "done":
            sent = campaign.report_sent if campaign.report_sent is not None else size
            failed = campaign.report_failed or 0
            numbers = {**dict.fromkeys(STATUSES, 0), SENT: sent, FAILED: failed}
        elif campaign.state == "failed":
            numbers = {**dict.fromkeys(STATUSES, 0), FAILED: size}
        else:
            numbers = {**dict.fromkeys(STATUSES, 0), PENDING: size if campaign.state != "cancelled" else 0}
        failures = [{"errcode": None, "reason": "wechat_report", "count": numbers[FAILED],
                     "description": campaign.error or "微信群发报告中的失败人数"}] if numbers[FAILED] else []
    else:
        ids = runs or [campaign.id]
        numbers = dict.fromkeys(STATUSES, 0)
        for one in ids:
            for key, value in counts(runtime.database, one).items():
                numbers[key] += value
        if campaign.state in ("scheduled", "paused") and not campaign.materialized_at and not runs:
            numbers[PENDING] = campaign.audience_size or 0
        failures = _failures(runtime, ids)
    return {
        "id": campaign.id, "title": campaign.title, "channel": campaign.channel, "audience": campaign.audience,
        "state": campaign.state, "state_text": STATES.get(campaign.state, campaign.state),
        "send_at": local_text(campaign.send_at), "cron": campaign.cron, "timezone": "Asia/Shanghai",
        "audience_size": campaign.audience_size, "counts": numbers, "failures": failures,
        "parent_id": campaign.parent_id, "runs": runs, "error": campaign.error,
        "started_at": local_text(campaign.started_at), "finished_at": local_text(campaign.finished_at),
    }


def _failures(runtime, campaign_ids: list[int]) -> list[dict]:
    with runtime.database.session() as session:
        rows = session.execute(
            select(Delivery.status, Delivery.errcode, Delivery.reason, func.count())
            .where(Delivery.campaign_id.in_(campaign_ids),
                   Delivery.status.in_((FAILED, SKIPPED, UNKNOWN)) | (Delivery.reason == "retrying"))
            .group_by(Delivery.status, Delivery.errcode, Delivery.reason)
            .order_by(func.count().desc())).all()
    return [{"status": status, "errcode": errcode, "reason": reason, "count": int(number),
             "description": REASONS.get(reason or "", reason or "")} for status, errcode, reason, number in rows]


def list_campaigns(runtime, limit: int = 50) -> list[dict]:
    """The newest campaigns (runs of recurring ones excluded) with their state and counts."""
    with runtime.database.session() as session:
        ids = list(session.scalars(select(Campaign.id).where(Campaign.parent_id.is_(None))
                                   .order_by(Campaign.id.desc()).limit(limit)))
    return [report(runtime, campaign_id) for campaign_id in ids]


def preview(runtime, campaign_id: int) -> dict:
    """What the campaign will send, to how many people now, and when."""
    campaign = get(runtime, campaign_id)
    parsed = audiences.parse(campaign.audience, runtime.places)
    try:
        size = audiences.count(runtime, parsed)
    except (audiences.AudienceError, WeChatError) as exc:
        size, note = None, str(exc)
    else:
        note = None
    message: dict
    if campaign.channel == "template":
        template_id, data, url = template_message(campaign, runtime.config)
        message = {"template_id": template_id, "data": data, "url": url}
    elif campaign.channel == "subscribe":
        template_id, data, page = subscribe_message(campaign, runtime.config)
        message = {"template_id": template_id, "data": data, "page": page}
    else:
        message = {"text": message_text(campaign)}
    return {"id": campaign.id, "channel": campaign.channel, "channel_text": CHANNELS[campaign.channel],
            "audience": campaign.audience, "audience_text": parsed.describe(), "audience_size": size,
            "reachable": _reachable(runtime, campaign, parsed, size), "audience_note": note, "send_at": local_text(campaign.send_at), "cron": campaign.cron,
            "state": campaign.state, "message": message}


def _reachable(runtime, campaign: Campaign, parsed, size: int | None) -> int | None:
    """Of the audience, how many the channel can reach now: subscribe notices need a consent left,
    customer messages a message from the follower within 48 hours (the others are skipped)."""
    if size is None or campaign.channel not in ("subscribe", "customer"):
        return size
    template_id = subscribe_message(campaign, runtime.config)[0] if campaign.channel == "subscribe" else None
    since = runtime.clock() - SERVICE_WINDOW

    def reachable(batch: list[str]) -> int:
        with runtime.database.session() as session:
            if template_id is not None:
                query = select(func.count(func.distinct(SubscribeConsent.openid))).where(
                    SubscribeConsent.openid.in_(batch), SubscribeConsent.template_id == template_id,
                    SubscribeConsent.remaining > 0)
            else:
                query = select(func.count()).select_from(Follower).where(
                    Follower.openid.in_(batch), Follower.last_message_at >= since)
            return int(session.scalar(query) or 0)

    total, batch = 0, []
    for openid in audiences.openids(runtime, parsed):
        batch.append(openid)
        if len(batch) == 1000:
            total, batch = total + reachable(batch), []
    return total + (reachable(batch) if batch else 0)


def test_send(runtime, campaign_id: int, openid: str) -> dict:
    """Send the campaign's message to one openid (the editor's own) now, outside its deliveries."""
    campaign = get(runtime, campaign_id)
    sender = Sender(runtime, campaign)
    if campaign.channel == "mass":
        # A mass send cannot target one person; the editor sees the same text as a customer message.
        try:
            runtime.wechat.send_text(openid, message_text(campaign))
        except WeChatError as exc:
            return {"ok": False, "errcode": exc.errcode, "error": str(exc), "via": "customer"}
        return {"ok": True, "via": "customer"}
    # The editor is a deliberate recipient: no 48-hour or consent filter before WeChat's own answer.
    sender.in_window.add(openid)
    sender.consented.add(openid)
    outcome = sender.send(Claimed(0, openid, 1))
    return {"ok": outcome.status == SENT, "errcode": outcome.errcode, "reason": outcome.reason,
            "via": campaign.channel, "msg_id": outcome.msg_id}


# ---- change state ------------------------------------------------------------------------------

def _transition(runtime, campaign_id: int, allowed: tuple[str, ...], **values) -> bool:
    with runtime.database.session() as session:
        result = session.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.state.in_(allowed))
                                 .values(updated_at=runtime.clock(), **values))
        return result.rowcount == 1


def cancel(runtime, campaign_id: int) -> Campaign:
    """Cancel a campaign at any point before it is done; pending deliveries are not sent."""
    campaign = get(runtime, campaign_id)
    if not _transition(runtime, campaign_id, OPEN_STATES, state="cancelled", paused_from=None):
        raise CampaignError(f"推送 {campaign_id} 当前{STATES.get(campaign.state, campaign.state)}，不能取消")
    with runtime.database.session() as session:
        session.execute(update(Delivery).where(Delivery.campaign_id == campaign_id, Delivery.status == PENDING)
                        .values(status=SKIPPED, reason="campaign_cancelled", lease_owner=None, lease_until=None))
    return get(runtime, campaign_id)


def pause(runtime, campaign_id: int) -> Campaign:
    """Pause a scheduled or sending campaign; workers stop after the messages in flight."""
    campaign = get(runtime, campaign_id)
    if campaign.state not in ("scheduled", "sending") or not _transition(
            runtime, campaign_id, (campaign.state,), state="paused", paused_from=campaign.state):
        raise CampaignError(f"推送 {campaign_id} 当前{STATES.get(campaign.state, campaign.state)}，不能暂停")
    return get(runtime, campaign_id)


def resume(runtime, campaign_id: int, dispatcher=None) -> Campaign:
    """Resume a paused campaign, or send again what WeChat could not take (busy, quota, unreachable)."""
    campaign = get(runtime, campaign_id)
    if campaign.state in ("done", "sending") and retryable(runtime, campaign_id, RETRYABLE_REASONS):
        return retry(runtime, campaign_id, RETRYABLE_REASONS, dispatcher)
    if campaign.state != "paused":
        raise CampaignError(f"推送 {campaign_id} 当前{STATES.get(campaign.state, campaign.state)}，无需继续")
    back = campaign.paused_from or "scheduled"
    if not _transition(runtime, campaign_id, ("paused",), state=back, paused_from=None):
        raise CampaignError(f"推送 {campaign_id} 的状态刚刚改变，请重试")
    if back == "sending":
        launch(runtime, campaign_id, dispatcher)
    elif not campaign.cron and campaign.send_at and campaign.send_at <= runtime.clock():
        start(runtime, campaign_id, dispatcher)  # its time passed while paused
    return get(runtime, campaign_id)


def retryable(runtime, campaign_id: int, reasons: tuple[str, ...]) -> int:
    """How many deliveries of a campaign failed (or wait) for one of these reasons."""
    with runtime.database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.campaign_id == campaign_id, Delivery.reason.in_(reasons),
            Delivery.status.in_((FAILED, UNKNOWN, PENDING)))) or 0)


def retry(runtime, campaign_id: int, reasons: tuple[str, ...], dispatcher=None) -> Campaign:
    """Send again, now, the deliveries that failed for these reasons (e.g. gave_up; timeout_unknown by choice)."""
    campaign = get(runtime, campaign_id)
    if _is_fanned_out_by_wechat(campaign) or campaign.state not in ("done", "sending"):
        raise CampaignError(f"推送 {campaign_id} 当前{STATES.get(campaign.state, campaign.state)}，不能按原因重发")
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise CampaignError(f"没有这种失败原因：{', '.join(unknown)}（可选：{', '.join(sorted(REASONS))}）")
    with runtime.database.session() as session:
        moved = session.execute(update(Delivery).where(
            Delivery.campaign_id == campaign_id, Delivery.reason.in_(reasons),
            Delivery.status.in_((FAILED, UNKNOWN, PENDING)))
            .values(status=PENDING, retry_at=None, attempts=0, lease_owner=None, lease_until=None)).rowcount
    if not moved:
        raise CampaignError(f"推送 {campaign_id} 没有因为这些原因未送达的消息")
    log.info("campaign %s: %d deliveries sent again (%s)", campaign_id, moved, ", ".join(reasons))
    _transition(runtime, campaign_id, ("done",), state="sending", finished_at=None)
    launch(runtime, campaign_id, dispatcher)
    return get(runtime, campaign_id)


# ---- send ----------------------------------------------------------------------------------------

def start(runtime, campaign_id: int, dispatcher=None, occurrence: datetime | None = None) -> int | None:
    """Start sending a due campaign (or a run of a recurring one); return the id that sends, or None."""
    campaign = get(runtime, campaign_id)
    now = runtime.clock()
    if campaign.cron:
        if campaign.state != "scheduled":
            return None
        occurrence = occurrence or now
        run = Campaign(title=campaign.title, text=campaign.text, channel=campaign.channel,
                       audience=campaign.audience, payload=campaign.payload, state="sending", send_at=occurrence,
                       parent_id=campaign.id, occurrence_at=occurrence, created_by=campaign.created_by,
                       started_at=now, created_at=now, updated_at=now, audience_size=campaign.audience_size)
        try:
            with runtime.database.session() as session:
                session.add(run)
                session.flush()
                session.execute(update(Campaign).where(Campaign.id == campaign.id).values(
                    send_at=next_cron_time(campaign.cron, occurrence), updated_at=now))
        except IntegrityError:
            return None  # this occurrence already ran
        campaign_id = run.id
    elif not _transition(runtime, campaign_id, ("scheduled",), state="sending", started_at=now):
        return None
    launch(runtime, campaign_id, dispatcher)
    return campaign_id


def launch(runtime, campaign_id: int, dispatcher=None) -> None:
    """Do the sending part of a campaign in 'sending' state: one mass call, or deliveries for workers."""
    campaign = get(runtime, campaign_id)
    if campaign.state != "sending":
        return
    if _is_fanned_out_by_wechat(campaign):
        _mass_send(runtime, campaign)
        return
    if campaign.materialized_at is None:
        try:
            materialize(runtime, campaign_id, campaign.audience)
        except audiences.AudienceError as exc:
            _transition(runtime, campaign_id, ("sending",), state="failed", error=str(exc)[:300],
                        finished_at=runtime.clock())
            return
    if dispatcher is None:
        from bot.push.queue_worker import dispatcher_for

        dispatcher = dispatcher_for(runtime)
    dispatcher.enqueue_drain(campaign_id)


def _mass_send(runtime, campaign: Campaign) -> None:
    """One mass-send call to all followers or a tag; its clientmsgid makes WeChat refuse a repeat."""
    clientmsgid = mass_clientmsgid(campaign.id)
    attempts = int(runtime.config.push_max_attempts)
    error: WeChatError | None = None
    msg_id = None
    for attempt in range(1, attempts + 1):
        try:
            tag_id = None
            if campaign.audience.startswith("tag:"):
                tag_id = audiences.find_tag(runtime, campaign.audience[4:])["id"]
            news = json.loads(campaign.payload or "{}").get("mpnews_media_id")  # an article: sent as WeChat news
            answer = (runtime.wechat.mass_send_news(news, tag_id=tag_id, clientmsgid=clientmsgid) if news else
                      runtime.wechat.mass_send_text(message_text(campaign), tag_id=tag_id, clientmsgid=clientmsgid))
            msg_id, error = str(answer.get("msg_id") or ""), None
            break
        except audiences.AudienceError as exc:
            error = WeChatError(45159, str(exc), "tags.get")
            break
        except WeChatError as exc:
            if exc.errcode == DUPLICATE_CLIENTMSGID:
                error = None  # sent before a crash: WeChat refused the repeat
                break
            error = exc
            if not isinstance(exc, TRANSIENT_ERRORS) or attempt == attempts:
                break
            time.sleep(float(runtime.config.push_retry_backoff_seconds) * 2 ** (attempt - 1))
    now = runtime.clock()
    if error is None:
        _transition(runtime, campaign.id, ("sending",), state="done", finished_at=now, clientmsgid=clientmsgid,
                    wechat_msg_id=msg_id or campaign.wechat_msg_id)
    else:
        _transition(runtime, campaign.id, ("sending",), state="failed", finished_at=now, clientmsgid=clientmsgid,
                    error=f"errcode {error.errcode}: {error.errmsg}"[:300])


def due(runtime, now: datetime | None = None) -> list[int]:
    """One-off campaigns whose time has come and that are still scheduled."""
    now = now or runtime.clock()
    with runtime.database.session() as session:
        return list(session.scalars(select(Campaign.id).where(
            Campaign.state == "scheduled", Campaign.cron.is_(None), Campaign.send_at <= now)
            .order_by(Campaign.send_at)))
