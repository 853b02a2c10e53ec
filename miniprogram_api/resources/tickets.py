"""Ticket endpoints: file (with uploaded images), list my own, detail with staff replies."""
from __future__ import annotations

from bot.services.tickets import CITY_KINDS, KINDS, REQUIRED_CHOICES, TicketRejected
from miniprogram_api.auth import current_member
from miniprogram_api.errors import DEFAULTS, ApiError, not_found
from miniprogram_api.resources import uploads
from miniprogram_api.schemas.common import page_of
from miniprogram_api.schemas.tickets import TicketQuery, TicketRequest
from miniprogram_api.services import tickets

CHANNEL = "miniprogram"


def kinds() -> dict:
    """List the kinds of ticket with their names, rules and the closed lists of their details."""
    service = tickets()
    items = []
    for kind in KINDS:
        spec = service.kind_settings(kind)
        # identity is the chat's way to ask for `anonymous`; the API has the flag itself.
        fields = [name for name in spec.get("choices") or {} if name != "identity"]
        items.append({"kind": kind, "name": service.kind_name(kind), "department": service.department_for(kind),
                      "anonymous_allowed": bool(spec.get("anonymous")),
                      "contact_required": spec.get("contact") == "required",
                      "choices": {name: [{"key": c.key, "label": c.label} for c in service.choices(kind, name)]
                                  for name in fields},
                      "required_details": [*REQUIRED_CHOICES.get(kind, ()), *(("city",) if kind in CITY_KINDS else ())]})
    return {"items": items}


def create(body: TicketRequest) -> dict:
    """File a consultation, complaint, report, letter, hardship or legal-aid request."""
    person_id = current_member().person_id
    uploads.require_own(person_id, body.attachments)
    service = tickets()
    try:
        view = service.open(person_id, body.kind, body.text, topic=body.topic, employer=body.employer,
                            contact_phone=body.contact_phone, anonymous=body.anonymous,
                            attachments=[{"upload_id": upload_id} for upload_id in body.attachments],
                            channel=CHANNEL, details=body.details)
    except TicketRejected as exc:
        raise ApiError(422, "validation_failed", DEFAULTS[422][1], exc.fields) from None
    uploads.mark_used(body.attachments)
    return {**view.to_dict(), "message": service.acknowledgement(view, in_chat=False)}


def listing(query: TicketQuery) -> dict:
    """List the member's own tickets."""
    views, total = tickets().list_for(current_member().person_id, kind=query.kind, offset=query.offset,
                                      limit=query.limit)
    return page_of([v.to_dict() for v in views], query, total)


def detail(number: str) -> dict:
    """Show one of the member's tickets with the staff replies; anyone else's number is 404."""
    view = tickets().get(current_member().person_id, number)
    if view is None:
        raise not_found("没有找到这条记录。")
    return view.to_dict()
