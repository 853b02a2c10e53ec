"""Membership endpoints: the join form, apply, my application and its history, the member card."""
from __future__ import annotations

from bot.services.membership import (ApplicationNotFound, ConsentRequired, DuplicateApplication, InvalidDecision,
                                     ValidationFailed)
from bot.messages import outside_chat
from miniprogram_api.auth import current_member
from miniprogram_api.errors import DEFAULTS, ApiError, not_found
from miniprogram_api.schemas.membership import ApplicationRequest, ResubmitRequest
from miniprogram_api.services import membership

CHANNEL = "miniprogram"
NO_APPLICATION = "没有找到这份入会申请。"


def form() -> dict:
    """Give the mini-program what the join form shows: intro, consent notice, cities, industries."""
    content = membership().content
    return {"intro": content.text("intro"), "consent_notice": content.text("consent_notice"),
            "consent_version": str(content.data.get("consent_version")),
            "cities": {city.name: list(city.districts) for city in content.regions.cities},
            "industries": [name for name, _aliases in content.industries],
            "occupation_examples": [str(x) for x in content.data.get("occupation_examples") or []]}


def _refused(exc: Exception) -> ApiError:
    if isinstance(exc, ValidationFailed):
        # The chat's hints say 回复 (reply); in the mini-program the member fills in a field.
        return ApiError(422, "validation_failed", DEFAULTS[422][1],
                        {name: hint.replace("回复", "填写") for name, hint in exc.fields.items()})
    if isinstance(exc, ConsentRequired):
        return ApiError(422, "consent_required", str(exc), {"consent": str(exc)})
    if isinstance(exc, DuplicateApplication):
        return ApiError(409, "duplicate_application", outside_chat(exc.message))
    if isinstance(exc, InvalidDecision):
        return ApiError(409, "application_state", str(exc))
    if isinstance(exc, ApplicationNotFound):
        return not_found(NO_APPLICATION)
    raise exc


def apply(body: ApplicationRequest) -> dict:
    """Submit an application to join the union."""
    fields = body.model_dump(exclude={"consent"})
    service = membership()
    try:
        view = service.submit(current_member().person_id, fields, consent=body.consent, channel=CHANNEL)
    except (ValidationFailed, ConsentRequired, DuplicateApplication) as exc:
        raise _refused(exc) from None
    content = service.content
    # The first line of the editors' next steps; the rest tells chat users what to reply.
    next_step = content.text("next_steps", days=content.data.get("review_days", 5)).splitlines()[0]
    return {**view.to_dict(), "message": f"提交成功！您的入会申请编号：{view.application_no}。{next_step}"}


def current() -> dict:
    """Show the member's open application, else their latest."""
    view = membership().current_application(current_member().person_id)
    if view is None:
        raise not_found("您还没有提交过入会申请。")
    return view.to_dict()


def application(application_no: str) -> dict:
    """Show one of the member's applications."""
    view = membership().application(current_member().person_id, application_no)
    if view is None:
        raise not_found(NO_APPLICATION)
    return view.to_dict()


def history(application_no: str) -> dict:
    """List the steps of one of the member's applications."""
    service, person_id = membership(), current_member().person_id
    if service.application(person_id, application_no) is None:
        raise not_found(NO_APPLICATION)
    return {"application_no": application_no,
            "items": [step.to_dict() for step in service.history(person_id, application_no)]}


def resubmit(application_no: str, body: ResubmitRequest) -> dict:
    """Correct an application staff sent back for more information, and submit it again."""
    fields = body.model_dump(exclude_none=True)
    try:
        view = membership().resubmit(current_member().person_id, application_no, fields)
    except (ValidationFailed, DuplicateApplication, InvalidDecision, ApplicationNotFound) as exc:
        raise _refused(exc) from None
    return view.to_dict()


def withdraw(application_no: str) -> dict:
    """Take back an open application."""
    try:
        view = membership().withdraw(current_member().person_id, application_no)
    except (InvalidDecision, ApplicationNotFound) as exc:
        raise _refused(exc) from None
    return view.to_dict()


def card() -> dict:
    """Show the member card."""
    view = membership().membership(current_member().person_id)
    if view is None:
        raise not_found("您还不是工会会员。提交入会申请、审核通过后就会有会员卡。")
    return {**view.to_dict(), "perks": outside_chat(view.perks)}
