"""The chat's composition root: which function answers what, by reference.

Every handler, action, text pattern, event handler and form the dialogue can reach is listed
here as a Python reference, so a reader (or an IDE) can follow any reply to the function that
produced it, and a missing piece is an ImportError at start-up, never a silently skipped rule.
Services themselves are built in bot/runtime.py, each with exactly what it uses.

All of these are plain functions of one bot.turn.Turn returning a Reply; forms are built per
turn from the current content (an editor's change applies to the next question asked).
"""
from __future__ import annotations

import re
from typing import Callable

from bot import forms
from bot.forms import Form
from bot.messages import Reply, TextReply
from bot.turn import Turn
from handlers import (activities, benefits, events, help, human_agent, join_union, legal, membership, privacy,
                      satisfaction, staff_binding, tickets)

Handler = Callable[[Turn], Reply]

# intent label (content/nlu/intents.yaml) -> handler
INTENT_HANDLERS: dict[str, Handler] = {
    "join_union": join_union.handle,
    "membership_query": membership.handle,
    "legal_consult": legal.handle,
    "rights_complaint": tickets.handle_complaint,
    "report": tickets.handle_report,
    "chairman_mailbox": tickets.handle_mailbox,
    "hardship_aid": tickets.handle_hardship,
    "benefit_query": benefits.handle,
    "activity": activities.handle,
    "greeting_help": help.handle,
    "human_agent": human_agent.handle,
    "out_of_scope": help.out_of_scope,
}

# form name -> builder of the form from the current content: (services) -> Form
FORM_BUILDERS: dict[str, Callable[..., Form]] = {
    "join_union": join_union.build_form,
    "complaint": tickets.build_complaint_form,
    "report": tickets.build_report_form,
    "mailbox": tickets.build_mailbox_form,
    "hardship": tickets.build_hardship_form,
    "legal_aid": tickets.build_legal_aid_form,
}

# What each form is about: a message with one of these intents continues the form, it does not interrupt it.
INTENTS_OF_FORM: dict[str, tuple[str, ...]] = {
    "join_union": ("join_union",),
    "complaint": ("rights_complaint", "legal_consult", "report"),
    "report": ("report", "rights_complaint"),
    "mailbox": ("chairman_mailbox", "report"),
    "hardship": ("hardship_aid",),
    "legal_aid": ("legal_consult", "rights_complaint"),
}


def form_named(name: str | None, services) -> Form | None:
    """The form called name with today's wording, or None for a name no longer offered."""
    builder = FORM_BUILDERS.get(name or "")
    return builder(services) if builder is not None else None


def start_named_form(turn: Turn) -> Reply:
    """"@action:start_form:<name>": start that form."""
    form = form_named(turn.argument, turn.services)
    if form is None:
        return TextReply(turn.say("choice_expired"))
    return forms.start(form, turn)


def resume_paused_form(turn: Turn) -> Reply:
    """"@action:resume_form:": continue the form the worker put aside."""
    kept = turn.state.context.get("paused_form") or {}
    form = form_named(kept.get("form"), turn.services)
    if form is None:
        turn.state.context.pop("paused_form", None)
        return TextReply(turn.say("no_paused_form"))
    return forms.resume(form, turn)


# "@action:<name>:<argument>" choices -> handler (the argument is turn.argument)
ACTIONS: dict[str, Handler] = {
    "faq": legal.show_entry,
    "faq_unhelpful": legal.not_helpful,
    "counsellor": legal.hand_to_counsellor,
    "legal_aid": legal.legal_aid,
    "benefit": benefits.show_benefit,
    "activity": activities.show_activity,
    "sign_up": activities.sign_up,
    "waitlist": activities.join_waiting_list,
    "companions": activities.change_companions,
    "cancel_sign_up": activities.cancel_sign_up,
    "my_activities": activities.my_activities,
    "start_form": start_named_form,
    "resume_form": resume_paused_form,
    "ticket": tickets.show_ticket,
    "erase_my_data": privacy.erase_my_data,
    "rate": satisfaction.rate_choice,
    "rate_activity": satisfaction.rate_activity_choice,
}

# Text recognised by its shape before the intent matcher runs (the match is turn.found). A pattern
# handler returns None when the text is not its business after all, and routing goes on.
TEXT_PATTERNS: list[tuple[re.Pattern, Callable[[Turn], Reply | None]]] = [
    (staff_binding.PATTERN, staff_binding.bind),  # "绑定 12345678": a staff member binds their WeChat
    # Before the ticket number: "评价 WQ20261127-001 5" rates the ticket rather than showing it.
    (re.compile(satisfaction.PATTERN, re.IGNORECASE), satisfaction.rate),
    # 满意 / 基本满意 / 不满意 (or 一般) right after the question in an answer's notice (None when no question is pending).
    (satisfaction.WORDS_PATTERN, satisfaction.rate_in_words),
    # The sentence after 不满意: why (None when no reason is awaited, or when it starts another request).
    (re.compile(r"^.+$", re.DOTALL), satisfaction.unsatisfied_reason),
    (re.compile(r"(?i)(?<![a-z])(WQ|JB|XX|BF|ZX|YZ|HD)\d{8}-?\d{3,}|^(查询|查看|我的)(工单|投诉|举报|来信)(进度)?$"),
     tickets.show_ticket_by_pattern),
    (re.compile(r"(单号|工单号|编号|工单).{0,6}(找不到|忘了|忘记|丢了|记不得|不记得|不见了)"
                r"|(忘了|忘记|找不到|不记得).{0,4}(单号|工单号|编号|工单)"), tickets.forgot_number),
    (re.compile(r"^(没用|没有用|没啥用|没帮助|没有帮助|没帮上|不是这个|不是我要问的|不是我问的|答非所问|没解决|没有解决)"),
     legal.follow_up_unhelpful),
    (re.compile(r"^(请|请帮我|帮我|我要|我想)?(删除|注销|清除|删掉)(我的)?(全部|所有)?(个人)?(信息|资料|数据)[。！!]?$"),
     privacy.ask_to_erase),
    (re.compile(r"^(查看|查询|看看)?我的(个人)?(信息|资料|数据)[？?。]?$"), privacy.show_my_data),
    (re.compile(r"^(那|那么|还有)?[^，。,？?]{1,12}呢[？?。！!~～]*$"), benefits.follow_up),
    (activities.FOLLOW_UP_PATTERN, activities.follow_up),  # "第二个", "那排个队吧" right after activities were shown
]

# WeChat event (lower case) -> handler
EVENT_HANDLERS: dict[str, Handler] = events.EVENT_HANDLERS

# A location sent as a message (not the periodic event): recorded, and acknowledged to the worker.
LOCATION_MESSAGE_HANDLER: Handler = events.on_location_message
