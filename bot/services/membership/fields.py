"""The application's field checks: the same rules in every door (chat form, mini-program, resubmission)."""
from __future__ import annotations

from datetime import date
from typing import Any

from bot.content import Replies
from bot.validation import FieldInvalid
from bot.services import identity_checks as checks
from bot.services.membership.content import NO_FIXED_EMPLOYER, MembershipContent
from bot.services.membership.errors import ValidationFailed

APPLICATION_FIELDS = ("name", "phone", "id_number", "employer", "no_fixed_employer", "city", "district",
                      "industry", "occupation")


def missing_hints(replies: Replies) -> dict[str, str]:
    """What the worker reads for each required field left empty (the employer has its own rule)."""
    return {"name": replies.get("membership_missing_name"),
            "phone": replies.get("membership_missing_phone"),
            "id_number": replies.get("membership_missing_id_number"),
            "city": replies.get("membership_missing_city"),
            "district": replies.get("membership_missing_district"),
            "industry": replies.get("membership_missing_industry"),
            "occupation": replies.get("membership_missing_occupation")}


def check_field(name: str, value: Any, *, content: MembershipContent, replies: Replies, today: date | None = None,
                city: str | None = None) -> Any:
    """Return the cleaned value of one application field, or raise FieldInvalid with the hint from replies."""
    if name == "no_fixed_employer":
        if isinstance(value, bool):
            return value
        return checks.fold(value).lower() in {"1", "true", "yes", "是", "对", NO_FIXED_EMPLOYER}
    text = checks.fold("" if value is None else value)
    if name == "name":
        return checks.clean_name(text, replies=replies)
    if name == "phone":
        return checks.clean_phone(text, replies=replies)
    if name == "id_number":
        return checks.clean_id_number(text, today, replies=replies)
    if name == "employer":
        if text.rstrip("。.") in content.no_fixed_words:
            return NO_FIXED_EMPLOYER
        if text and len(text) < 2:
            raise FieldInvalid(replies.get("membership_employer_too_short"))
        if len(text) > 100:
            raise FieldInvalid(replies.get("membership_employer_too_long"))
        return text
    if name == "city":
        return content.regions.check_city(text, replies=replies)
    if name == "district":
        if city:
            return content.regions.check_district(city, text, replies=replies)
        found = content.regions.cities_of_district(text)
        if len(found) != 1:
            raise FieldInvalid(replies.get("membership_district_unknown"))
        return found[0][1]
    if name == "industry":
        industry = content.industry(text)
        if industry:
            return industry
        if not 2 <= len(text) <= 30 or text.isdigit():
            raise FieldInvalid(replies.get("membership_industry_unknown", count=len(content.industries)))
        return text
    if name == "occupation":
        if not 2 <= len(text) <= 30 or text.isdigit():
            raise FieldInvalid(replies.get("membership_occupation_unclear"))
        return text
    raise KeyError(f"unknown application field {name!r}")


def validate(fields: dict, *, content: MembershipContent, replies: Replies, today: date | None = None) -> dict:
    """Check every application field together; return the cleaned fields or raise ValidationFailed."""
    clean: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name in APPLICATION_FIELDS:
        raw = fields.get(name)
        if name == "no_fixed_employer":
            clean[name] = check_field(name, bool(raw) if raw is not None else False, content=content,
                                      replies=replies)
            continue
        if raw is None or checks.fold(raw) == "":
            if name != "employer":
                problems[name] = missing_hints(replies)[name]
            else:
                clean[name] = ""
            continue
        try:
            clean[name] = check_field(name, raw, today=today, city=clean.get("city"), content=content,
                                      replies=replies)
        except FieldInvalid as invalid:
            problems[name] = invalid.hint
    if clean.get("employer") == NO_FIXED_EMPLOYER:
        clean["no_fixed_employer"], clean["employer"] = True, ""
    if "employer" in clean and not clean["employer"] and not clean.get("no_fixed_employer"):
        problems["employer"] = replies.get("membership_employer_missing")
    if problems:
        raise ValidationFailed(problems)
    return clean
