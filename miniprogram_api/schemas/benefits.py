"""Benefits catalogue, filtered for the member's city and status."""
from __future__ import annotations

from pydantic import Field

from miniprogram_api.schemas.common import Page, PageQuery, ResponseModel


class BenefitQuery(PageQuery):
    """Filters: the city (else the member's own), a category."""

    city: str | None = Field(None, max_length=16, description="城市，例如 杭州；不填则按会员档案里的城市")
    category: str | None = Field(None, max_length=32)


class BenefitSummary(ResponseModel):
    """A benefit in the list."""

    id: str
    name: str
    category: str
    summary: str
    members_only: bool
    cities: list[str] = Field(description="适用城市；空表示浙江全省")


class BenefitPage(Page):
    """Benefits that apply to the member, and for whom the list was filtered."""

    is_member: bool
    city: str | None
    items: list[BenefitSummary]


class BenefitCategories(ResponseModel):
    """The category names, in menu order."""

    items: list[str]


class BenefitDetail(BenefitSummary):
    """One benefit, with how to get it (members-only details are shown to members)."""

    eligibility: str | None = None
    how_to: str | None = None
    where: str | None = None
    contact: str | None = None
    available_to_you: bool
    text: str = Field(description="会员看到的说明文字，按是否会员措辞")
