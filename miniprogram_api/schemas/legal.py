"""Legal FAQ: topics, search, entries."""
from __future__ import annotations

from pydantic import Field

from miniprogram_api.schemas.common import Page, PageQuery, ResponseModel


class LegalTopic(ResponseModel):
    """A topic of the FAQ (欠薪, 工伤 ...)."""

    id: str
    title: str
    count: int = Field(ge=0, description="这个主题下有多少条问答")


class LegalTopicList(ResponseModel):
    """Every topic, in menu order."""

    items: list[LegalTopic]


class LegalEntrySummary(ResponseModel):
    """A question in a list."""

    id: str
    topic: str
    question: str


class LegalTopicPage(Page):
    """A topic page: its title and its questions."""

    id: str
    title: str
    items: list[LegalEntrySummary]


class LegalSearchQuery(PageQuery):
    """What the member typed, and optionally the topic they are browsing."""

    q: str = Field(min_length=1, max_length=200, description="要搜索的问题，例如：公司拖欠工资怎么办")
    topic: str | None = Field(None, max_length=64, description="优先这个主题下的问答")


class LegalSearchHit(LegalEntrySummary):
    """A search result with its relevance."""

    score: float


class LegalSearchPage(Page):
    """Search results, best first."""

    items: list[LegalSearchHit]


class LegalEntry(ResponseModel):
    """One question with its answer, its legal basis and the disclaimer."""

    id: str
    topic: str
    topic_title: str
    question: str
    answer: str
    citations: list[str]
    disclaimer: str
    text: str = Field(description="会员看到的完整回答：答案、法律依据、免责声明和 12351 热线")
    related: list[LegalEntrySummary]


class LegalAid(ResponseModel):
    """Union legal aid: who qualifies, what to bring, how it works."""

    title: str
    who_qualifies: list[str]
    what_to_bring: list[str]
    how_it_works: list[str]
    note: str | None = None
    text: str
