"""Shared shapes: pagination, timestamps in China time, the base models requests and responses use."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
MAX_OFFSET = 100_000
MAX_LIMIT = 50


def _in_china_time(moment: datetime) -> datetime:
    # The database keeps naive UTC; members read China time, with the offset spelled out.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHANGHAI)


Timestamp = Annotated[datetime, AfterValidator(_in_china_time)]


class RequestModel(BaseModel):
    """A request body: unknown fields are refused, JSON types are taken as they are."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class QueryModel(BaseModel):
    """Query-string parameters: text converted to the declared types, unknown ones ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    """A response body, validated before it leaves so it always matches the document."""

    model_config = ConfigDict(from_attributes=True)


class PageQuery(QueryModel):
    """offset and limit of a list."""

    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过前面多少条")
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="每页多少条，最多 50")


class Page(ResponseModel):
    """One page of a list: the items, how many there are in all, and where this page starts."""

    total: int = Field(ge=0, description="符合条件的总条数")
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)


def page_of(items: list, query: PageQuery, total: int | None = None) -> dict:
    """Return the page fields for items already cut to the page (or cut them when total is None)."""
    if total is None:
        total = len(items)
        items = items[query.offset:query.offset + query.limit]
    return {"items": items, "total": total, "offset": query.offset, "limit": query.limit}
