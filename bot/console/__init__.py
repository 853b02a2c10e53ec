"""The staff web console at /console: server-rendered pages (Flask, Jinja, htmx served by the project)."""
from __future__ import annotations


def init_app(app) -> None:
    """Register the console blueprint, its session cookie settings and CSRF protection."""
    from bot.console.public import public
    from bot.console.web import register

    register(app)
    app.register_blueprint(public)  # article pages and tracked links: public, outside /console
