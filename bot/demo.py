"""Demo content for the embedded default: loaded by `make run`, idempotent."""
from __future__ import annotations

import logging

from bot.registry import resolve

log = logging.getLogger(__name__)

# "module:function" loaders, each taking the Runtime and safe to run again. Domains add theirs.
DEMO_LOADERS: list[str] = [
    "bot.services.activities:load_demo_activities",
    "bot.membership_commands:load_demo_member",
    "bot.push.demo:load_demo_followers",
]


def load_demo_content(runtime) -> list[str]:
    """Run every demo loader; return what each reported."""
    done = []
    for spec in DEMO_LOADERS:
        loader = resolve(spec)
        if loader is not None:
            done.append(f"{spec}: {loader(runtime)}")
    return done
