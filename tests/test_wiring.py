"""The chat's wiring: every intent, form and numbered choice reaches a function of one turn."""
from __future__ import annotations

import inspect

import pytest

from bot import wiring
from bot.nlu.matcher import INTENTS
from bot.turn import Turn


def test_every_intent_of_the_content_has_a_handler_and_nothing_else_does():
    assert set(INTENTS) == set(wiring.INTENT_HANDLERS)


def _one_turn(function) -> bool:
    parameters = list(inspect.signature(function).parameters.values())
    return len(parameters) >= 1 and parameters[0].name == "turn" and all(
        p.default is not inspect.Parameter.empty for p in parameters[1:])


HANDLERS = [*wiring.INTENT_HANDLERS.values(), *wiring.ACTIONS.values(), *wiring.EVENT_HANDLERS.values(),
            *(handler for _pattern, handler in wiring.TEXT_PATTERNS), wiring.LOCATION_MESSAGE_HANDLER]


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda h: f"{h.__module__}.{h.__name__}")
def test_every_handler_takes_one_turn(handler):
    assert _one_turn(handler), f"{handler.__module__}.{handler.__name__} must be handle(turn)"


@pytest.mark.parametrize("name", sorted(wiring.FORM_BUILDERS))
def test_every_form_is_built_from_the_content_and_each_step_takes_the_turn(runtime, name):
    form = wiring.form_named(name, runtime)
    assert form.name == name and form.fields
    assert all(field.prompt for field in form.fields if field.asked), "every question asked has its wording"
    for step in [form.submit, *(f.check for f in form.fields), form.guard, form.prefill]:
        if step is not None:
            assert _one_turn(step), f"{name}: {step} must take the turn"


def test_a_form_name_from_an_older_release_is_let_go(runtime):
    assert wiring.form_named("no_such_form", runtime) is None


def test_a_numbered_choice_starts_a_form_by_name_and_resumes_a_paused_one(runtime):
    from bot import forms

    turn = Turn.begin(runtime, "o_wiring", argument="mailbox")
    assert "主席信箱" in wiring.start_named_form(turn).as_text() and turn.state.form == "mailbox"
    forms.pause(turn)
    assert turn.state.form is None
    wiring.resume_paused_form(turn)
    assert turn.state.form == "mailbox"
    turn.state.context.pop("paused_form", None)
    forms.clear(turn)
    assert "没有填到一半" in wiring.resume_paused_form(turn).as_text()


def test_records_that_follow_a_person_have_a_person_id():
    from bot.services.people import MERGEABLE_TABLES
    from bot.storage.models import Base

    for table in MERGEABLE_TABLES:
        assert "person_id" in Base.metadata.tables[table].columns, table
