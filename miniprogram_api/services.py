"""The domain services the API reuses: one rule, two front doors.

Every service is the runtime's own (bot/runtime.py builds each with what it uses), shared with
the chat and the CLI. Nothing here decides anything: the services do.
"""
from __future__ import annotations

from flask import current_app


def runtime():
    """The process's runtime (configuration, database, store, WeChat client, services)."""
    return current_app.extensions["zgzj"]


def people():
    """Who is who across the service account and the mini-program."""
    return runtime().people


def places():
    """Zhejiang's cities and districts."""
    return runtime().places


def legal_faq():
    """The legal FAQ."""
    return runtime().legal_faq


def benefits():
    """The benefits catalogue."""
    return runtime().benefits


def membership():
    """Applications to join the union and member cards."""
    return runtime().membership


def activities():
    """Activities, sign-ups and waiting lists."""
    return runtime().activities


def tickets():
    """Consultations, complaints, reports, letters to the chairman, hardship aid."""
    return runtime().tickets
