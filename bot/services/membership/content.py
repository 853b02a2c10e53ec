"""content/membership.yaml: the join form's wording, industries, status labels and membership answers, parsed and checked."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.services import identity_checks as checks
from bot.services.places import Regions

CONTENT_FILE = "membership.yaml"
NO_FIXED_EMPLOYER = "无固定单位"
# Every status a worker or staff member may see needs a label in the file's status_labels.
LABELLED_STATUSES = ("submitted", "need_info", "approved", "rejected", "withdrawn", "erased")
REQUIRED_PROMPTS = ("name", "phone", "id_number", "employer", "platform", "city", "district", "industry",
                    "occupation")


@dataclass(frozen=True)
class MembershipContent:
    """content/membership.yaml, parsed and checked."""

    data: dict
    regions: Regions
    industries: tuple[tuple[str, tuple[str, ...]], ...]
    no_fixed_words: frozenset[str]

    @classmethod
    def parse(cls, data: Any, regions: Regions, path: str | Path = CONTENT_FILE) -> "MembershipContent":
        """Check the file's shape; raise ValueError naming the file and the entry. regions: content/places.yaml."""
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping at the top level")
        for key in ("intro", "consent_notice", "consent_version", "next_steps", "card_perks"):
            if not str(data.get(key) or "").strip():
                raise ValueError(f"{path}: missing or empty '{key}'")
        prompts = data.get("prompts") or {}
        missing = [p for p in REQUIRED_PROMPTS if not str(prompts.get(p) or "").strip()]
        if missing:
            raise ValueError(f"{path} [prompts]: missing {', '.join(missing)}")
        labels = data.get("status_labels") if isinstance(data.get("status_labels"), dict) else {}
        unlabelled = [s for s in LABELLED_STATUSES if not str(labels.get(s) or "").strip()]
        if unlabelled:
            raise ValueError(f"{path} [status_labels]: missing {', '.join(unlabelled)}")
        if "cities" in data:
            raise ValueError(f"{path}: the cities and districts belong in places.yaml, not here")
        industries = []
        for raw in data.get("industries") or []:
            name = str((raw or {}).get("name") or "").strip() if isinstance(raw, dict) else ""
            if not name:
                raise ValueError(f"{path} [industries]: every industry needs a name")
            industries.append((name, tuple(str(a).strip() for a in raw.get("aliases") or ())))
        if not industries:
            raise ValueError(f"{path}: 'industries' must list at least one industry")
        for number, raw in enumerate(data.get("answers") or [], 1):
            entry = raw.get("id") if isinstance(raw, dict) else None
            if not entry or not raw.get("keywords") or not str(raw.get("text") or "").strip():
                raise ValueError(f"{path} [answer {entry or number}]: needs id, keywords and text")
        words = frozenset(str(w).strip() for w in data.get("no_fixed_employer_words") or ())
        return cls(data, regions, tuple(industries), words | {NO_FIXED_EMPLOYER})

    def text(self, key: str, **values: Any) -> str:
        """A text of the file with {placeholders} filled."""
        text = str(self.data.get(key) or "").strip()
        return text.format(**values) if values else text

    def prompt(self, field: str, **values: Any) -> str:
        """The join form's question for a field."""
        return str(self.data["prompts"][field]).strip().format(**values)

    def industry(self, text: str) -> str | None:
        """The industry a worker means by a number, a name or an alias, or None."""
        answer = checks.fold(text).rstrip("。.")
        if answer.isdigit() and 1 <= int(answer) <= len(self.industries):
            return self.industries[int(answer) - 1][0]
        lowered = answer.lower()
        for name, aliases in self.industries:
            if lowered == name.lower() or lowered in (a.lower() for a in aliases):
                return name
        for name, aliases in self.industries:  # "在工厂上班" mentions an alias
            if any(a and a.lower() in lowered for a in aliases):
                return name
        return None

    def industry_menu(self) -> str:
        """The industries as numbered lines."""
        return "\n".join(f"{i} {name}" for i, (name, _aliases) in enumerate(self.industries, 1))

    def status_label(self, status: str) -> str:
        """How a status reads to a worker."""
        return str(self.data["status_labels"].get(status) or status).strip()

    def answer_for(self, text: str) -> dict | None:
        """The first membership answer whose keywords appear in text."""
        for entry in self.data.get("answers") or []:
            if any(str(k) in text for k in entry.get("keywords") or ()):
                return entry
        return None

    def answer(self, answer_id: str) -> dict | None:
        """The membership answer with this id."""
        return next((e for e in self.data.get("answers") or [] if e.get("id") == answer_id), None)


@lru_cache(maxsize=1)
def default_content() -> MembershipContent:
    """The project's own content/membership.yaml as it was first read.

    Transitional, for handlers/join_union.py's form built at import time; everything with a
    service uses MembershipService.content, which follows editors' changes.
    """
    from bot.config import PROJECT_ROOT
    from bot.content_entries import read_yaml
    from bot.services.places import project_regions

    path = PROJECT_ROOT / "content" / CONTENT_FILE
    return MembershipContent.parse(read_yaml(path), project_regions(), path)


def check_content(content_dir: str | Path) -> None:
    """Validate content/membership.yaml and the places.yaml it asks cities from; raise ValueError naming the file."""
    from bot.content_entries import read_yaml

    path = Path(content_dir) / CONTENT_FILE
    MembershipContent.parse(read_yaml(path), Regions.load(content_dir), path)
