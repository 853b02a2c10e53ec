"""The staff web console at /console: server-rendered pages (Flask, Jinja, htmx served by the project)."""
from __future__ import annotations

import logging


def init_app(app) -> None:
    """Register the console blueprint, its session cookie settings and CSRF protection."""
    from bot.console.public import public
    from bot.console.web import register

    register(app)
    # Every process serves the newest content version saved by any process (see bot/services/content_editing.py):
    # a cheap check on its next request, the webhook's too, so a bot on another machine answers with the edit.
    app.before_request(_serve_newest_content)
    app.register_blueprint(public)  # article pages and tracked links: public, outside /console


def _serve_newest_content() -> None:
    from flask import current_app

    try:
        current_app.extensions["zgzj"].content_editing.sync()
    except Exception:  # never fail a worker's message over a content copy: the next request tries again
        logging.getLogger(__name__).exception("content sync failed")
