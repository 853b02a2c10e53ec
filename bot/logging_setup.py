"""Logging: one line per event, personal numbers masked in every message."""
from __future__ import annotations

import logging
import sys

from bot.security import mask_text


class MaskPersonalData(logging.Filter):
    """Mask ID card and mobile numbers wherever they appear in a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                record.msg = record.getMessage()
            except (TypeError, ValueError):
                return True
            record.args = None
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        return True


def configure(level: str = "INFO") -> None:
    """Send logs to stderr with masking; safe to call more than once."""
    root = logging.getLogger()
    if not any(isinstance(h, logging.StreamHandler) and getattr(h, "_zgzj", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler._zgzj = True
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(MaskPersonalData())
        root.addHandler(handler)
    root.setLevel(level)


def init_app(app) -> None:
    """Configure logging for the web app."""
    configure(app.config["ZGZJ_CONFIG"].log_level)
