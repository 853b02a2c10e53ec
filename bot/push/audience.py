"""Who a campaign reaches: parse an audience, count it, and stream its openids in batches.

Audiences can be millions of followers, so openids are streamed from a server-side cursor
and never held in memory all at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import func, select

from bot.push.audience_lists import AudienceLists, count_list, list_followers_query
from bot.services.activities import participant_openids
from bot.services.places import Regions
from bot.storage.models import AudienceListMember, Follower
from bot.storage.models.base import utcnow

KINDS = ("all", "tag", "city", "industry", "activity", "scene", "list")
STREAM_CHUNK = 5000


class AudienceError(ValueError):
    """The audience cannot be used; the message says why, in Chinese, for the editor."""


@dataclass(frozen=True)
class Audience:
    """A parsed audience: kind (all, tag, city, industry, activity, scene) and its value."""

    kind: str
    value: str = ""

    def __str__(self) -> str:
        return self.kind if self.kind == "all" else f"{self.kind}:{self.value}"

    def describe(self) -> str:
        """The audience in words for editors."""
        return {
            "all": "全部关注者",
            "tag": f"标签「{self.value}」的关注者",
            "city": f"{self.value}的会员",
            "industry": f"{self.value}行业的会员",
            "activity": f"报名活动 {self.value} 的人",
            "scene": f"通过二维码场景「{self.value}」关注的人",
            "list": f"上传的名单 {self.value} 中仍关注的人",
        }[self.kind]


def parse(spec: str, places: Regions) -> Audience:
    """Parse 'all', 'tag:NAME', 'city:NAME', 'industry:NAME', 'activity:ID', 'scene:NAME' or 'list:ID'; cities from places."""
    spec = (spec or "").strip()
    kind, _, value = spec.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind not in KINDS:
        raise AudienceError(f"无法识别的受众「{spec}」：可用 all、tag:标签名、city:城市、industry:行业、activity:活动ID、scene:场景、list:名单编号")
    if kind == "all":
        if value:
            raise AudienceError("受众 all 不带参数")
        return Audience("all")
    if not value:
        raise AudienceError(f"受众 {kind} 需要一个值，例如 {kind}:杭州")
    if kind == "activity" and not value.isdigit():
        raise AudienceError(f"活动 ID 应为数字：{value}")
    if kind == "list" and not value.isdigit():
        raise AudienceError(f"名单编号应为数字：{value}")
    if kind == "city" and places.city(value) is None:  # a typo would otherwise schedule a campaign that reaches no one
        raise AudienceError(f"「{value}」不是浙江省的地级市，可选：{'、'.join(places.short_names())}")
    return Audience(kind, value)


def followers_query(audience: Audience):
    """The SELECT of the audience's openids when it lives in our followers table, else None."""
    if audience.kind not in ("all", "scene"):
        return None
    query = select(Follower.openid).where(Follower.subscribed.is_(True))
    if audience.kind == "scene":
        query = query.where(Follower.source_scene == audience.value)
    return query


def openids(runtime, audience: Audience) -> Iterator[str]:
    """Stream the service-account openids of an audience (tags are resolved by WeChat, not here)."""
    database = runtime.database
    if audience.kind in ("all", "scene"):
        yield from _stream(database, followers_query(audience).order_by(Follower.openid))
    elif audience.kind in ("city", "industry"):
        yield from runtime.membership.member_openids(**{audience.kind: audience.value})
    elif audience.kind == "activity":
        yield from participant_openids(database, int(audience.value))
    elif audience.kind == "list":
        _require_list(database, audience)
        yield from _stream(database, list_followers_query(int(audience.value)).order_by(AudienceListMember.openid))
    elif audience.kind == "tag":
        raise AudienceError("按标签发送只能用群发（mass）渠道：由微信按标签分发")
    else:  # pragma: no cover - parse() refuses other kinds
        raise AudienceError(str(audience))


def _stream(database, query) -> Iterator[str]:
    # A server-side cursor on PostgreSQL; rows arrive STREAM_CHUNK at a time.
    with database.engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=STREAM_CHUNK).execute(query)
        for row in result:
            yield row[0]


def count(runtime, audience: Audience) -> int:
    """How many the audience reaches now (for tags, WeChat's own count of the tag)."""
    if audience.kind in ("all", "scene"):
        query = select(func.count()).select_from(Follower).where(Follower.subscribed.is_(True))
        if audience.kind == "scene":
            query = query.where(Follower.source_scene == audience.value)
        with runtime.database.session() as session:
            return int(session.scalar(query) or 0)
    if audience.kind == "tag":
        tag = find_tag(runtime, audience.value)
        return int(tag.get("count", 0))
    if audience.kind == "list":
        _require_list(runtime.database, audience)
        return count_list(runtime.database, int(audience.value))
    return sum(1 for _ in openids(runtime, audience))


def _require_list(database, audience: Audience) -> None:
    if AudienceLists(database, utcnow).get(int(audience.value)) is None:
        raise AudienceError(f"没有编号为 {audience.value} 的名单")


def find_tag(runtime, name: str) -> dict:
    """Return WeChat's tag {'id', 'name', 'count'} by name; raise AudienceError if there is none."""
    for tag in runtime.wechat.list_tags():
        if tag.get("name") == name:
            return tag
    raise AudienceError(f"公众号没有名为「{name}」的标签")
