"""Lists of openids editors upload or paste as a push audience (`list:ID`), e.g. the workers of one factory."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class AudienceList(Base):
    """A named list of followers' openids; its members are rows of AudienceListMember."""

    __tablename__ = "audience_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # followers kept when it was stored
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class AudienceListMember(Base):
    """One follower on a list (an openid: personal data, erased with the person)."""

    __tablename__ = "audience_list_members"

    list_id: Mapped[int] = mapped_column(ForeignKey("audience_lists.id", ondelete="CASCADE"), primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
