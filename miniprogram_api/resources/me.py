"""The member's profile and standing (member or not, city), used by other resources too."""
from __future__ import annotations

from bot.security import mask_phone
from bot.services.people import OFFICIAL
from miniprogram_api.auth import current_member
from miniprogram_api.services import membership, people, places


def standing(person_id: int) -> tuple[bool, str | None]:
    """Return (is a member, their city) from the membership service."""
    service = membership()
    if not service.is_member(person_id):
        return False, None
    return True, places().short_name(service.member_city(person_id))


def me() -> dict:
    """Show the member's profile and membership status."""
    person_id = current_member().person_id
    phone = people().phone(person_id)
    service = membership()
    card = service.membership(person_id)
    application = service.current_application(person_id)
    return {"phone": mask_phone(phone) or None, "phone_verified": phone is not None,
            "official_account_linked": people().openid(person_id, OFFICIAL) is not None,
            "is_member": card is not None, "city": places().short_name(card.city) if card else None,
            "membership": card.to_dict() if card else None,
            "application": application.to_dict() if application else None}
