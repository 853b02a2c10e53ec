"""Articles: editors compose an article (title, cover, summary, body) and push it; clicks are counted per campaign."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from bot.console.pages.campaigns import AUDIENCE_KINDS, _audience_spec
from bot.console.policy import may_target
from bot.console.web import console, now, record, requires, runtime, say, staff
from bot.push import campaigns
from bot.push.articles import ArticleRefused, Articles
from bot.push.audience_lists import LIST_MAX, LIST_MIN, AudienceLists, ListRefused
from bot.services.places import CITIES
from bot.wechat.client import WeChatError


def _articles() -> Articles:
    return Articles(runtime().database, runtime().wechat, runtime().clock)


def _page(status: int = 200, form=None):
    return render_template("console/articles.html", articles=_articles().recent(), form=form or {},
                           channels=campaigns.CHANNELS, kinds=AUDIENCE_KINDS + ("list",), cities=CITIES,
                           list_min=LIST_MIN, list_max=LIST_MAX), status


@console.route("/articles")
@requires("campaigns")
def articles():
    """The articles, and the form to write one."""
    return _page()


@console.route("/articles", methods=["POST"])
@requires("campaigns")
def create_article():
    """Store a new article with its cover."""
    form, cover = request.form, request.files.get("cover")
    try:
        article = _articles().create(form.get("title", ""), form.get("body", ""), summary=form.get("summary", ""),
                                     author=form.get("author"), cover=cover.read() if cover else None,
                                     cover_type=cover.mimetype if cover else None, created_by=staff().username)
    except ArticleRefused as refused:
        flash(say(refused.reason), "error")
        return _page(422, form)
    record("article.create", str(article.id), title=article.title)
    flash(say("article_created", title=article.title), "success")
    return redirect(url_for("console.articles"))


@console.route("/articles/<int:article_id>/push", methods=["POST"])
@requires("campaigns")
def push_article(article_id: int):
    """Schedule a campaign carrying the article (news by mass send, else a tracked link)."""
    article = _articles().get(article_id)
    if article is None:
        return render_template("console/error.html", message=say("console_not_found")), 404
    form = request.form
    spec = _audience_spec(form)
    if form.get("audience_kind") == "list":
        spec = _stored_list(article.title)
        if spec is None:
            return _page(422, form)
    if not may_target(staff(), spec):
        flash(say("console_audience_outside_city", city=staff().city), "error")
        return _page(422, form)
    try:
        at = campaigns.parse_at((form.get("at") or "now").replace("T", " "), now())
        campaign = _articles().push(
            runtime(), article.id, channel=form.get("channel", ""), audience=spec, at=at,
            page_url=url_for("articles.article_page", token=article.token, _external=True),
            tracked_url=lambda cid: url_for("articles.tracked_link", campaign_id=cid, token=article.token, _external=True),
            created_by=staff().username)
    except campaigns.CampaignError as exc:
        flash(str(exc), "error")
        return _page(422, form)
    except WeChatError as error:
        flash(say("article_wechat_failed", errcode=error.errcode), "error")
        return _page(502, form)
    record("campaign.schedule", str(campaign.id), title=campaign.title, audience=campaign.audience,
           channel=campaign.channel, article=article.id, send_at=campaigns.local_text(campaign.send_at))
    flash(say("console_campaign_scheduled", title=campaign.title, at=campaigns.local_text(campaign.send_at)), "success")
    return redirect(url_for("console.campaign", campaign_id=campaign.id))


def _stored_list(title: str) -> str | None:
    """Store the pasted or uploaded openid list and return its audience (list:ID); None when refused (flashed)."""
    if not may_target(staff(), "list:0"):  # a city-limited editor sends to their city's members only
        flash(say("console_audience_outside_city", city=staff().city), "error")
        return None
    upload = request.files.get("openids_file")
    raw = upload.read(2 * 1024 * 1024) if upload and upload.filename else request.form.get("openids", "")
    try:
        stored = AudienceLists(runtime().database, runtime().clock).store(title, raw, created_by=staff().username)
    except ListRefused as refused:
        flash(say(refused.reason, **refused.values), "error")
        return None
    record("audience_list.create", str(stored.id), size=stored.size, not_followers=stored.not_followers,
           malformed=stored.malformed, duplicates=stored.duplicates)
    flash(say("audience_list_stored", size=stored.size, not_followers=stored.not_followers,
              malformed=stored.malformed, duplicates=stored.duplicates), "info")
    return f"list:{stored.id}"
