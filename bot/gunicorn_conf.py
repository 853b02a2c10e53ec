"""Gunicorn settings for `python -m bot serve` and `run` (and the deploy line in the README).

WeChat puts the follower's openid in the query string of every /wechat request, so the access
log writes the path without its query string, and every gunicorn log line goes through the same
masking filter as the service's own logs.
"""
from __future__ import annotations

import logging

# Like gunicorn's default, with %(U)s (path only) where the default has %(r)s (method, path and query).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'


def _mask_gunicorn_logs() -> None:
    from bot.logging_setup import MaskPersonalData

    for name in ("gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskPersonalData) for f in logger.filters):
            logger.addFilter(MaskPersonalData())


def on_starting(server) -> None:
    """Mask the master's and (inherited by fork) the workers' log lines."""
    _mask_gunicorn_logs()


def post_worker_init(worker) -> None:
    """Mask again in the worker: a reload sets up gunicorn's loggers afresh."""
    _mask_gunicorn_logs()
