"""Articles in pushes: compose once, serve the page from the project, send it as WeChat news or as a tracked link.

- Template messages (and customer-service sends) carry a tracked link,
  /r/<campaign>/<token>, which counts the click and redirects to the article page /a/<token>.
- A mass send to all followers, a tag or an uploaded openid list (2 to 10,000 followers, WeChat's
  bounds of mass/send; bot/push/audience_lists.py) goes as news (mpnews): the cover is uploaded as a
  permanent image and the article added as a draft through the WeChat client, each once per
  article (the media ids are kept on the article), and the campaign's payload names the draft.
"""
from __future__ import annotations

import html
import json
import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from bot.push import campaigns
from bot.storage.db import Database
from bot.storage.models import Article, Campaign, LinkClick

COVER_TYPES = ("image/jpeg", "image/png")
COVER_MAX_BYTES = 2 * 1024 * 1024
TITLE_MAX, SUMMARY_MAX = 64, 120


class ArticleRefused(ValueError):
    """An article that cannot be stored: `reason` names the content key that says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def paragraphs(body: str) -> list[str]:
    """The article's paragraphs (blank lines separate them)."""
    return [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]


def news_html(article: Article) -> str:
    """The article body as WeChat news HTML (escaped text in paragraphs)."""
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs(article.body))


class Articles:
    """Store articles, prepare their WeChat news, count clicks (built with the database, WeChat client and clock)."""

    def __init__(self, database: Database, wechat, clock: Callable[[], datetime]):
        self.database = database
        self.wechat = wechat
        self.clock = clock

    def create(self, title: str, body: str, summary: str = "", author: str | None = None, cover: bytes | None = None,
               cover_type: str | None = None, created_by: str | None = None) -> Article:
        """Store a new article; ArticleRefused names what is wrong."""
        title, body, summary = (title or "").strip(), (body or "").strip(), (summary or "").strip()
        if not title or len(title) > TITLE_MAX:
            raise ArticleRefused("article_bad_title")
        if not body:
            raise ArticleRefused("article_no_body")
        if len(summary) > SUMMARY_MAX:
            raise ArticleRefused("article_long_summary")
        if not cover or cover_type not in COVER_TYPES or len(cover) > COVER_MAX_BYTES:
            raise ArticleRefused("article_bad_cover")
        article = Article(token=secrets.token_urlsafe(12), title=title, body=body, summary=summary or paragraphs(body)[0][:SUMMARY_MAX],
                          author=(author or "").strip()[:16] or None, cover=cover, cover_type=cover_type,
                          created_by=created_by, created_at=self.clock())
        with self.database.session() as session:
            session.add(article)
            session.flush()
            session.expunge(article)
        return article

    def get(self, article_id: int | None = None, token: str | None = None) -> Article | None:
        """One article by id or by its public token."""
        with self.database.session() as session:
            query = select(Article).where(Article.id == article_id if article_id is not None else Article.token == token)
            article = session.scalar(query)
            if article is not None:
                session.expunge(article)
            return article

    def recent(self, limit: int = 50) -> list[Article]:
        """The latest articles, newest first."""
        with self.database.session() as session:
            found = list(session.scalars(select(Article).order_by(Article.id.desc()).limit(limit)))
            session.expunge_all()
            return found

    def news_media_id(self, article_id: int, page_url: str) -> str:
        """WeChat's news draft of the article, uploading the cover and adding the draft only the first time."""
        article = self.get(article_id)
        if article.news_media_id:
            return article.news_media_id
        cover_id = article.cover_media_id
        if not cover_id:
            extension = "png" if article.cover_type == "image/png" else "jpg"
            cover_id = self.wechat.upload_image(f"cover-{article.id}.{extension}", article.cover, article.cover_type)["media_id"]
            self._keep(article.id, cover_media_id=cover_id)  # kept even if the draft fails: never uploaded twice
        draft = self.wechat.add_draft([{"title": article.title, "author": article.author or "", "digest": article.summary,
                                        "content": news_html(article), "content_source_url": page_url,
                                        "thumb_media_id": cover_id, "need_open_comment": 0}])
        self._keep(article.id, news_media_id=draft["media_id"])
        return draft["media_id"]

    def _keep(self, article_id: int, **values) -> None:
        with self.database.session() as session:
            article = session.get(Article, article_id)
            for name, value in values.items():
                setattr(article, name, value)

    def push(self, runtime, article_id: int, *, channel: str, audience: str, at: datetime, page_url: str,
             tracked_url: Callable[[int], str], created_by: str | None = None) -> Campaign:
        """Schedule a campaign carrying the article: news for a mass send to all or a tag, else a tracked link."""
        article = self.get(article_id)
        # A mass send goes as news whoever it reaches: all, a tag (sendall) or an openid list (send).
        as_news = channel == "mass" and (audience == "all" or audience.startswith(("tag:", "list:")))
        payload: dict = {"article_id": article.id}
        if as_news:
            payload["mpnews_media_id"] = self.news_media_id(article.id, page_url)
        campaign = campaigns.create(runtime, title=article.title, text=article.summary, channel=channel,
                                    audience=audience, at=at, payload=payload, created_by=created_by)
        # The link needs the campaign's id, so it is added once the campaign exists.
        link = tracked_url(campaign.id)
        with self.database.session() as session:
            stored = session.get(Campaign, campaign.id)
            stored.payload = json.dumps({**payload, "url": link}, ensure_ascii=False)
            if not as_news and channel != "template":
                stored.text = f"{article.summary}\n{link}"
        return campaigns.get(runtime, campaign.id)

    def click(self, campaign_id: int, token: str) -> Article | None:
        """Count a click on a campaign's link to the article; return the article (None: unknown link)."""
        article = self.get(token=token)
        if article is None:
            return None
        with self.database.session() as session:
            if session.get(Campaign, campaign_id) is None:
                return article  # a link edited by hand still opens the article, but counts nowhere
            session.add(LinkClick(campaign_id=campaign_id, article_id=article.id, clicked_at=self.clock()))
        return article
