"""Checks of what a worker types when joining the union: name, mobile number, ID card number.

Places (cities and districts) are checked by bot/services/places.py.

Each check returns the cleaned value or raises bot.validation.FieldInvalid with a hint a worker can
act on (位数不对, 校验位不对, 出生日期不对...); the hints are in content/replies/identity.yaml and
the caller passes the Replies. The same checks serve the chat form and the mini-program, so a
number refused in one is refused in the other.

Age limits (decided here, documented for staff):
- MIN_AGE 16: the Labour Law (《劳动法》第十五条) forbids employing anyone under 16, so a
  younger applicant cannot be a worker who may join.
- MAX_AGE 70: the statutory retirement age is at most 63 after the 2025 reform; re-employed
  retirees may still work, so we leave a margin, but an ID that makes someone older than 70 is
  far more often a mistyped year (1925 for 1995) than a working applicant. Such applicants are
  asked to contact their local union or 12351, where staff can help in person.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

from bot.content import Replies
from bot.validation import FieldInvalid

MIN_AGE = 16
MAX_AGE = 70

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level codes: the first two digits of every mainland ID number.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",  # Taiwan, Hong Kong, Macao (residence permits), and 83 for Taiwan residents
})

_SEPARATORS = re.compile(r"[\s\-—_·.,，。]+")
_NAME = re.compile(r"^[\u4e00-\u9fff\u3400-\u4dbf]+(?:[·•][\u4e00-\u9fff\u3400-\u4dbf]+)*$|^[A-Za-z][A-Za-z .'\-]*[A-Za-z]$")
_SHANGHAI = timedelta(hours=8)  # China has one time zone and no daylight saving


def fold(text: str) -> str:
    """Full-width to half-width, trimmed (what workers type on a phone keyboard)."""
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def shanghai_today(utc_now: datetime | None = None) -> date:
    """Today's date in Zhejiang, from a naive UTC time (the runtime clock) or now."""
    now = utc_now or datetime.now(timezone.utc).replace(tzinfo=None)
    return (now + _SHANGHAI).date()


def clean_name(text: str, *, replies: Replies) -> str:
    """A real name as on the ID card: 2-20 Chinese characters (· for minority names) or a Latin name."""
    name = re.sub(r"\s+", " ", fold(text))
    name = name.replace(".", "·") if re.search(r"[\u4e00-\u9fff]", name) else name
    if any(ch.isdigit() for ch in name):
        raise FieldInvalid(replies.get("identity_name_has_digits"))
    if not 2 <= len(name) <= 20:
        raise FieldInvalid(replies.get("identity_name_length"))
    if not _NAME.match(name):
        raise FieldInvalid(replies.get("identity_name_characters"))
    return name


def clean_phone(text: str, *, replies: Replies) -> str:
    """A mainland mobile number: 11 digits starting 13-19 (spaces, dashes and +86 allowed)."""
    raw = _SEPARATORS.sub("", fold(text))
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    elif raw.startswith("86") and len(raw) == 13:
        raw = raw[2:]
    if not raw.isdigit():
        raise FieldInvalid(replies.get("identity_phone_not_digits"))
    if len(raw) != 11:
        raise FieldInvalid(replies.get("identity_phone_length", count=len(raw)))
    if not re.match(r"^1[3-9]", raw):
        raise FieldInvalid(replies.get("identity_phone_prefix"))
    return raw


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def birth_date_of(id_number: str) -> date | None:
    """The birth date coded in an 18-character ID number, or None when it is not a real date."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def age_on(birth: date, today: date) -> int:
    """Whole years between birth and today."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def clean_id_number(text: str, today: date | None = None, *, replies: Replies) -> str:
    """An 18-character mainland ID number (GB 11643): valid check digit and birth date, working age."""
    today = today or shanghai_today()
    number = _SEPARATORS.sub("", fold(text)).upper()
    if len(number) == 15 and number.isdigit():
        raise FieldInvalid(replies.get("identity_id_old_15_digits"))
    if len(number) != 18:
        raise FieldInvalid(replies.get("identity_id_length", count=len(number)))
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise FieldInvalid(replies.get("identity_id_format"))
    if number[:2] not in PROVINCE_CODES:
        raise FieldInvalid(replies.get("identity_id_region"))
    birth = birth_date_of(number)
    if birth is None or birth > today or birth.year < 1900:
        raise FieldInvalid(replies.get("identity_id_birth_date"))
    if id_check_digit(number[:17]) != number[17]:
        raise FieldInvalid(replies.get("identity_id_check_digit"))
    age = age_on(birth, today)
    if age < MIN_AGE:
        raise FieldInvalid(replies.get("identity_too_young", min_age=MIN_AGE))
    if age > MAX_AGE:
        raise FieldInvalid(replies.get("identity_too_old", max_age=MAX_AGE))
    return number
