"""Routing of each inbound message to the handler that answers it, with the follower's state.

Order of precedence for a text: a number answering the last numbered choices; 继续 to resume
a paused form; the form in progress (unless the worker clearly starts another request, which
is answered while the form waits); otherwise the intent matcher, asking a clarifying
question with numbered choices when it is unsure.
"""
from __future__ import annotations

import logging
import time
from dataclasses import replace

from bot import forms
from bot.messages import Inbound, NoReply, Outcome, Reply, TextReply
from bot.turn import Turn
from bot.wiring import (ACTIONS, EVENT_HANDLERS, INTENT_HANDLERS, INTENTS_OF_FORM, LOCATION_MESSAGE_HANDLER,
                        TEXT_PATTERNS, form_named)

log = logging.getLogger(__name__)

FORM_IDLE_SECONDS = 30 * 60  # after this a half-filled form is put aside, kept for the session's lifetime


def respond(runtime, message: Inbound) -> Outcome:
    """Answer one message or event; saves the follower's conversation state."""
    runtime.matcher.reload_if_changed()  # an editor's change to content/nlu applies without a restart
    state = runtime.conversations.load(message.openid)
    turn = Turn.begin(runtime, message, state, text="")
    outcome = route(message, turn)
    if not runtime.conversations.save(message.openid, turn.state) and (turn.state.form or outcome.intent == "unknown"):
        # The store is down: a form's next answer would be forgotten (or already was). Say so plainly.
        return Outcome(TextReply(runtime.replies.get("form_briefly_unavailable")), intent=outcome.intent)
    return outcome


def route(message: Inbound, turn: Turn) -> Outcome:
    """Pick the handler for a message of any kind."""
    replies = turn.services.replies
    if message.kind == "event":
        if message.event == "click":
            target = turn.services.menu_keys.get(message.event_key) or {}
            if target.get("intent"):
                if turn.state.form:  # a menu click starts something else: keep the form for 继续
                    forms.pause(turn)
                return dispatch_intent(target["intent"], message, turn, text=target.get("text", ""))
            return Outcome(turn.main_menu(), intent="greeting_help")
        handler = EVENT_HANDLERS.get(message.event)
        reply = handler(turn) if handler else NoReply()
        if message.event == "subscribe":
            reply = turn.main_menu(reply.as_text())
        return Outcome(reply, intent=f"event:{message.event}")
    if message.kind in ("text", "voice"):
        if message.kind == "voice" and not message.text:
            return Outcome(TextReply(replies.get("voice_unrecognised")), intent="unknown")
        return route_text(message.text, message, turn)
    if message.kind == "image":
        return Outcome(_image(message, turn))
    if message.kind == "location":
        return Outcome(LOCATION_MESSAGE_HANDLER(turn))
    if message.kind == "link":
        return Outcome(TextReply(replies.get("link_received")))
    return Outcome(TextReply(replies.get("unsupported_message")), intent="unknown")


def _image(message: Inbound, turn: Turn) -> Reply:
    # A picture sent while a form that takes attachments is open is attached to it.
    if turn.state.form:
        attachments = turn.state.data.setdefault("attachments", [])
        attachments.append({"media_id": message.media_id, "url": message.picture_url})
        form = form_named(turn.state.form, turn.services)
        if form is not None:
            return TextReply(turn.say("image_attached", count=len(attachments), title=form.title,
                                      question=forms.current_question(form, turn)))
    return TextReply(turn.say("image_received"))


def route_text(text: str, message: Inbound, turn: Turn) -> Outcome:
    """Answer typed (or spoken) text."""
    state, replies = turn.state, turn.services.replies
    text = (text or "").strip()
    turn.text = text
    if not text:
        return Outcome(TextReply(replies.get("empty_message")), intent="unknown")
    number = _as_number(text)

    if number is not None and not state.form:
        choices = state.choices or _main_menu_targets(turn)
        if 1 <= number <= len(choices):
            return follow(choices[number - 1], message, turn)
        return Outcome(turn.main_menu(replies.get("choice_expired")), intent="unknown")

    if state.context.get("paused_form") and forms.is_resume(text, turn):
        kept = state.context["paused_form"]
        form = form_named(kept.get("form"), turn.services)
        if form is not None:
            return Outcome(forms.resume(form, turn, text), intent=_form_intent(form.name))
        state.context.pop("paused_form", None)

    notice = ""
    if state.form:
        form = form_named(state.form, turn.services)
        if form is None:  # a form of an older release
            forms.clear(turn)
        elif time.time() - (state.updated_at or time.time()) > FORM_IDLE_SECONDS:
            forms.pause(turn)
            notice = replies.get("form_idle", title=form.title)
        else:
            return _in_form(form, text, message, turn)

    outcome = _fresh_text(text, message, turn)
    if notice:
        outcome = replace(outcome, reply=_prepend(outcome.reply, notice))
    return outcome


def _in_form(form, text: str, message: Inbound, turn: Turn) -> Outcome:
    """A message while a form is open: an answer, a way out, or another request answered while the form waits."""
    state = turn.state
    if not forms.awaits_free_text(form, turn) and not forms.is_cancel(text, turn):
        # At the consent notice nothing is collected yet and no answer is a field: any clear
        # request (福利查询, 报名插花课) is answered, and the unstarted form is let go.
        at_consent = state.step == forms.CONSENT_STEP and not forms.is_consent_answer(text, turn)
        match = turn.services.matcher.classify(text, in_form=not at_consent)
        if at_consent and match.confident and match.intent not in INTENTS_OF_FORM.get(form.name, ()) + (
                "greeting_help",):
            forms.clear(turn)
            turn.match = match
            return dispatch_intent(match.intent, message, turn, text=text)
        if not at_consent and match.confident and match.intent not in INTENTS_OF_FORM.get(form.name, ()):
            return _aside(form, message, turn, lambda: dispatch_intent(match.intent, message, turn, text=text),
                          match)
    try:
        return Outcome(forms.advance(form, text, turn), intent=_form_intent(form.name))
    except forms.SideQuestion:
        # "插一句，年假有几天" instead of a phone number: answer it; the form waits for 继续.
        return _aside(form, message, turn, lambda: _fresh_text(text, message, turn))


def _aside(form, message: Inbound, turn: Turn, answer, match=None) -> Outcome:
    """Answer another request while the form waits; nothing typed so far is lost."""
    unstarted = turn.state.step == forms.CONSENT_STEP
    if unstarted:
        forms.clear(turn)  # nothing was collected: there is nothing to come back to
    else:
        forms.pause(turn)
    turn.match = match
    outcome = answer()
    if unstarted:
        return outcome
    return replace(outcome, reply=_append(outcome.reply, turn.say("form_paused", title=form.title)))


def _fresh_text(text: str, message: Inbound, turn: Turn) -> Outcome:
    """Text that is not an answer to a form or to numbered choices: patterns first, then the matcher."""
    state = turn.state
    state.choices = []
    turn.text = text
    for pattern, handler in TEXT_PATTERNS:
        turn.found = pattern.search(text)
        reply = handler(turn) if turn.found else None
        if reply is not None:  # a pattern handler returns None when the text is not its business after all
            return Outcome(reply, intent=state.last_intent)
    turn.found = None
    match = turn.services.matcher.classify(text)
    turn.match = match
    if not match.confident:
        return _clarify(match, turn)
    return dispatch_intent(match.intent, message, turn, text=text)


def _clarify(match, turn: Turn) -> Outcome:
    """Ask which service the worker means, offering the likeliest ones as numbers."""
    matcher, replies = turn.services.matcher, turn.services.replies
    options = [(matcher.label(intent), f"@intent:{intent}") for intent, score in match.candidates
               if score > 0 and intent != "out_of_scope"][:3]
    if not match.normalized:  # only emoji or punctuation (👍, ？？): a greeting, answered with the services
        return Outcome(turn.main_menu(replies.get("help_greeting")), intent="greeting_help", score=match.score)
    turn.state.context["pending_text"] = turn.text  # the chosen service then answers what was asked
    if not options:  # nothing recognised at all: the whole menu is the better question
        return Outcome(turn.main_menu(replies.get("not_understood")), intent="unknown", score=match.score)
    options.append(("都不是，看看全部服务", "@intent:greeting_help"))
    reply = turn.offer(replies.get("clarify"), options, replies.get("clarify_outro"))
    return Outcome(reply, intent="unknown", topic=match.topic, score=match.score)


def follow(target: str, message: Inbound, turn: Turn) -> Outcome:
    """Carry out a numbered choice."""
    turn.state.choices = []
    if target.startswith("@intent:"):
        intent = target.split(":", 1)[1]
        pending = turn.state.context.pop("pending_text", "")
        return dispatch_intent(intent, message, turn, text=pending)
    if target.startswith("@action:"):
        _, name, argument = (target.split(":", 2) + [""])[:3]
        action = ACTIONS.get(name)
        if action is None:  # a choice offered by an older release
            return Outcome(TextReply(turn.say("choice_expired")), intent="unknown")
        turn.argument = argument
        return Outcome(action(turn), intent=turn.state.last_intent)
    return route_text(target, message, turn)


def dispatch_intent(intent: str, message: Inbound, turn: Turn, text: str = "") -> Outcome:
    """Run the handler of an intent."""
    turn.text = text
    handler = INTENT_HANDLERS.get(intent)
    if handler is None:  # an intent in content/nlu with no handler: refused by `content check`, logged here
        log.error("no handler for intent %s", intent)
        reply: Reply = TextReply(turn.say("service_unavailable", service=turn.services.matcher.label(intent)))
    else:
        reply = handler(turn)
    match = turn.match
    topic = match.topic if match is not None and match.intent == intent else None
    turn.state.last_intent, turn.state.last_topic = intent, topic or turn.state.last_topic
    return Outcome(reply, intent=intent, topic=topic, score=match.score if match is not None else None)


def _form_intent(form_name: str) -> str | None:
    return (INTENTS_OF_FORM.get(form_name) or (None,))[0]


def _main_menu_targets(turn: Turn) -> list[str]:
    menu = turn.services.content_file("main_menu.yaml").load()
    return [item["target"] for item in menu["items"]]


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _as_number(text: str) -> int | None:
    """A reply that is just a small number ("2", "２", "2。")."""
    cleaned = text.translate(_FULL_WIDTH_DIGITS).strip().strip("。.、 ")
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 2 else None


def _append(reply: Reply, note: str) -> Reply:
    return TextReply(f"{reply.as_text().rstrip()}\n\n{note.strip()}") if isinstance(reply, TextReply) else reply


def _prepend(reply: Reply, note: str) -> Reply:
    return TextReply(f"{note.strip()}\n\n{reply.as_text()}") if isinstance(reply, TextReply) else reply
