"""Sign-in endpoints: login with a wx.login code, refresh, logout, verified phone number."""
from __future__ import annotations

from bot.security import mask_phone
from miniprogram_api.auth import TokenPair, current_member
from miniprogram_api.dispatch import sessions
from miniprogram_api.services import people
from miniprogram_api.schemas.auth import LoginRequest, PhoneRequest, RefreshRequest


def _tokens(pair: TokenPair) -> dict:
    return {"access_token": pair.access_token, "expires_in": pair.expires_in,
            "refresh_token": pair.refresh_token, "refresh_expires_in": pair.refresh_expires_in}


def login(body: LoginRequest) -> dict:
    """Sign in with the code from wx.login."""
    return _tokens(sessions().login(body.code))


def refresh(body: RefreshRequest) -> dict:
    """Exchange a refresh token for a new pair (the old refresh token stops working)."""
    return _tokens(sessions().refresh(body.refresh_token))


def logout() -> None:
    """End this sign-in."""
    sessions().logout(current_member())


def link_phone(body: PhoneRequest) -> dict:
    """Verify the member's phone number with a getPhoneNumber code and link their records."""
    member = current_member()
    merged = sessions().link_phone(member, body.code)
    person_id = merged.person_id if merged else member.person_id
    phone = people().phone(person_id)
    message = "手机号已验证。" if merged is None else "手机号已验证，已和您在公众号里的记录合并。"
    return {"phone": mask_phone(phone), "message": message, "tokens": _tokens(merged) if merged else None}
