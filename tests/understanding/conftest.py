"""One Understanding and the Regions of content/, built once for the whole package (both are immutable)."""
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.services.places import Regions
from bot.understanding import Understanding

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2025, 12, 3)  # a Wednesday


@pytest.fixture(scope="session")
def understanding():
    return Understanding.from_content(ROOT / "content")


@pytest.fixture(scope="session")
def regions():
    return Regions.from_content(yaml.safe_load((ROOT / "content" / "places.yaml").read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def read(understanding, regions):
    """extract() with the content's regions and a fixed Wednesday."""
    return lambda text, today=TODAY: understanding.extract(text, today, regions)
