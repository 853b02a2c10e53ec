"""Tickets: consultations, complaints, reports, letters to the chairman, hardship aid, legal aid, call-backs.

One resource with a `kind`, because they share one life (filed, answered by staff, closed) and
one service; the kind decides the handling department, the deadline and whether it may be anonymous.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from miniprogram_api.schemas.common import Page, PageQuery, RequestModel, ResponseModel, Timestamp

TicketKind = Literal["consultation", "complaint", "report", "mailbox", "hardship", "legal_aid", "callback"]
KIND_HELP = ("consultation 法律咨询，complaint 维权投诉，report 举报，mailbox 主席信箱，"
             "hardship 困难帮扶，legal_aid 法律援助，callback 回电预约")
UploadId = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-f0-9]+$")]
DetailKey = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]


class TicketRequest(RequestModel):
    """A new ticket. Images are uploaded first (POST /uploads) and listed here by id."""

    kind: TicketKind = Field(description=KIND_HELP)
    text: str = Field(min_length=1, max_length=2000, description="具体情况")
    topic: str | None = Field(None, max_length=32, description="法律问题类别，例如 wage_arrears；不填则自动判断")
    employer: str | None = Field(None, max_length=100, description="涉及的单位")
    contact_phone: str | None = Field(None, max_length=20, description="联系电话；不填则用已验证的手机号")
    anonymous: bool = Field(False, description="匿名提交（只有举报和主席信箱可以）")
    attachments: list[UploadId] = Field(default_factory=list, max_length=9, description="上传图片得到的附件编号")
    details: dict[DetailKey, Annotated[str, StringConstraints(max_length=500)]] = Field(
        default_factory=dict, max_length=20, description="这一类诉求的补充信息，例如 subject、amount")


class TicketQuery(PageQuery):
    """Filter the member's tickets by kind."""

    kind: TicketKind | None = Field(None, description=KIND_HELP)


class Reply(ResponseModel):
    """A staff reply."""

    at: Timestamp
    text: str


class Attachment(ResponseModel):
    """An attached image (its upload id, for GET /uploads/{upload_id})."""

    upload_id: str | None = None
    media_id: str | None = None
    url: str | None = None
    name: str | None = None


class TicketSummary(ResponseModel):
    """A ticket in the member's list."""

    number: str = Field(description="查询编号，例如 ZX20261127-001")
    kind: TicketKind
    kind_name: str
    status: Literal["open", "answered", "closed"]
    status_name: str
    topic: str | None
    topic_name: str | None
    department: str
    due_at: Timestamp = Field(description="承诺答复的期限")
    created_at: Timestamp


class TicketDetail(TicketSummary):
    """One of the member's tickets with what they wrote and the staff replies."""

    text: str
    employer: str | None
    contact_phone: str = Field(description="打码后的联系电话")
    anonymous: bool
    details: dict[str, str | int | float | bool | None]
    channel: str
    answered_at: Timestamp | None
    closed_at: Timestamp | None
    replies: list[Reply]
    attachments: list[Attachment]


class TicketCreated(TicketDetail):
    """The ticket just filed, with the acknowledgement the member reads."""

    message: str


class TicketPage(Page):
    """The member's tickets, newest first."""

    items: list[TicketSummary]


class TicketChoice(ResponseModel):
    """One entry of a closed list: send its key in `details`."""

    key: str = Field(description="写入 details 的值")
    label: str = Field(description="显示给职工的名称")


class TicketKindInfo(ResponseModel):
    """What a kind is called, who handles it, whether it may be anonymous, and the lists its details pick from."""

    kind: TicketKind
    name: str
    department: str
    anonymous_allowed: bool
    contact_required: bool
    choices: dict[str, list[TicketChoice]] = Field(
        default_factory=dict, description="details 中只能从列表里选的项，例如 aid_type；键为 details 的字段名")
    required_details: list[str] = Field(default_factory=list, description="必须填写的 details 字段，例如 city")


class TicketKinds(ResponseModel):
    """Every kind of ticket the member can file."""

    items: list[TicketKindInfo]
