"""The application's field checks: the same rules in every door (chat form, mini-program, resubmission)."""
from __future__ import annotations

from datetime import date
from typing import Any

from bot.validation import FieldInvalid
from bot.services import identity_checks as checks
from bot.services.membership.content import NO_FIXED_EMPLOYER, MembershipContent
from bot.services.membership.errors import ValidationFailed

APPLICATION_FIELDS = ("name", "phone", "id_number", "employer", "no_fixed_employer", "city", "district",
                      "industry", "occupation")
FIELD_LABELS = {"name": "姓名", "phone": "手机号", "id_number": "身份证号", "employer": "工作单位",
                "no_fixed_employer": "无固定单位", "city": "所在城市", "district": "所在区县",
                "industry": "行业", "occupation": "职业"}


def check_field(name: str, value: Any, *, content: MembershipContent, today: date | None = None,
                city: str | None = None) -> Any:
    """Return the cleaned value of one application field, or raise FieldInvalid with a Chinese hint."""
    if name == "no_fixed_employer":
        if isinstance(value, bool):
            return value
        return checks.fold(value).lower() in {"1", "true", "yes", "是", "对", NO_FIXED_EMPLOYER}
    text = checks.fold("" if value is None else value)
    if name == "name":
        return checks.clean_name(text)
    if name == "phone":
        return checks.clean_phone(text)
    if name == "id_number":
        return checks.clean_id_number(text, today)
    if name == "employer":
        if text.rstrip("。.") in content.no_fixed_words:
            return NO_FIXED_EMPLOYER
        if text and len(text) < 2:
            raise FieldInvalid("工作单位名称太短了，请填写单位全称；没有固定单位的回复“无固定单位”。")
        if len(text) > 100:
            raise FieldInvalid("工作单位名称太长了，请控制在 100 个字以内。")
        return text
    if name == "city":
        return content.regions.check_city(text)
    if name == "district":
        if city:
            return content.regions.check_district(city, text)
        found = content.regions.cities_of_district(text)
        if len(found) != 1:
            raise FieldInvalid("请填写浙江省内的区、县（市），如 西湖区、义乌市。")
        return found[0][1]
    if name == "industry":
        industry = content.industry(text)
        if industry:
            return industry
        if not 2 <= len(text) <= 30 or text.isdigit():
            raise FieldInvalid(f"请回复 1 到 {len(content.industries)} 之间的数字，或用几个字说说您的行业。")
        return text
    if name == "occupation":
        if not 2 <= len(text) <= 30 or text.isdigit():
            raise FieldInvalid("请用 2 到 30 个字说说您的职业或岗位，如 外卖骑手、车间操作工。")
        return text
    raise KeyError(f"unknown application field {name!r}")


def validate(fields: dict, *, content: MembershipContent, today: date | None = None) -> dict:
    """Check every application field together; return the cleaned fields or raise ValidationFailed."""
    clean: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name in APPLICATION_FIELDS:
        raw = fields.get(name)
        if name == "no_fixed_employer":
            clean[name] = check_field(name, bool(raw) if raw is not None else False, content=content)
            continue
        if raw is None or checks.fold(raw) == "":
            if name != "employer":
                problems[name] = f"请填写{FIELD_LABELS[name]}。"
            else:
                clean[name] = ""
            continue
        try:
            clean[name] = check_field(name, raw, today=today, city=clean.get("city"), content=content)
        except FieldInvalid as invalid:
            problems[name] = invalid.hint
    if clean.get("employer") == NO_FIXED_EMPLOYER:
        clean["no_fixed_employer"], clean["employer"] = True, ""
    if "employer" in clean and not clean["employer"] and not clean.get("no_fixed_employer"):
        problems["employer"] = "请填写工作单位；没有固定单位的请选择“无固定单位”。"
    if problems:
        raise ValidationFailed(problems)
    return clean
