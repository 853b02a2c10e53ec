"""Zhejiang city and district from any mention (乐清 → 温州市 乐清市), on a Regions-like object from content."""
from __future__ import annotations

from dataclasses import dataclass

from bot.understanding.slots import Found
from bot.understanding.words import Words, alternation

_SUFFIXES = ("畲族自治县", "自治县", "区", "县", "市")


@dataclass(frozen=True)
class Place:
    """A city of Zhejiang (full name, 温州市) and, when said, its district (乐清市)."""

    city: str
    district: str | None = None


def _stem(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class PlaceReader:
    """Finds places with the cities and districts of one Regions object (anything with .cities)."""

    def __init__(self, regions, words: Words):
        self.words = words
        self._city_of: dict[str, str] = {}
        self._district_of: dict[str, list[tuple[str, str]]] = {}
        self._full: set[str] = set()
        for city in regions.cities:
            for key in (city.name, getattr(city, "short", city.name.rstrip("市")), *city.aliases):
                key = str(key).lower()
                if key and not key.isascii():
                    self._city_of[key] = city.name
            for district in city.districts:
                self._full.add(district)
                for key in {district, _stem(district)}:
                    self._district_of.setdefault(key, []).append((city.name, district))
        self._pattern = alternation([*self._city_of, *self._district_of])
        self.words_of_places = frozenset([*self._city_of, *self._district_of])

    def find_all(self, text: str) -> list[Found[Place]]:
        """Every place mentioned, a district joined to the city said just before it."""
        found: list[Found[Place]] = []
        cities_said = [self._city_of[m.group()] for m in self._pattern.finditer(text) if m.group() in self._city_of]
        for m in self._pattern.finditer(text):
            key = m.group()
            if key in self._city_of:
                found.append(Found(Place(self._city_of[key]), m.start(), m.end()))
                continue
            after = text[m.end():m.end() + 2]
            if key not in self._full and any(after.startswith(w) for w in self.words.street_after):
                continue  # 滨江路, 西湖边的路... a street or a lake, not the district
            options = self._district_of[key]
            if cities_said:
                options = [o for o in options if o[0] in cities_said] or []
            elif key in self.words.place_need_context and key not in self._full:
                continue  # 天台 / 路桥 alone are common words
            if len(options) != 1:
                continue
            city, district = options[0]
            if found and found[-1].value.city == city and found[-1].value.district is None \
                    and found[-1].end >= m.start() - 1:
                found[-1] = Found(Place(city, district), found[-1].start, m.end())
            else:
                found.append(Found(Place(city, district), m.start(), m.end()))
        return found

    def find(self, text: str) -> Found[Place] | None:
        """The first place mentioned, preferring one that names a district."""
        found = self.find_all(text)
        if not found:
            return None
        first = found[0]
        for other in found[1:]:
            if first.value.district is None and other.value.city == first.value.city and other.value.district:
                return Found(other.value, first.start, other.end)
        return first
