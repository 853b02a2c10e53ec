"""浙工之家 service-account bot and mini-program backend."""
from __future__ import annotations

import importlib

from flask import Flask

from bot.config import Config, load_config

# Each part of the web app registers itself with init_app(app).
WEB_PARTS = [
    "bot.logging_setup",
    "bot.runtime_setup",
    "bot.health",
    "bot.webhook",
    "miniprogram_api",
    "bot.console",
]


def create_app(config: Config | dict | None = None, runtime=None) -> Flask:
    """Build the web application: the webhook, the health check and the mini-program API."""
    if not isinstance(config, Config):
        config = load_config(overrides=config)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=config.secret_key, MAX_CONTENT_LENGTH=16 * 1024 * 1024, JSON_AS_ASCII=False)
    app.config["ZGZJ_CONFIG"] = config
    app.config["ZGZJ_RUNTIME"] = runtime
    if config.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies, x_proto=config.trusted_proxies)
    for name in WEB_PARTS:  # imported here so that `import bot.config` stays light for the CLI
        importlib.import_module(name).init_app(app)
    return app
