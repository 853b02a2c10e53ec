"""Logging: one line per event; personal numbers and openids masked in every record, tracebacks included."""
from __future__ import annotations

import logging
import sys

from bot.security import mask_text

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_TRACEBACKS = logging.Formatter()


class MaskPersonalData(logging.Filter):
    """Mask ID card and mobile numbers (any writing) and openids in a record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                record.msg = record.getMessage()
            except (TypeError, ValueError, KeyError):
                record.msg = f"{record.msg} (arguments hidden: they did not fit the message)"
            record.args = None
        if not isinstance(record.msg, str):
            record.msg = str(record.msg)
        record.msg = mask_text(record.msg)
        # An exception's text can quote what the worker wrote: format it now, masked, so the
        # formatter prints this text instead of the raw one.
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def masked_handler(stream=None) -> logging.Handler:
    """A stream handler (stderr by default) that masks personal data in everything it writes."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(MaskPersonalData())
    return handler


def configure(level: str = "INFO") -> None:
    """Send logs to stderr with masking; safe to call more than once."""
    root = logging.getLogger()
    if not any(isinstance(h, logging.StreamHandler) and getattr(h, "_zgzj", False) for h in root.handlers):
        handler = masked_handler()
        handler._zgzj = True
        root.addHandler(handler)
    root.setLevel(level)


def init_app(app) -> None:
    """Configure logging for the web app."""
    configure(app.config["ZGZJ_CONFIG"].log_level)
