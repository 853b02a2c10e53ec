"""Saved versions of the editor-owned content files, written by the console's content pages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class ContentVersion(Base):
    """One saved version of one content file (content/<path>), whole: who saved it, when, and why.

    The newest version of a path is the one every web process serves (bot/services/content_editing.py).
    """

    __tablename__ = "content_versions"
    __table_args__ = (Index("ix_content_versions_path_id", "path", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(200), nullable=False)  # relative to the content directory
    text: Mapped[str] = mapped_column(Text, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)  # sha256 of text
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # original, edit, restore, model
    summary: Mapped[str | None] = mapped_column(String(300))  # what changed, in the editor's words
    restored_from: Mapped[int | None] = mapped_column(Integer)  # for kind restore: the version brought back
    saved_by: Mapped[str] = mapped_column(String(64), nullable=False)  # a console username
    saved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
