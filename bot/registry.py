"""Late binding of registered parts ("module:attribute" strings in the registries of each domain)."""
from __future__ import annotations

import importlib
from typing import Any


def resolve(spec: str) -> Any:
    """Import "module:attribute"; None when that module does not exist (a part not installed)."""
    module_name, attribute = spec.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # the module exists but something it imports is missing: a real error
        return None
    return getattr(module, attribute, None)
