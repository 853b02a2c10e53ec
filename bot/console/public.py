"""The public side of articles: the article page a worker opens on the phone, its cover, and the tracked link.

No sign-in here (workers open these from WeChat), so nothing but the article itself is shown.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for

from bot.push.articles import Articles, paragraphs

public = Blueprint("articles", __name__, template_folder="templates")


def _articles() -> Articles:
    runtime = current_app.extensions["zgzj"]
    return Articles(runtime.database, runtime.wechat, runtime.clock)


@public.route("/a/<token>")
def article_page(token: str):
    """The article, readable on a phone."""
    article = _articles().get(token=token)
    if article is None:
        abort(404)
    return render_template("console/article_page.html", article=article, paragraphs=paragraphs(article.body))


@public.route("/a/<token>/cover")
def article_cover(token: str):
    """The article's cover image."""
    article = _articles().get(token=token)
    if article is None or not article.cover:
        abort(404)
    return Response(article.cover, mimetype=article.cover_type, headers={"Cache-Control": "public, max-age=86400"})


@public.route("/r/<int:campaign_id>/<token>")
def tracked_link(campaign_id: int, token: str):
    """Count the click for the campaign, then open the article."""
    article = _articles().click(campaign_id, token)
    if article is None:
        abort(404)
    return redirect(url_for("articles.article_page", token=token), code=302)
