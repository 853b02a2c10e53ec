"""Demo content for the embedded default: loaded by `make run`, idempotent."""
from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

# "module:function" loaders, each taking the Runtime and safe to run again. Domains add theirs.
DEMO_LOADERS: list[str] = [
    "bot.membership_commands:load_demo_member",
    "bot.services.activities:load_demo_activities",
]


def load_demo_content(runtime) -> list[str]:
    """Run every demo loader; return what each reported."""
    done = []
    for spec in DEMO_LOADERS:
        module_name, function_name = spec.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        done.append(f"{spec}: {getattr(module, function_name)(runtime)}")
    return done
