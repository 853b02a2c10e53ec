"""Fixtures for WeChat tests: a configuration whose WeChat API is the fake (fake_wechat, in tests/conftest.py)."""
from __future__ import annotations

import pytest

from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_MINIPROGRAM_APP_ID, DEMO_TOKEN, load_config


@pytest.fixture
def wechat_config(fake_wechat, tmp_path):
    """A configuration pointing at the fake, with both the official account and a mini-program."""
    return load_config(environ={}, path=tmp_path / "absent.yaml", overrides={
        "wechat.token": DEMO_TOKEN,
        "wechat.app_id": DEMO_APP_ID,
        "wechat.app_secret": "test-app-secret",
        "wechat.encoding_aes_key": DEMO_AES_KEY,
        "wechat.api_base_url": fake_wechat.url,
        "wechat.api_timeout_seconds": 2.0,
        "miniprogram.app_id": DEMO_MINIPROGRAM_APP_ID,
        "miniprogram.app_secret": "test-mp-secret",
        "database_url": f"sqlite:///{tmp_path}/unused.db",
        "secret_key": "test-secret-key-0123456789",
        "var_dir": str(tmp_path / "var"),
    })
