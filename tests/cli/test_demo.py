"""Demo content (`make run` on the embedded default): every loader fills an empty database, once."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select

from bot.demo import DEMO_LOADERS, DEMO_OPENID, load_demo_content
from bot.push.demo import DEMO_FOLLOWERS
from bot.services.people import OFFICIAL
from bot.storage.models import Activity, Follower, Member

DEMO_ACTIVITIES = Path(__file__).resolve().parents[2] / "content" / "demo" / "activities.yaml"


def _counts(runtime) -> dict[str, int]:
    with runtime.database.session() as session:
        return {model.__name__: session.scalar(select(func.count()).select_from(model))
                for model in (Activity, Member, Follower)}


def test_the_demo_loads_into_an_empty_database(runtime):
    assert _counts(runtime) == {"Activity": 0, "Member": 0, "Follower": 0}

    report = load_demo_content(runtime)

    activities = yaml.safe_load(DEMO_ACTIVITIES.read_text(encoding="utf-8"))["activities"]
    assert _counts(runtime) == {"Activity": len(activities), "Member": 1, "Follower": len(DEMO_FOLLOWERS)}
    assert runtime.membership.is_member(runtime.people.person_id(OFFICIAL, DEMO_OPENID))
    assert [line.split(":")[0] for line in report] == [loader.__name__ for loader in DEMO_LOADERS]


def test_loading_the_demo_again_adds_nothing(runtime):
    load_demo_content(runtime)
    before = _counts(runtime)

    report = load_demo_content(runtime)

    assert _counts(runtime) == before
    assert "0 activities created" in report[0]
    assert "already there" in report[1] and "already there" in report[2]
