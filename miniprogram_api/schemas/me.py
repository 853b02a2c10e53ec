"""The member's own profile."""
from __future__ import annotations

from typing import Any

from pydantic import Field

from miniprogram_api.schemas.common import ResponseModel


class Me(ResponseModel):
    """Who the member is to us: verified phone, linked service account, membership status."""

    phone: str | None = Field(None, description="打码后的已验证手机号")
    phone_verified: bool
    official_account_linked: bool = Field(description="是否已和公众号里的同一个人关联")
    is_member: bool
    city: str | None = None
    membership: dict[str, Any] | None = Field(None, description="会员卡，见 /membership/card")
    application: dict[str, Any] | None = Field(None, description="最近一次入会申请，见 /membership/application")
