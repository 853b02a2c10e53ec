"""Fixtures for the matcher: one matcher on the real content, shared by the whole session."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu import IntentMatcher

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = PROJECT_ROOT / "content"


@pytest.fixture(scope="session")
def matcher(tmp_path_factory) -> IntentMatcher:
    """The matcher built from the project's content/nlu."""
    return IntentMatcher.from_content(CONTENT_DIR, cache_dir=tmp_path_factory.mktemp("jieba"))
