"""Articles that pushes carry (served by the project, sent as WeChat news), and the clicks on tracked links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class Article(Base):
    """An article composed in the console: its page is /a/<token>; its WeChat media are uploaded once."""

    __tablename__ = "push_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)  # unguessable, in the public URL
    title: Mapped[str] = mapped_column(String(64), nullable=False)  # WeChat's limit for a news title
    author: Mapped[str | None] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False)  # plain text, paragraphs split by blank lines
    cover: Mapped[bytes | None] = mapped_column(LargeBinary)  # the image as uploaded (JPEG or PNG, under 2 MB)
    cover_type: Mapped[str | None] = mapped_column(String(32))
    cover_media_id: Mapped[str | None] = mapped_column(String(128))  # WeChat's permanent image, once uploaded
    news_media_id: Mapped[str | None] = mapped_column(String(128))  # WeChat's news draft, once added
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class LinkClick(Base):
    """One click on a tracked link of a push (the redirect through /r/...)."""

    __tablename__ = "push_link_clicks"
    __table_args__ = (Index("ix_push_link_clicks_clicked_at", "clicked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("push_campaigns.id", ondelete="CASCADE"), index=True, nullable=False)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("push_articles.id", ondelete="SET NULL"))
    clicked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
