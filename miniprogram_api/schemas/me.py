"""The member's own profile."""
from __future__ import annotations

from pydantic import Field

from miniprogram_api.schemas.common import ResponseModel
from miniprogram_api.schemas.membership import Application, MemberCard


class Me(ResponseModel):
    """Who the member is to us: verified phone, linked service account, membership status."""

    phone: str | None = Field(None, description="打码后的已验证手机号")
    phone_verified: bool
    official_account_linked: bool = Field(description="是否已和公众号里的同一个人关联")
    is_member: bool
    city: str | None = None
    membership: MemberCard | None = Field(None, description="会员卡；不是会员时为 null")
    application: Application | None = Field(None, description="在审的入会申请，没有则为最近一份；从未申请为 null")
