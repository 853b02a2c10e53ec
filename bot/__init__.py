"""浙工之家 service-account bot and mini-program backend."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Config, load_config

if TYPE_CHECKING:  # Flask is imported by create_app: the CLI and the NLU benchmark import bot.* without the web stack
    from flask import Flask


def create_app(config: Config | dict | None = None, runtime=None) -> Flask:
    """Build the web application: the webhook, the health check, the mini-program API and the staff console."""
    # The parts are imported here, not at the top, so that `import bot.config` stays light for the CLI.
    from flask import Flask

    import miniprogram_api
    from bot import console, health, logging_setup, runtime_setup, webhook

    if not isinstance(config, Config):
        config = load_config(overrides=config)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=config.secret_key, MAX_CONTENT_LENGTH=16 * 1024 * 1024, JSON_AS_ASCII=False)
    app.config["ZGZJ_CONFIG"] = config
    app.config["ZGZJ_RUNTIME"] = runtime
    if config.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies, x_proto=config.trusted_proxies)
    # Each part of the web app registers itself.
    logging_setup.init_app(app)
    runtime_setup.init_app(app)
    health.init_app(app)
    webhook.init_app(app)
    miniprogram_api.init_app(app)
    console.init_app(app)
    return app
