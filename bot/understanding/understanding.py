"""The one object the composition root builds: reads replies, side questions and every slot of a message."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bot.understanding.acts import Reading, ReplyReader
from bot.understanding.places import Place, PlaceReader
from bot.understanding.slots import (Amount, Count, Duration, EmployerReader, Found, NameReader, WantReader,
                                     find_amounts, find_duration, find_headcount, find_id_number, find_phone,
                                     find_since)
from bot.understanding.text import reading_form
from bot.understanding.times import TimeReader, When
from bot.understanding.words import Words


@dataclass(frozen=True)
class Extraction:
    """Every slot found in one message, each with the span of the message it came from."""

    name: Found[str] | None = None
    phone: Found[str] | None = None
    id_number: Found[str] | None = None
    place: Found[Place] | None = None
    employer: Found[str] | None = None
    money: Found[Amount] | None = None
    duration: Found[Duration] | None = None
    since: Found[date] | None = None
    headcount: Found[Count] | None = None
    times: tuple[Found[When], ...] = ()
    wants: tuple[Found[str], ...] = ()
    places: tuple[Found[Place], ...] = field(default=(), repr=False)
    amounts: tuple[Found[Amount], ...] = field(default=(), repr=False)

    @property
    def when(self) -> Found[When] | None:
        """The first date or time named."""
        return self.times[0] if self.times else None

    def values(self) -> dict[str, object]:
        """The slots found as plain values (city and district apart), for a form to fill several at once."""
        out: dict[str, object] = {}
        for key in ("name", "phone", "id_number", "employer", "since"):
            found = getattr(self, key)
            if found is not None:
                out[key] = found.value
        if self.place is not None:
            out["city"] = self.place.value.city
            if self.place.value.district:
                out["district"] = self.place.value.district
        if self.money is not None:
            out["money"] = self.money.value.yuan
        if self.duration is not None:
            out["duration_months"] = self.duration.value.months
        if self.headcount is not None:
            out["headcount"] = self.headcount.value.people
        if self.times:
            out["when"] = self.times[0].value
        if self.wants:
            out["wants"] = [w.value for w in self.wants]
        return out


class Understanding:
    """Reads what a worker wrote in free Chinese; built once, shared by every request (no mutable state)."""

    def __init__(self, words: Words, times: TimeReader | None = None):
        self.words = words
        self.replies = ReplyReader(words)
        self.wants = WantReader(words)
        self.times = times or TimeReader()
        self._by_regions: dict[int, tuple[object, PlaceReader, NameReader, EmployerReader]] = {}

    @classmethod
    def from_content(cls, content_dir: str | Path) -> "Understanding":
        """Build from content/ (reads content/understanding/*.yaml)."""
        return cls(Words.from_dir(Path(content_dir) / "understanding"))

    def reading_of_reply(self, text: str) -> Reading:
        """The act of a reply at a form's control step (CONFIRM, EDIT+field, CANCEL...), NOTHING when unsure."""
        return self.replies.read(text)

    def looks_like_question(self, text: str) -> bool:
        """Whether a message asks something else rather than answering the form."""
        return self.replies.looks_like_question(text)

    def _readers(self, regions):
        # Built once per Regions object; the dict only grows by the handful of Regions a process has.
        key = id(regions)
        cached = self._by_regions.get(key)
        if cached is None or cached[0] is not regions:
            places = PlaceReader(regions, self.words)
            cached = (regions, places, NameReader(self.words, places.words_of_places),
                      EmployerReader(self.words, places.words_of_places))
            self._by_regions[key] = cached
        return cached[1:]

    def extract(self, text: str, today: date | datetime, regions) -> Extraction:
        """Every slot in one message: name, phone, ID, place, employer, money, durations, people, times, wants."""
        norm = reading_form(text)
        places, names, employers = self._readers(regions)
        id_number = find_id_number(norm)
        phone = find_phone(norm)
        all_places = tuple(places.find_all(norm))
        amounts = tuple(a for a in find_amounts(norm) if not _inside(a, phone, id_number))
        day = today.date() if isinstance(today, datetime) else today
        wants = self.wants.find(norm)
        if wants and self.replies.looks_like_question(text):
            # A topic named in a question is asked about, not demanded ("加班费怎么算"); owed pay and
            # forced overtime are grievances however they are phrased ("老板欠我三个月工钱咋办").
            wants = [w for w in wants if w.value in _GRIEVANCES]
        return Extraction(
            name=names.find(norm),
            phone=phone,
            id_number=id_number,
            place=places.find(norm) if all_places else None,
            employer=employers.find(norm),
            money=amounts[0] if amounts else None,
            duration=find_duration(norm),
            since=find_since(norm, day),
            headcount=find_headcount(norm),
            times=tuple(self.times.find_all(norm, today)),
            wants=tuple(wants),
            places=all_places,
            amounts=amounts,
        )


_GRIEVANCES = frozenset({"back_pay", "stop_overtime"})


def _inside(found: Found, *others: Found | None) -> bool:
    return any(o is not None and o.start <= found.start < o.end for o in others)
