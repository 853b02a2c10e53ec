"""Lists of openids editors paste or upload as a push audience (`list:ID`), e.g. the workers of one factory.

A list is bounded and checked before it is stored: each line (or comma/space-separated item) must look
like an openid, duplicates count once, and only the account's current followers are kept, since WeChat
refuses to send to anyone else. WeChat's mass send by openid list takes 2 to 10,000 openids per call,
so a list keeps at least 2 and at most 10,000 followers. Members of a list are personal data: erasure
removes a person's openids from every list (bot/services/personal_data.py).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.storage.db import Database
from bot.storage.models import AudienceList, AudienceListMember, Follower

LIST_MIN, LIST_MAX = 2, 10000  # WeChat's bounds of a mass send by openid list
RAW_MAX_BYTES = 1024 * 1024  # a pasted or uploaded list: 10,000 openids take about 300 KB
OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
SEPARATORS = re.compile(r"[\s,;，；]+")
NAME_MAX = 100


class ListRefused(ValueError):
    """A list that cannot be stored: `reason` names the content key that says why; `values` fill it."""

    def __init__(self, reason: str, **values):
        super().__init__(reason)
        self.reason = reason
        self.values = values


@dataclass(frozen=True)
class StoredList:
    """A stored list and what was left out of what the editor gave."""

    id: int
    name: str
    size: int
    malformed: int
    duplicates: int
    not_followers: int


def read_openids(raw: str | bytes) -> tuple[list[str], int, int]:
    """The openids of a pasted or uploaded text in order, with the count of malformed items and of duplicates."""
    if isinstance(raw, bytes):
        if len(raw) > RAW_MAX_BYTES:
            raise ListRefused("audience_list_too_big", most=LIST_MAX)
        raw = raw.decode("utf-8-sig", errors="replace")
    if len(raw) > RAW_MAX_BYTES:
        raise ListRefused("audience_list_too_big", most=LIST_MAX)
    seen: dict[str, None] = {}
    malformed = duplicates = 0
    for item in SEPARATORS.split(raw):
        item = item.strip().strip('"\'')
        if not item or item.lower() == "openid":  # a CSV's header line
            continue
        if not OPENID.match(item):
            malformed += 1
        elif item in seen:
            duplicates += 1
        else:
            seen[item] = None
    return list(seen), malformed, duplicates


class AudienceLists:
    """Store, read and stream openid lists (built with the database and the clock)."""

    def __init__(self, database: Database, clock: Callable[[], datetime]):
        self.database = database
        self.clock = clock

    def store(self, name: str, raw: str | bytes, created_by: str | None = None) -> StoredList:
        """Check and store a list; raises ListRefused (too few, too many, nothing readable)."""
        name = (name or "").strip()[:NAME_MAX]
        openids, malformed, duplicates = read_openids(raw)
        if len(openids) > LIST_MAX:
            raise ListRefused("audience_list_too_big", most=LIST_MAX)
        followers: set[str] = set()
        with self.database.session() as session:
            for start in range(0, len(openids), 1000):
                chunk = openids[start:start + 1000]
                followers.update(session.scalars(select(Follower.openid).where(
                    Follower.openid.in_(chunk), Follower.subscribed.is_(True))))
        kept = [openid for openid in openids if openid in followers]
        if len(kept) < LIST_MIN:
            raise ListRefused("audience_list_too_small", least=LIST_MIN, kept=len(kept),
                              not_followers=len(openids) - len(kept), malformed=malformed)
        with self.database.session() as session:
            stored = AudienceList(name=name or f"{self.clock():%Y-%m-%d %H:%M}", size=len(kept),
                                  created_by=created_by, created_at=self.clock())
            session.add(stored)
            session.flush()
            session.execute(AudienceListMember.__table__.insert(),
                            [{"list_id": stored.id, "openid": openid} for openid in kept])
            return StoredList(stored.id, stored.name, len(kept), malformed, duplicates, len(openids) - len(kept))

    def get(self, list_id: int) -> AudienceList | None:
        """One list (without its members), or None."""
        with self.database.session() as session:
            found = session.get(AudienceList, list_id)
            if found is not None:
                session.expunge(found)
            return found


def list_followers_query(list_id: int):
    """The SELECT of a list's openids that still follow the account (unfollowers are left out at send time)."""
    return (select(AudienceListMember.openid)
            .join(Follower, Follower.openid == AudienceListMember.openid)
            .where(AudienceListMember.list_id == list_id, Follower.subscribed.is_(True)))


def count_list(database: Database, list_id: int) -> int:
    """How many of a list still follow the account."""
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(list_followers_query(list_id).subquery())) or 0)
