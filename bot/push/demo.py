"""Demo followers for the embedded default, so a newcomer's first campaign reaches someone."""
from __future__ import annotations

from bot.storage.models import Follower

DEMO_FOLLOWERS = ["o_demo_member"] + [f"o_demo_follower_{i:02d}" for i in range(1, 6)]


def load_demo_followers(runtime) -> str:
    """Add a few followers (the demo member among them), once; campaigns to 'all' reach them."""
    now = runtime.clock()
    added = 0
    with runtime.database.session() as session:
        for openid in DEMO_FOLLOWERS:
            if session.get(Follower, openid) is None:
                session.add(Follower(openid=openid, subscribed=True, subscribed_at=now, created_at=now,
                                     source_scene="demo"))
                added += 1
    return f"{added} demo followers added" if added else "demo followers already there"
