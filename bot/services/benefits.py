"""The benefits catalogue: what a member or a non-member can get, where, and how."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bot.content import Replies
from bot.content_entries import (
    ContentError,
    normalize,
    query_normalizer,
    read_yaml,
    require_str,
    require_str_list,
)
from bot.services.places import Regions

ITEM_FIELDS = ("id", "name", "category", "aliases", "summary", "eligibility", "how_to", "members_only", "cities")
CITY_MENTION_BONUS = 10


@dataclass(frozen=True)
class Benefit:
    """One union benefit: what it is, who gets it, how, and where."""

    id: str
    name: str
    category: str
    aliases: tuple[str, ...]
    summary: str
    eligibility: str
    how_to: str  # numbered steps, one a line
    members_only: bool
    cities: tuple[str, ...]  # empty = province-wide
    where: str = ""
    contact: str = ""

    @property
    def province_wide(self) -> bool:
        """Return True when the benefit applies across Zhejiang."""
        return not self.cities


class BenefitCatalogue:
    """The union benefits in content/benefits/catalogue.yaml, filtered by who is asking."""

    def __init__(self, items: list[Benefit], categories: list[str], regions: Regions, replies: Replies,
                 fold: Callable[[str], str] = normalize):
        self.items = items
        self.regions = regions  # content/places.yaml: item cities are short names (杭州)
        self.replies = replies  # the labels around a benefit's details (content/replies/benefits.yaml)
        self._fold = fold  # the worker's message: normalised, typos fixed
        self._by_id = {b.id: b for b in items}
        self._categories = categories
        # Each item's names folded once, not on every message: (folded name, length of the name as written).
        self._names = [[(normalize(t), len(t)) for t in {b.name, *b.aliases}] for b in items]

    @classmethod
    def load(cls, content_dir: str | Path, regions: Regions | None = None,
             replies: Replies | None = None) -> "BenefitCatalogue":
        """Load and validate the catalogue; raise ContentError naming the file and item on a bad entry.

        Item cities are checked against regions, by default those of content_dir/places.yaml; the
        wording around a benefit comes from replies, by default those of content_dir.
        """
        regions = regions if regions is not None else Regions.load(content_dir)
        replies = replies if replies is not None else Replies(content_dir)
        path = Path(content_dir) / "benefits" / "catalogue.yaml"
        data = read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise ContentError(path, "expected 'categories' and a list under 'items'")
        categories = list(require_str_list(path, data, "categories", None, 1))
        items, seen = [], set()
        for raw in data["items"]:
            item = cls._item(path, raw, categories, regions)
            if item.id in seen:
                raise ContentError(path, "duplicate id", item.id)
            seen.add(item.id)
            items.append(item)
        return cls(items, categories, regions, replies, query_normalizer(content_dir))

    @staticmethod
    def _item(path: Path, raw: Any, categories: list[str], regions: Regions) -> Benefit:
        if not isinstance(raw, dict):
            raise ContentError(path, "item must be a mapping")
        item_id = str(raw.get("id") or "").strip()
        if not item_id:
            raise ContentError(path, f"item without an id (name: {raw.get('name')!r})")
        missing = [f for f in ITEM_FIELDS if f not in raw]
        if missing:
            raise ContentError(path, f"missing field(s) {', '.join(missing)}", item_id)
        category = require_str(path, raw, "category", item_id)
        if category not in categories:
            raise ContentError(path, f"unknown category '{category}'", item_id)
        if not isinstance(raw["members_only"], bool):
            raise ContentError(path, "'members_only' must be true or false", item_id)
        cities = require_str_list(path, raw, "cities", item_id)
        known = regions.short_names()
        unknown = [c for c in cities if c not in known]
        if unknown:
            raise ContentError(path, f"unknown city {', '.join(unknown)} (use one of {'/'.join(known)})", item_id)
        steps = require_str_list(path, raw, "how_to", item_id, 1)
        return Benefit(
            id=item_id,
            name=require_str(path, raw, "name", item_id),
            category=category,
            aliases=require_str_list(path, raw, "aliases", item_id, 1),
            summary=require_str(path, raw, "summary", item_id),
            eligibility=require_str(path, raw, "eligibility", item_id),
            how_to="\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)),
            members_only=raw["members_only"],
            cities=cities,
            where=str(raw.get("where") or "").strip(),
            contact=str(raw.get("contact") or "").strip(),
        )

    def get(self, benefit_id: str) -> Benefit | None:
        """Return the benefit with this id, or None."""
        return self._by_id.get(benefit_id)

    def categories(self) -> list[str]:
        """Return the category names in menu order."""
        return list(self._categories)

    def by_category(self, category: str) -> list[Benefit]:
        """Return the benefits of one category, in file order."""
        return [b for b in self.items if b.category == category]

    def for_person(self, is_member: bool, city: str | None) -> list[Benefit]:
        """Return what applies to this person: province-wide items plus their city's, open-to-all only for non-members."""
        city = self.regions.short_name(city)
        return [b for b in self.items
                if (is_member or not b.members_only) and (b.province_wide or city in b.cities)]

    def find(self, text: str) -> list[Benefit]:
        """Return the benefits whose name, aliases or category appear in text, best first."""
        text = self._fold(text)
        if not text.strip():
            return []
        scored = []
        for order, (b, names) in enumerate(zip(self.items, self._names)):
            score = sum(length for folded, length in names if folded in text)
            if b.category in text:
                score += len(b.category)
            if score and any(c in text for c in b.cities):
                score += CITY_MENTION_BONUS  # "在宁波办健身卡" is about the Ningbo offer
            if score:
                # Province-wide items first on ties: they answer the general question.
                scored.append((-score, 0 if b.province_wide else 1, order, b))
        return [b for *_, b in sorted(scored, key=lambda s: s[:3])]

    def describe(self, benefit: Benefit, is_member: bool) -> str:
        """Return the Chinese text a worker reads about one benefit, phrased for a member or a non-member."""
        replies = self.replies
        where = "、".join(benefit.cities) if benefit.cities else replies.get("benefit_details_province_wide")
        lines = [replies.get("benefit_details_title", name=benefit.name), benefit.summary,
                 replies.get("benefit_details_where", where=where)]
        if benefit.members_only and not is_member:
            lines += ["", replies.get("benefit_details_members_only"), replies.get("benefit_details_join_hint")]
            return "\n".join(lines)
        lines += [replies.get("benefit_details_eligibility", eligibility=benefit.eligibility),
                  replies.get("benefit_details_how_to"), benefit.how_to]
        if benefit.contact:
            lines.append(replies.get("benefit_details_contact", contact=benefit.contact))
        if not is_member:
            lines += ["", replies.get("benefit_details_more_for_members") + replies.get("benefit_details_join_hint")]
        return "\n".join(lines)
