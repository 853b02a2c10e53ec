"""The one error a field check raises, shared by the domain services and every front door."""
from __future__ import annotations


class FieldInvalid(ValueError):
    """An answer failed its check; `hint` tells the worker what is expected."""

    def __init__(self, hint: str):
        super().__init__(hint)
        self.hint = hint
