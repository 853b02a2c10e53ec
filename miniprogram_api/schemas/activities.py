"""Activities: list with filters, detail, sign-ups and the waiting list."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from miniprogram_api.schemas.common import Page, PageQuery, ResponseModel, Timestamp


class ActivityQuery(PageQuery):
    """Filters of the activity list (dates are China-time calendar days, date_to included)."""

    city: str | None = Field(None, max_length=16, description="城市，例如 杭州")
    date_from: date | None = Field(None, description="从哪天起，例如 2026-12-01")
    date_to: date | None = Field(None, description="到哪天为止（含当天）")
    has_places: bool | None = Field(None, description="true 只看还能报名的，false 只看报不上的")
    keyword: str | None = Field(None, max_length=50, description="标题或简介里的词")


ActivityStatus = Literal["open", "full", "closed", "ended", "cancelled"]


class ActivitySummary(ResponseModel):
    """An activity in the list."""

    id: int
    title: str
    summary: str
    city: str
    place: str
    starts_at: Timestamp
    ends_at: Timestamp | None
    signup_deadline: Timestamp
    capacity: int
    places_left: int
    waiting_count: int
    status: ActivityStatus = Field(description="open 可报名，full 已满，closed 报名已截止，ended 已结束，cancelled 已取消")
    members_only: bool
    waiting_list_open: bool = Field(description="已满但还可以候补")
    mode: Literal["onsite", "online"] = Field("onsite", description="onsite 线下，online 线上（没有地点，报名成功后给参加链接）")


class ActivityPage(Page):
    """Upcoming activities, soonest first."""

    items: list[ActivitySummary]


SignUpStatus = Literal["confirmed", "waiting", "cancelled"]


class SignUp(ResponseModel):
    """The member's sign-up for one activity."""

    activity_id: int
    activity_title: str
    status: SignUpStatus = Field(description="confirmed 已报名，waiting 候补中，cancelled 已取消")
    position: int | None = Field(None, description="候补排第几位（1 表示下一个）")
    created_at: Timestamp
    starts_at: Timestamp | None = None
    city: str = ""
    place: str = ""
    activity_status: str = ""
    promoted: bool = Field(False, description="是否由候补转为正式报名")
    mode: Literal["onsite", "online"] = Field("onsite", description="onsite 线下，online 线上")
    join_url: str | None = Field(None, description="线上活动的参加链接，只在报名成功（confirmed）后给出")


class ActivityDetail(ActivitySummary):
    """One activity, with who may join and the member's own sign-up."""

    eligibility: str
    organizer: str
    my_sign_up: SignUp | None = None


class SignUpResult(SignUp):
    """A sign-up just made or changed, with a sentence for the member."""

    message: str


class MySignUpQuery(PageQuery):
    """include_past adds cancelled sign-ups and past activities."""

    include_past: bool = False


class SignUpPage(Page):
    """The member's sign-ups, soonest activity first."""

    items: list[SignUp]
