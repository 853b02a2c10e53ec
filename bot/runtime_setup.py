"""Attach the process's Runtime to the Flask app."""
from __future__ import annotations

from bot.runtime import Runtime


def init_app(app) -> None:
    """Build the runtime (or use the one a test passed) and expose it as app.extensions['zgzj']."""
    runtime = app.config.get("ZGZJ_RUNTIME") or Runtime.build(app.config["ZGZJ_CONFIG"])
    app.extensions["zgzj"] = runtime
