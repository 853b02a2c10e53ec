"""The domain services the API reuses: one rule, two front doors.

Each comes from the runtime when the runtime offers it (shared with the chat), otherwise it is
built once per app from the same classes. Nothing here decides anything: the services do.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import current_app


def runtime():
    """The process's runtime (configuration, database, store, WeChat client, services)."""
    return current_app.extensions["zgzj"]


def _service(name: str, build: Callable[[Any], Any]) -> Any:
    rt = runtime()
    shared = getattr(rt, name, None)
    if shared is not None:
        return shared
    cache = current_app.extensions["zgzj_api"]
    if name not in cache:
        cache[name] = build(rt)
    return cache[name]


def people():
    """Who is who across the service account and the mini-program."""
    return runtime().people


def legal_faq():
    """The legal FAQ."""
    from bot.services.legal_faq import LegalFAQ

    return _service("legal_faq", lambda rt: LegalFAQ.load(rt.content_dir, tokenize=rt.tokenizer.tokens))


def benefits():
    """The benefits catalogue."""
    from bot.services.benefits import BenefitCatalogue

    return _service("benefits", lambda rt: BenefitCatalogue.load(rt.content_dir))


def membership():
    """Applications to join the union and member cards."""
    from bot.services.membership import MembershipService

    return _service("membership", MembershipService)


def activities():
    """Activities, sign-ups and waiting lists."""
    from bot.services.activities import ActivityService

    return _service("activities", ActivityService)


def tickets():
    """Consultations, complaints, reports, letters to the chairman, hardship aid."""
    from bot.services.tickets import TicketService

    return _service("tickets", TicketService)
