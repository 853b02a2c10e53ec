"""The member's personal data: what is held (masked) and the request to erase it."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from miniprogram_api.schemas.common import RequestModel, ResponseModel, Timestamp


class HeldTicket(ResponseModel):
    """One of the member's tickets, with the consent they gave for it."""

    number: str
    kind: str
    kind_name: str
    status: str
    created_at: Timestamp
    employer: str | None = None
    contact_phone: str | None = Field(None, description="打码后的联系电话")
    consent_at: Timestamp | None = Field(None, description="同意个人信息收集说明的时间")
    consent_version: str | None = Field(None, description="同意的说明的版本")


class HeldSignUp(ResponseModel):
    """One activity sign-up."""

    activity: str
    status: str
    created_at: Timestamp
    attended_at: Timestamp | None = None  # checked in at the door
    satisfaction: int | None = Field(None, description="参加后对活动的评价：5 满意、4 基本满意、1 不满意")
    satisfaction_comment: str | None = Field(None, description="评价时补充的一句话")


class HeldConsent(ResponseModel):
    """A subscribe-message consent."""

    template_id: str
    status: str
    updated_at: Timestamp


class Retention(ResponseModel):
    """How long personal data is kept."""

    message_text_days: int
    closed_ticket_days: int
    abandoned_form_hours: int


class HeldData(ResponseModel):
    """Everything the service holds about the member, every number masked (我的信息)."""

    channels: list[str] = Field(description="official（公众号）、miniprogram（小程序）")
    phone: str | None = Field(None, description="打码后的已验证手机号")
    application: dict[str, Any] | None = Field(None, description="入会申请（打码），含同意时间 consent_at 和说明版本 consent_version")
    member: dict[str, Any] | None = Field(None, description="会员信息（姓名打码）")
    tickets: list[HeldTicket]
    sign_ups: list[HeldSignUp]
    subscribe_consents: list[HeldConsent]
    messages: int = Field(description="保存的聊天消息条数")
    retention: Retention


class EraseRequest(RequestModel):
    """The member's confirmation that everything is to be erased."""

    confirm: Literal[True] = Field(description="必须为 true：删除后无法恢复，会员身份也随之注销")
