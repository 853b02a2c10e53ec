"""QR channels: a parametric QR code per poster, factory, event or city union, and what each one brought.

The scene of the code is what WeChat sends back with a follow or a scan (qrscene_<scene>), and
what the follower's record keeps as source_scene: so the followers a channel brought, how many
stayed, how many are active and which services they used are GROUP BYs over that column.
"""
from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from bot.storage.db import Database
from bot.storage.models import (ActivitySignUp, Follower, Identity, MembershipApplication, QrChannel, Ticket)

SCENE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ChannelRefused(ValueError):
    """A channel that cannot be created: `reason` names the content key that says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class ChannelFigures:
    """A channel and what it brought: followers gained, still following, kept after 30 days, active, services."""

    id: int
    name: str
    scene: str
    city: str | None
    url: str | None
    created_at: datetime
    gained: int = 0
    following: int = 0
    old_enough: int = 0  # followed 30 days ago or more
    kept_30_days: int = 0  # of those, still following
    active_30_days: int = 0
    applications: int = 0
    tickets: int = 0
    signups: int = 0


class Channels:
    """Create QR channels through the WeChat client and report on them (built with what it uses)."""

    def __init__(self, database: Database, wechat, clock: Callable[[], datetime]):
        self.database = database
        self.wechat = wechat
        self.clock = clock

    def create(self, name: str, city: str | None = None, scene: str | None = None, welcome: str | None = None,
               created_by: str | None = None) -> QrChannel:
        """Create the channel and its permanent QR code at WeChat; WeChatError propagates, nothing is stored then."""
        name = (name or "").strip()
        if not name or len(name) > 100:
            raise ChannelRefused("channel_bad_name")
        scene = (scene or "").strip() or f"ch{secrets.token_hex(4)}"
        if not SCENE.match(scene):
            raise ChannelRefused("channel_bad_scene")
        with self.database.session() as session:
            if session.scalar(select(QrChannel.id).where(QrChannel.scene == scene)):
                raise ChannelRefused("channel_scene_taken")
        answer = self.wechat.create_qrcode(scene)
        channel = QrChannel(name=name, scene=scene, city=city or None, ticket=answer.get("ticket"),
                            url=answer.get("url"), welcome=(welcome or "").strip() or None, created_by=created_by,
                            created_at=self.clock())
        try:
            with self.database.session() as session:
                session.add(channel)
                session.flush()
                session.expunge(channel)
        except IntegrityError:
            raise ChannelRefused("channel_scene_taken") from None
        return channel

    def get(self, channel_id: int) -> QrChannel | None:
        """One channel, or None."""
        with self.database.session() as session:
            channel = session.get(QrChannel, channel_id)
            if channel is not None:
                session.expunge(channel)
            return channel

    def welcome_for(self, scene: str | None) -> str | None:
        """The welcome of the channel with this scene, if it has its own."""
        return welcome_for(self.database, scene)

    def figures(self, city: str | None = None) -> list[ChannelFigures]:
        """Every channel (of a city, if given) with what it brought, newest first."""
        now = self.clock()
        month_ago = now - timedelta(days=30)
        with self.database.session() as session:
            query = select(QrChannel).order_by(QrChannel.id.desc())
            if city:
                query = query.where(QrChannel.city == city)
            channels = {c.scene: ChannelFigures(c.id, c.name, c.scene, c.city, c.url, c.created_at)
                        for c in session.scalars(query)}
            if not channels:
                return []
            scenes = list(channels)
            came = func.coalesce(Follower.subscribed_at, Follower.created_at)
            counts = (select(Follower.source_scene, func.count(),
                             func.sum(case((Follower.subscribed.is_(True), 1), else_=0)),
                             func.sum(case((came <= month_ago, 1), else_=0)),
                             func.sum(case(((came <= month_ago) & Follower.subscribed.is_(True), 1), else_=0)),
                             func.sum(case((Follower.last_message_at >= month_ago, 1), else_=0)))
                      .where(Follower.source_scene.in_(scenes)).group_by(Follower.source_scene))
            for scene, gained, following, old, kept, active in session.execute(counts):
                figures = channels[scene]
                figures.gained, figures.following = int(gained), int(following or 0)
                figures.old_enough, figures.kept_30_days, figures.active_30_days = int(old or 0), int(kept or 0), int(active or 0)
            people = (select(Follower.source_scene.label("scene"), Identity.person_id.label("person_id"))
                      .join(Identity, (Identity.openid == Follower.openid) & (Identity.channel == "official"))
                      .where(Follower.source_scene.in_(scenes)).subquery())
            for attribute, model in (("applications", MembershipApplication), ("tickets", Ticket), ("signups", ActivitySignUp)):
                used = (select(people.c.scene, func.count()).select_from(people)
                        .join(model, model.person_id == people.c.person_id).group_by(people.c.scene))
                for scene, n in session.execute(used):
                    setattr(channels[scene], attribute, int(n))
        return list(channels.values())


def welcome_for(database: Database, scene: str | None) -> str | None:
    """The channel's own welcome for a follower who came through `scene`, or None (the usual welcome)."""
    if not scene:
        return None
    with database.session() as session:
        return session.scalar(select(QrChannel.welcome).where(QrChannel.scene == scene))


def qr_png(url: str, scale: int = 10) -> bytes:
    """The QR code image (PNG) of the URL WeChat gave for a ticket, to print on a poster."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
