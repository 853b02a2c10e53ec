"""Campaigns: compose with a phone-like preview and the audience size, schedule, follow, pause, resume, cancel.

Every rule (quotas, audiences, states) is bot/push/campaigns.py's; these views only call it.
"""
from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for

from bot.console.policy import may_target
from bot.console.web import console, forbidden, now, record, requires, runtime, say, staff
from bot.push import audience as audiences
from bot.push import campaigns
from bot.push.delivery import REASONS, RETRYABLE_REASONS
from bot.services.places import CITIES
from bot.wechat.client import WeChatError

AUDIENCE_KINDS = ("city", "all", "industry", "tag", "scene", "activity")
ACTIONS = {"pause": campaigns.pause, "resume": campaigns.resume, "cancel": campaigns.cancel}
# Failures an editor may send again from the campaign page; timeout_unknown only when ticked (it may have arrived).
RETRY_CHOICES = (*RETRYABLE_REASONS, "wechat_error", "timeout_unknown")


def _audience_spec(form) -> str:
    kind = form.get("audience_kind", "all")
    value = (form.get("audience_value") or "").strip()
    return "all" if kind == "all" else f"{kind}:{value}"


@console.route("/campaigns")
@requires("campaigns")
def campaigns_page():
    """The newest campaigns with their state and counts."""
    return render_template("console/campaigns.html", campaigns=campaigns.list_campaigns(runtime(), limit=100))


@console.route("/campaigns/new")
@requires("campaigns")
def new_campaign():
    """The compose form."""
    me = staff()
    form = {"audience_kind": "city" if me.city else "all", "audience_value": me.city or "", "channel": "template"}
    return render_template("console/campaign_new.html", form=form, channels=campaigns.CHANNELS,
                           kinds=AUDIENCE_KINDS, cities=CITIES)


@console.route("/campaigns/audience-size", methods=["POST"])
@requires("campaigns")
def audience_size():
    """How many people the audience reaches now (htmx fragment beside the form)."""
    spec = _audience_spec(request.form)
    try:
        parsed = audiences.parse(spec, runtime().places)
        size, description, error = audiences.count(runtime(), parsed), parsed.describe(), None
    except (audiences.AudienceError, WeChatError) as exc:
        size, description, error = None, "", str(exc)
    if error is None and not may_target(staff(), spec):
        size, error = None, say("console_audience_outside_city", city=staff().city)
    return render_template("console/_audience_size.html", size=size, description=description, error=error)


@console.route("/campaigns", methods=["POST"])
@requires("campaigns")
def create_campaign():
    """Schedule a campaign through the push engine; its refusals (quotas, audience, time) are shown as they are."""
    form = request.form
    spec = _audience_spec(form)
    problem = None
    if not may_target(staff(), spec):
        problem = say("console_audience_outside_city", city=staff().city)
    else:
        try:
            at = campaigns.parse_at((form.get("at") or "now").replace("T", " "), now())
            campaign = campaigns.create(runtime(), title=form.get("title", ""), text=form.get("text", ""),
                                        channel=form.get("channel", ""), audience=spec, at=at,
                                        created_by=staff().username)
        except campaigns.CampaignError as exc:
            problem = str(exc)
    if problem:
        flash(problem, "error")
        return render_template("console/campaign_new.html", form=form, channels=campaigns.CHANNELS,
                               kinds=AUDIENCE_KINDS, cities=CITIES), 422
    record("campaign.schedule", str(campaign.id), title=campaign.title, audience=campaign.audience,
           channel=campaign.channel, send_at=campaigns.local_text(campaign.send_at), size=campaign.audience_size)
    flash(say("console_campaign_scheduled", title=campaign.title, at=campaigns.local_text(campaign.send_at)), "success")
    return redirect(url_for("console.campaign", campaign_id=campaign.id))


def _campaign_or_refusal(campaign_id: int):
    try:
        found = campaigns.get(runtime(), campaign_id)
    except campaigns.CampaignError:
        return None, (render_template("console/error.html", message=say("console_not_found")), 404)
    if not may_target(staff(), found.audience):
        return None, forbidden()
    return found, None


@console.route("/campaigns/<int:campaign_id>")
@requires("campaigns")
def campaign(campaign_id: int):
    """One campaign: what it sends (as on a phone), to whom, when, and its progress."""
    found, refusal = _campaign_or_refusal(campaign_id)
    if refusal:
        return refusal
    report = campaigns.report(runtime(), campaign_id)
    retry_choices = [f for f in report["failures"] if f.get("reason") in RETRY_CHOICES]
    return render_template("console/campaign.html", report=report, retry_choices=retry_choices,
                           preview=campaigns.preview(runtime(), campaign_id), text=found.text)


@console.route("/campaigns/<int:campaign_id>/progress")
@requires("campaigns")
def campaign_progress(campaign_id: int):
    """The progress bar (htmx polls it while the campaign sends)."""
    found, refusal = _campaign_or_refusal(campaign_id)
    if refusal:
        return refusal
    return render_template("console/_progress.html", report=campaigns.report(runtime(), campaign_id))


@console.route("/campaigns/<int:campaign_id>/<action>", methods=["POST"])
@requires("campaigns")
def campaign_action(campaign_id: int, action: str):
    """Pause, resume or cancel."""
    if action not in ACTIONS:
        return render_template("console/error.html", message=say("console_not_found")), 404
    found, refusal = _campaign_or_refusal(campaign_id)
    if refusal:
        return refusal
    try:
        ACTIONS[action](runtime(), campaign_id)
    except campaigns.CampaignError as exc:
        flash(str(exc), "error")
    else:
        record(f"campaign.{action}", str(campaign_id), title=found.title)
        flash(say(f"console_campaign_{action}", title=found.title), "success")
    return redirect(url_for("console.campaign", campaign_id=campaign_id))


@console.route("/campaigns/phone-preview", methods=["POST"])
@requires("campaigns")
def phone_preview():
    """The draft as it will look on a phone (htmx fragment beside the form)."""
    form = request.form
    return render_template("console/_phone.html", title=form.get("title", ""), text=form.get("text", ""),
                           channel=form.get("channel", ""), channels=campaigns.CHANNELS)


TEST_RECIPIENTS_MAX = 10  # a test goes to a few phones, never to an audience


@console.route("/campaigns/<int:campaign_id>/test-send", methods=["POST"])
@requires("campaigns")
def campaign_test_send(campaign_id: int):
    """Send the campaign's message now to a few named openids, or to the editor's own bound WeChat (发给我自己)."""
    found, refusal = _campaign_or_refusal(campaign_id)
    if refusal:
        return refusal
    to_self = request.form.get("to") == "me"
    if to_self:
        openid = runtime().staff_notices.openid_of(staff().username)
        if openid is None:
            flash(say("console_campaign_test_self_unbound"), "error")
            return redirect(url_for("console.campaign", campaign_id=campaign_id))
        openids = [openid]
    else:
        openids = list(dict.fromkeys(re.split(r"[\s,，;；]+", request.form.get("openids", "").strip())))
        openids = [o for o in openids if o]
        if not openids or len(openids) > TEST_RECIPIENTS_MAX:
            flash(say("console_campaign_test_recipients", limit=TEST_RECIPIENTS_MAX), "error")
            return redirect(url_for("console.campaign", campaign_id=campaign_id))
    for openid in openids:
        result = campaigns.test_send(runtime(), campaign_id, openid)
        via = campaigns.CHANNELS.get(result.get("via"), result.get("via"))
        record("campaign.test_send", str(campaign_id), openid=openid, to_self=to_self or None, ok=result["ok"],
               errcode=result.get("errcode"), reason=result.get("reason"))
        if result["ok"]:
            flash(say("console_campaign_test_self_sent" if to_self else "console_campaign_test_sent",
                      openid=openid, via=via), "success")
        else:
            why = REASONS.get(result.get("reason") or "", "") or result.get("error") or ""
            flash(say("console_campaign_test_self_failed" if to_self else "console_campaign_test_failed",
                      openid=openid, errcode=result.get("errcode") or "-", why=why), "error")
    return redirect(url_for("console.campaign", campaign_id=campaign_id))


@console.route("/campaigns/<int:campaign_id>/retry", methods=["POST"])
@requires("campaigns")
def campaign_retry(campaign_id: int):
    """Send again the deliveries that failed for the reasons ticked (the push engine's retry, as the CLI's)."""
    found, refusal = _campaign_or_refusal(campaign_id)
    if refusal:
        return refusal
    reasons = tuple(r for r in request.form.getlist("reason") if r)
    if not reasons:
        flash(say("console_campaign_retry_no_reason"), "error")
        return redirect(url_for("console.campaign", campaign_id=campaign_id))
    count = campaigns.retryable(runtime(), campaign_id, reasons)
    try:
        campaigns.retry(runtime(), campaign_id, reasons)
    except campaigns.CampaignError as exc:
        flash(str(exc), "error")
    else:
        record("campaign.retry", str(campaign_id), title=found.title, reasons=",".join(reasons), count=count)
        flash(say("console_campaign_retried", count=count, title=found.title), "success")
    return redirect(url_for("console.campaign", campaign_id=campaign_id))
