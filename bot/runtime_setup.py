"""Attach the process's Runtime to the Flask app."""
from __future__ import annotations

from bot.runtime import Runtime


def init_app(app) -> None:
    """Build the runtime (or use the one a test passed) and expose it as app.extensions['zgzj']."""
    runtime = app.config.get("ZGZJ_RUNTIME")
    if runtime is None:
        runtime = Runtime.build(app.config["ZGZJ_CONFIG"])
        # The first worker message must not wait for jieba and the FAQ index (about 2 s cold).
        runtime.background.submit(runtime.warm_up)
    app.extensions["zgzj"] = runtime
