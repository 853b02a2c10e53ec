"""Fixtures for WeChat tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def wechat_config(config):
    """The test configuration: it already points at the fake WeChat API, with a mini-program configured."""
    return config
