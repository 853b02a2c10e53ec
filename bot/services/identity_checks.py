"""Checks of what a worker types when joining the union: name, mobile number, ID card number, place.

Each check returns the cleaned value or raises bot.forms.FieldInvalid with a hint a worker can
act on (位数不对, 校验位不对, 出生日期不对...). The same checks serve the chat form and the
mini-program, so a number refused in one is refused in the other.

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
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bot.forms import FieldInvalid

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


def clean_name(text: str) -> str:
    """A real name as on the ID card: 2-20 Chinese characters (· for minority names) or a Latin name."""
    name = re.sub(r"\s+", " ", fold(text))
    name = name.replace(".", "·") if re.search(r"[\u4e00-\u9fff]", name) else name
    if any(ch.isdigit() for ch in name):
        raise FieldInvalid("姓名里不能有数字，请填写身份证上的姓名。")
    if not 2 <= len(name) <= 20:
        raise FieldInvalid("姓名应为 2 到 20 个字，请填写身份证上的姓名。")
    if not _NAME.match(name):
        raise FieldInvalid("姓名只能包含汉字（少数民族姓名可用“·”分隔），请填写身份证上的姓名。")
    return name


def clean_phone(text: str) -> str:
    """A mainland mobile number: 11 digits starting 13-19 (spaces, dashes and +86 allowed)."""
    raw = _SEPARATORS.sub("", fold(text))
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    elif raw.startswith("86") and len(raw) == 13:
        raw = raw[2:]
    if not raw.isdigit():
        raise FieldInvalid("手机号只能包含数字，请重新填写 11 位手机号。")
    if len(raw) != 11:
        raise FieldInvalid(f"手机号位数不对：应为 11 位，您填了 {len(raw)} 位。")
    if not re.match(r"^1[3-9]", raw):
        raise FieldInvalid("这不是有效的大陆手机号：手机号以 13 到 19 开头。")
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


def clean_id_number(text: str, today: date | None = None) -> str:
    """An 18-character mainland ID number (GB 11643): valid check digit and birth date, working age."""
    today = today or shanghai_today()
    number = _SEPARATORS.sub("", fold(text)).upper()
    if len(number) == 15 and number.isdigit():
        raise FieldInvalid("这是旧的 15 位身份证号码，请填写现在使用的 18 位身份证号码。")
    if len(number) != 18:
        raise FieldInvalid(f"身份证号码位数不对：应为 18 位，您填了 {len(number)} 位。")
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise FieldInvalid("身份证号码格式不对：前 17 位是数字，最后一位是数字或字母 X。")
    if number[:2] not in PROVINCE_CODES:
        raise FieldInvalid("身份证号码开头的地区代码不对，请核对后重新填写。")
    birth = birth_date_of(number)
    if birth is None or birth > today or birth.year < 1900:
        raise FieldInvalid("身份证号码里的出生日期不对（第 7 到 14 位），请核对后重新填写。")
    if id_check_digit(number[:17]) != number[17]:
        raise FieldInvalid("身份证号码校验位不对，可能有数字填错了，请对照身份证逐位核对。")
    age = age_on(birth, today)
    if age < MIN_AGE:
        raise FieldInvalid(f"按身份证号码计算您还不满 {MIN_AGE} 周岁，暂时不能申请入会。")
    if age > MAX_AGE:
        raise FieldInvalid(f"按身份证号码计算您已超过 {MAX_AGE} 周岁，请核对出生年份；"
                           f"确实无误的，请联系所在地工会或拨打 12351 办理。")
    return number


@dataclass(frozen=True)
class City:
    """One of Zhejiang's 11 cities with its districts, counties and county-level cities."""

    name: str  # 杭州市
    code: str  # 3301
    aliases: tuple[str, ...]
    districts: tuple[str, ...]

    @property
    def short(self) -> str:
        """杭州."""
        return self.name[:-1] if self.name.endswith("市") else self.name


_DISTRICT_SUFFIXES = ("畲族自治县", "自治县", "区", "县", "市")


def _stem(place: str) -> str:
    for suffix in _DISTRICT_SUFFIXES:
        if place.endswith(suffix) and len(place) > len(suffix) + 1:
            return place[: -len(suffix)]
    return place


class Regions:
    """Zhejiang's cities and districts from content/membership.yaml."""

    def __init__(self, cities: list[City]):
        self.cities = cities
        self._by_key: dict[str, City] = {}
        for city in cities:
            for key in (city.name, city.short, *city.aliases):
                self._by_key[key.lower()] = city

    @classmethod
    def from_content(cls, data: dict, path: str | Path = "membership.yaml") -> "Regions":
        """Build from the parsed content file; raise ValueError naming the file and entry when malformed."""
        raw_cities = (data or {}).get("cities")
        if not isinstance(raw_cities, list) or not raw_cities:
            raise ValueError(f"{path}: 'cities' must be a list of the cities of Zhejiang")
        cities = []
        for raw in raw_cities:
            name = str((raw or {}).get("name") or "").strip()
            districts = raw.get("districts") if isinstance(raw, dict) else None
            if not name or not isinstance(districts, list) or not districts:
                raise ValueError(f"{path} [city {name or '?'}]: needs a name and a list of districts")
            code = str(raw.get("code") or "").strip()
            if not re.fullmatch(r"33\d\d", code):
                raise ValueError(f"{path} [city {name}]: code must be the 4-digit 33xx city code, got {code!r}")
            cities.append(City(name, code, tuple(str(a).strip() for a in raw.get("aliases") or ()),
                               tuple(str(d).strip() for d in districts)))
        return cls(cities)

    def names(self) -> list[str]:
        """The cities' full names in content order."""
        return [c.name for c in self.cities]

    def city(self, text: str) -> City | None:
        """The city a worker means by 杭州 / 杭州市 / hz / 浙江杭州, or None."""
        key = fold(text).lower().replace(" ", "")
        for prefix in ("浙江省", "浙江"):
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix):]
        return self._by_key.get(key)

    def find_district(self, city: City, text: str) -> str | None:
        """The district of city a worker means by 西湖 / 西湖区 / 杭州市西湖区, or None."""
        key = fold(text).replace(" ", "")
        for prefix in ("浙江省", "浙江", city.name, city.short):
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix):]
        for district in city.districts:
            if key in (district, _stem(district)):
                return district
        return None

    def cities_of_district(self, text: str) -> list[tuple[City, str]]:
        """Every (city, district) a bare district name could mean (普陀 is in Zhoushan; 义乌 in Jinhua)."""
        return [(city, district) for city in self.cities
                if (district := self.find_district(city, text)) is not None]

    def check_city(self, text: str) -> str:
        """The full name of the city a worker means, or FieldInvalid listing the 11 cities."""
        city = self.city(text)
        if city is None:
            found = self.cities_of_district(text)
            if len(found) == 1:
                return found[0][0].name
            raise FieldInvalid("没有找到这个城市。请回复浙江的 11 个市之一："
                               + "、".join(c.short for c in self.cities) + "。")
        return city.name

    def check_district(self, city_name: str, text: str) -> str:
        """The district's full name, checked against the city, or FieldInvalid naming the right choices."""
        city = self.city(city_name)
        if city is None:
            raise FieldInvalid("请先填写所在城市。")
        district = self.find_district(city, text)
        if district is not None:
            return district
        elsewhere = [c.name for c, _d in self.cities_of_district(text)]
        head = f"{fold(text)}不在{city.name}。" if elsewhere else f"{city.name}没有找到“{fold(text)}”。"
        return_hint = f"{city.name}的区县有：{'、'.join(city.districts)}。"
        if elsewhere:
            return_hint += f"（它属于{'、'.join(elsewhere)}，如填错了城市，可在最后核对时修改。）"
        raise FieldInvalid(head + return_hint)
