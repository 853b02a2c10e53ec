"""Sign-in: wx.login code, refresh, phone number."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from miniprogram_api.schemas.common import RequestModel, ResponseModel


class LoginRequest(RequestModel):
    """The code from wx.login."""

    code: str = Field(min_length=1, max_length=128, description="wx.login 返回的 code，只能用一次")


class RefreshRequest(RequestModel):
    """The refresh token of the last login or refresh."""

    refresh_token: str = Field(min_length=1, max_length=256)


class PhoneRequest(RequestModel):
    """The code from the getPhoneNumber button (the current API that takes a code)."""

    code: str = Field(min_length=1, max_length=128, description="手机号快速验证组件返回的 code")


class Tokens(ResponseModel):
    """Our own tokens. Send the access token as `Authorization: Bearer <token>`; refresh before it expires."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="访问令牌的有效秒数")
    refresh_token: str = Field(description="只能用一次：每次刷新都会换一个新的")
    refresh_expires_in: int = Field(description="刷新令牌的有效秒数")


class PhoneLinked(ResponseModel):
    """The verified phone, masked; new tokens when this sign-in now belongs to an earlier record of the same person."""

    phone: str = Field(description="打码后的手机号，例如 138****5678")
    message: str
    tokens: Tokens | None = Field(None, description="账号合并后请改用这组令牌")
