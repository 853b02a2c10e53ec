"""Benefits endpoints: the catalogue as it applies to this member."""
from __future__ import annotations

from miniprogram_api.auth import current_member
from miniprogram_api.errors import not_found
from miniprogram_api.resources.me import standing
from miniprogram_api.schemas.benefits import BenefitQuery
from miniprogram_api.schemas.common import page_of
from miniprogram_api.services import benefits, places


def _summary(item) -> dict:
    return {"id": item.id, "name": item.name, "category": item.category, "summary": item.summary,
            "members_only": item.members_only, "cities": list(item.cities)}


def categories() -> dict:
    """List the benefit categories."""
    return {"items": benefits().categories()}


def catalogue(query: BenefitQuery) -> dict:
    """List the benefits that apply to the member: their status, their city (or the one asked for)."""
    is_member, own_city = standing(current_member().person_id)
    city = places().short_name(query.city) if query.city else own_city
    items = benefits().for_person(is_member, city)
    if query.category:
        items = [b for b in items if b.category == query.category]
    return {"is_member": is_member, "city": city, **page_of([_summary(b) for b in items], query)}


def detail(benefit_id: str) -> dict:
    """Show one benefit, phrased for a member or a non-member."""
    catalogue_ = benefits()
    item = catalogue_.get(benefit_id)
    if item is None:
        raise not_found("没有找到这项福利。")
    is_member, city = standing(current_member().person_id)
    available = any(b.id == item.id for b in catalogue_.for_person(is_member, city))  # the catalogue's own rule
    shown = is_member or not item.members_only  # members-only details stay with members
    return {**_summary(item), "available_to_you": available,
            "eligibility": item.eligibility if shown else None, "how_to": item.how_to if shown else None,
            "where": (item.where or None) if shown else None, "contact": (item.contact or None) if shown else None,
            "text": catalogue_.describe(item, is_member)}
