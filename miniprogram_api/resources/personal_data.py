"""The member's own personal data: see it (masked) and erase it, through the one PersonalData service."""
from __future__ import annotations

from flask import request

from bot.services.actor import Actor
from miniprogram_api.auth import current_member
from miniprogram_api.dispatch import sessions
from miniprogram_api.schemas.personal_data import EraseRequest
from miniprogram_api.services import runtime


def held() -> dict:
    """Show what is held about the member, masked, with consent times and notice versions."""
    return runtime().personal_data.held(current_member().person_id).to_dict()


def erase(body: EraseRequest) -> None:
    """Erase everything held about the member (their own data only: the person comes from the token)."""
    member = current_member()
    runtime().personal_data.erase(member.person_id, actor=Actor("worker:miniprogram", ip=request.remote_addr))
    sessions().logout(member)  # this very token stops working now, not when it expires
