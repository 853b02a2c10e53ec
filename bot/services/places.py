"""Zhejiang's cities and their districts (content/places.yaml): the one list every place is checked against.

Joining the union, the benefits catalogue, activities, hardship aid and push audiences all ask
`Regions` which city or district a worker means, so a city an editor adds or renames in
content/places.yaml is known everywhere at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from bot.content import Replies
from bot.validation import FieldInvalid
from bot.content_entries import normalize, read_yaml
from bot.services.identity_checks import fold

CONTENT_FILE = "places.yaml"
CITY_COUNT = 11  # Zhejiang's prefecture-level cities; a different count is an editing mistake

_DISTRICT_SUFFIXES = ("畲族自治县", "自治县", "区", "县", "市")


@dataclass(frozen=True)
class City:
    """One of Zhejiang's cities with its districts, counties and county-level cities."""

    name: str  # 杭州市
    code: str  # 3301
    aliases: tuple[str, ...]
    districts: tuple[str, ...]

    @property
    def short(self) -> str:
        """杭州."""
        return self.name[:-1] if self.name.endswith("市") else self.name


def _stem(place: str) -> str:
    for suffix in _DISTRICT_SUFFIXES:
        if place.endswith(suffix) and len(place) > len(suffix) + 1:
            return place[: -len(suffix)]
    return place


class Regions:
    """Zhejiang's cities and districts, and what a worker means when they type one."""

    def __init__(self, cities: list[City]):
        self.cities = cities
        self._by_key: dict[str, City] = {}
        for city in cities:
            for key in (city.name, city.short, *city.aliases):
                self._by_key[key.lower()] = city

    @classmethod
    def from_content(cls, data: dict, path: str | Path = CONTENT_FILE) -> "Regions":
        """Build from the parsed content file; raise ValueError naming the file and entry when malformed."""
        raw_cities = (data or {}).get("cities") if isinstance(data, dict) else None
        if not isinstance(raw_cities, list) or not raw_cities:
            raise ValueError(f"{path}: 'cities' must be a list of the cities of Zhejiang")
        cities = []
        for raw in raw_cities:
            name = str((raw or {}).get("name") or "").strip() if isinstance(raw, dict) else ""
            districts = raw.get("districts") if isinstance(raw, dict) else None
            if not name or not isinstance(districts, list) or not districts:
                raise ValueError(f"{path} [city {name or '?'}]: needs a name and a list of districts")
            code = str(raw.get("code") or "").strip()
            if not re.fullmatch(r"33\d\d", code):
                raise ValueError(f"{path} [city {name}]: code must be the 4-digit 33xx city code, got {code!r}")
            districts = tuple(str(d).strip() for d in districts)
            if len(set(districts)) != len(districts):
                raise ValueError(f"{path} [city {name}]: a district is listed twice")
            cities.append(City(name, code, tuple(str(a).strip() for a in raw.get("aliases") or ()), districts))
        if len(cities) != CITY_COUNT:
            raise ValueError(f"{path} [cities]: Zhejiang has {CITY_COUNT} cities, found {len(cities)}")
        return cls(cities)

    @classmethod
    def load(cls, content_dir: str | Path) -> "Regions":
        """Read and check content_dir/places.yaml."""
        path = Path(content_dir) / CONTENT_FILE
        return cls.from_content(read_yaml(path), path)

    def names(self) -> list[str]:
        """The cities' full names in content order (杭州市, 宁波市 ...)."""
        return [c.name for c in self.cities]

    def short_names(self) -> list[str]:
        """The cities' short names in content order (杭州, 宁波 ...)."""
        return [c.short for c in self.cities]

    def city(self, text: str | None) -> City | None:
        """The city a worker means by 杭州 / 杭州市 / 溫州 / hz / 浙江杭州 / 杭州地区, or None."""
        key = normalize(text or "").replace(" ", "")
        for prefix in ("浙江省", "浙江"):
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix):]
        if key.endswith("地区") and len(key) > 2:
            key = key[:-2]
        return self._by_key.get(key)

    def short_name(self, text: str | None) -> str | None:
        """The short name of the city a worker means (杭州市 -> 杭州), or None when it is not one of ours."""
        found = self.city(text)
        return found.short if found else None

    @cached_property
    def _place_words(self) -> list[tuple[str, str]]:
        """Every word naming a place (杭州, 杭州市, 萧山区, 萧山, 义乌) with its city's short name, longest first."""
        words = []
        for city in self.cities:
            words += [(city.short, city.short), (city.name, city.short)]
            words += [(alias, city.short) for alias in city.aliases if re.search(r"[\u4e00-\u9fff]", alias)]
            for district in city.districts:
                words.append((district, city.short))
                if len(_stem(district)) >= 2:
                    words.append((_stem(district), city.short))
        return sorted(set(words), key=lambda pair: (-len(pair[0]), pair[0]))

    def place_words(self) -> list[tuple[str, str]]:
        """Every word naming a place (杭州, 杭州市, 萧山区, 萧山, 义乌) with its city's short name, longest first."""
        return self._place_words

    def city_in(self, text: str | None) -> City | None:
        """The city named anywhere in a sentence (我在杭州打工), or the city of the one district it names."""
        found = self.city(text)
        if found is not None:
            return found
        folded = fold(text or "")
        named = [c for c in self.cities if c.short in folded]
        if len(named) == 1:
            return named[0]
        places = {city.name: city for city in self.cities for district in city.districts
                  if district in folded or (len(_stem(district)) >= 2 and _stem(district) in folded)}
        return next(iter(places.values())) if len(places) == 1 else None

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

    def check_city(self, text: str, *, replies: Replies) -> str:
        """The full name of the city a worker means, or FieldInvalid listing the cities."""
        city = self.city(text)
        if city is None:
            found = self.cities_of_district(text)
            if len(found) == 1:
                return found[0][0].name
            raise FieldInvalid(replies.get("place_unknown_city", count=len(self.cities),
                                           cities="、".join(self.short_names())))
        return city.name

    def check_district(self, city_name: str, text: str, *, replies: Replies) -> str:
        """The district's full name, checked against the city, or FieldInvalid naming the right choices."""
        city = self.city(city_name)
        if city is None:
            raise FieldInvalid(replies.get("place_city_first"))
        district = self.find_district(city, text)
        if district is not None:
            return district
        elsewhere = [c.name for c, _d in self.cities_of_district(text)]
        if elsewhere:
            head = replies.get("place_district_in_other_city", district=fold(text), city=city.name)
        else:
            head = replies.get("place_district_not_found", district=fold(text), city=city.name)
        hint = replies.get("place_districts_of_city", city=city.name, districts="、".join(city.districts))
        if elsewhere:
            hint += replies.get("place_district_belongs_to", cities="、".join(elsewhere))
        raise FieldInvalid(head + hint)


def check_content(content_dir: str | Path) -> None:
    """Validate content/places.yaml; raise ValueError naming the file and entry."""
    Regions.load(content_dir)


# ---- transitional: for handler modules that still list cities at import time -------------------
# handlers/benefits.py and handlers/activities.py read these until they take the cities from
# turn.services.places (issue 9); they come from the same content file, so the list stays one.

@lru_cache(maxsize=1)
def project_regions() -> Regions:
    """The regions of the project's own content/places.yaml (for module-level code without a runtime)."""
    from bot.config import PROJECT_ROOT

    return Regions.load(PROJECT_ROOT / "content")


CITIES: tuple[str, ...] = tuple(project_regions().short_names())


def normalize_city(city: str | None) -> str | None:
    """The short name of a Zhejiang city (杭州市 -> 杭州), or None (transitional: use runtime.places.short_name)."""
    return project_regions().short_name(city)
