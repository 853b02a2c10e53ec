"""Activities: list with filters, detail, sign-ups and the waiting list."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from bot.services.activities.editing import MAX_COMPANIONS
from miniprogram_api.schemas.common import Page, PageQuery, RequestModel, ResponseModel, Timestamp


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
    capacity: int = Field(description="名额（人数，同行人也各占一个）")
    places_left: int = Field(description="剩余名额（人数）")
    waiting_count: int = Field(description="候补人数（含同行人）")
    status: ActivityStatus = Field(description="open 可报名，full 已满，closed 报名已截止，ended 已结束，cancelled 已取消")
    members_only: bool
    waiting_list_open: bool = Field(description="已满但还可以候补")
    mode: Literal["onsite", "online"] = Field("onsite", description="onsite 线下，online 线上（没有地点，报名成功后给参加链接）")
    max_companions: int = Field(0, description="每位报名人最多可带的同行人数（0 表示不能带人）")


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
    companions: int = Field(0, description="同行人数（不含本人）")
    seats: int = Field(1, description="这份报名占的名额：本人加同行人")


class ActivityDetail(ActivitySummary):
    """One activity, with who may join and the member's own sign-up."""

    eligibility: str
    organizer: str
    my_sign_up: SignUp | None = None


class SignUpResult(SignUp):
    """A sign-up just made or changed, with a sentence for the member."""

    message: str


class SignUpRequest(RequestModel):
    """Who comes with the member; an empty body signs up the member alone."""

    companions: int = Field(0, ge=0, le=MAX_COMPANIONS,
                            description="同行人数（不含本人），不超过活动的 max_companions；每人占一个名额")


class CompanionsRequest(RequestModel):
    """The new number of companions of the member's sign-up."""

    companions: int = Field(ge=0, le=MAX_COMPANIONS, description="同行人数（不含本人）")


class MySignUpQuery(PageQuery):
    """include_past adds cancelled sign-ups and past activities."""

    include_past: bool = False


class SignUpPage(Page):
    """The member's sign-ups, soonest activity first."""

    items: list[SignUp]
