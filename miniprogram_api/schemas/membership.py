"""Joining the union: the form, applications and their history, the member card."""
from __future__ import annotations

from pydantic import Field

from miniprogram_api.schemas.common import RequestModel, ResponseModel, Timestamp


class ApplicationRequest(RequestModel):
    """The join form: the same fields, checks, consent and duplicate rule as the chat form."""

    name: str = Field(max_length=30, description="姓名")
    phone: str = Field(max_length=20, description="手机号")
    id_number: str = Field(max_length=20, description="身份证号")
    employer: str = Field("", max_length=100, description="工作单位；没有固定单位的留空并把 no_fixed_employer 设为 true")
    no_fixed_employer: bool = Field(False, description="没有固定单位（新就业形态劳动者等）")
    city: str = Field(max_length=16, description="所在城市，例如 杭州市")
    district: str = Field(max_length=16, description="所在区、县（市），例如 西湖区")
    industry: str = Field(max_length=30, description="行业，见 /membership/form 的 industries")
    occupation: str = Field(max_length=30, description="职业或岗位，例如 外卖骑手")
    consent: bool = Field(description="已阅读并同意个人信息收集说明（见 /membership/form 的 consent_notice）")


class ResubmitRequest(RequestModel):
    """Fields to change in an application that staff sent back for more information (others stay)."""

    name: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=20)
    id_number: str | None = Field(None, max_length=20)
    employer: str | None = Field(None, max_length=100)
    no_fixed_employer: bool | None = None
    city: str | None = Field(None, max_length=16)
    district: str | None = Field(None, max_length=16)
    industry: str | None = Field(None, max_length=30)
    occupation: str | None = Field(None, max_length=30)


class Application(ResponseModel):
    """An application as its owner sees it: personal numbers masked."""

    application_no: str = Field(description="申请编号，例如 RH20261127-00001")
    status: str = Field(description="submitted 审核中，need_info 需要补充信息，approved 已通过，rejected 未通过，withdrawn 已撤回")
    status_label: str
    name: str = Field(description="打码后的姓名")
    phone: str = Field(description="打码后的手机号")
    id_number: str = Field(description="打码后的身份证号")
    employer: str
    no_fixed_employer: bool
    city: str
    district: str
    industry: str
    occupation: str
    channel: str
    reason: str | None = Field(None, description="未通过或需要补充信息的原因")
    member_no: str | None = None
    created_at: Timestamp
    updated_at: Timestamp
    decided_at: Timestamp | None = None


class ApplicationCreated(Application):
    """The application just submitted, with what happens next."""

    message: str


class StatusChange(ResponseModel):
    """One step of an application's history."""

    from_status: str | None
    to_status: str
    status_label: str
    reason: str | None
    created_at: Timestamp


class ApplicationHistory(ResponseModel):
    """The steps of an application, oldest first."""

    application_no: str
    items: list[StatusChange]


class MemberCard(ResponseModel):
    """The member card, shown to the member themself."""

    member_no: str
    name: str
    city: str
    district: str
    employer: str
    no_fixed_employer: bool
    industry: str
    occupation: str
    joined_at: Timestamp
    perks: str


class JoinForm(ResponseModel):
    """What the join form needs: the introduction, the consent notice, the cities and industries."""

    intro: str
    consent_notice: str
    consent_version: str
    cities: dict[str, list[str]] = Field(description="城市 -> 区、县（市）")
    industries: list[str]
    occupation_examples: list[str]
