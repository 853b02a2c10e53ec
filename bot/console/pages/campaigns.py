"""Campaigns: compose with a phone-like preview and the audience size, schedule, follow, pause, resume, cancel.

Every rule (quotas, audiences, states) is bot/push/campaigns.py's; these views only call it.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from bot.console.policy import may_target
from bot.console.web import console, forbidden, now, record, requires, runtime, say, staff
from bot.push import audience as audiences
from bot.push import campaigns
from bot.services.places import CITIES
from bot.wechat.client import WeChatError

AUDIENCE_KINDS = ("city", "all", "industry", "tag", "scene", "activity")
ACTIONS = {"pause": campaigns.pause, "resume": campaigns.resume, "cancel": campaigns.cancel}


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
    return render_template("console/campaign.html", report=campaigns.report(runtime(), campaign_id),
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
