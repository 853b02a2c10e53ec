"""Push audiences of members: who to reach by city or industry."""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import select

from bot.storage.models import Identity, Member


def member_openids(database, city: str | None = None, industry: str | None = None) -> Iterator[str]:
    """Stream the service-account openids of active members, optionally of a city (杭州市) or industry, as stored.

    MembershipService.member_openids turns what an editor typed (杭州, 快递) into the stored names first.
    """
    query = (select(Identity.openid)
             .join(Member, Member.person_id == Identity.person_id)
             .where(Member.status == "active", Identity.channel == "official"))
    if city:
        query = query.where(Member.city == city)
    if industry:
        query = query.where(Member.industry == industry)
    with database.engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=5000).execute(
            query.order_by(Identity.openid))
        for row in result:
            yield row[0]
