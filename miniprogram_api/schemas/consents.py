"""Subscribe-message consent: what the member agreed to receive (wx.requestSubscribeMessage)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from miniprogram_api.schemas.common import RequestModel, ResponseModel, Timestamp

TemplateId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")]


class ConsentRequest(RequestModel):
    """The result object of wx.requestSubscribeMessage: template id -> accept, reject, ban or filter."""

    results: dict[TemplateId, Literal["accept", "reject", "ban", "filter"]] = Field(
        min_length=1, max_length=20, description="wx.requestSubscribeMessage 的 success 回调结果（去掉 errMsg）")
    scene: str | None = Field(None, max_length=64, description="在小程序哪个页面问的，例如 activity_detail")


class Consent(ResponseModel):
    """How many messages of one template the member may still receive."""

    template_id: str
    status: Literal["accept", "reject"]
    remaining: int = Field(ge=0, description="还能发送几条（每同意一次可发一条）")
    updated_at: Timestamp


class ConsentList(ResponseModel):
    """The member's consents."""

    items: list[Consent]
