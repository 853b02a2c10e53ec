"""The chat's capabilities: one module each, plain functions `handle(user, message, ctx) -> Reply`.

The dialogue finds them here by name, so adding a capability is one line in a table.
"""
from __future__ import annotations

from bot.registry import resolve  # noqa: F401  (handlers.resolve is what the dialogue uses)

# intent label -> "module:function"
INTENT_HANDLERS = {
    "join_union": "handlers.join_union:handle",
    "membership_query": "handlers.membership:handle",
    "legal_consult": "handlers.legal:handle",
    "rights_complaint": "handlers.tickets:handle_complaint",
    "report": "handlers.tickets:handle_report",
    "chairman_mailbox": "handlers.tickets:handle_mailbox",
    "hardship_aid": "handlers.tickets:handle_hardship",
    "benefit_query": "handlers.benefits:handle",
    "activity": "handlers.activities:handle",
    "greeting_help": "handlers.help:handle",
    "human_agent": "handlers.human_agent:handle",
    "out_of_scope": "handlers.help:out_of_scope",
}

# form name -> "module:FORM" (bot.forms.Form)
FORMS = {
    "join_union": "handlers.join_union:FORM",
    "complaint": "handlers.tickets:COMPLAINT_FORM",
    "report": "handlers.tickets:REPORT_FORM",
    "mailbox": "handlers.tickets:MAILBOX_FORM",
    "hardship": "handlers.tickets:HARDSHIP_FORM",
    "legal_aid": "handlers.tickets:LEGAL_AID_FORM",
}

# "@action:name:argument" choices -> "module:function" taking (user, message, ctx, argument)
ACTIONS = {
    "faq": "handlers.legal:show_entry",
    "faq_unhelpful": "handlers.legal:not_helpful",
    "counsellor": "handlers.legal:hand_to_counsellor",
    "legal_aid": "handlers.legal:legal_aid",
    "benefit": "handlers.benefits:show_benefit",
    "activity": "handlers.activities:show_activity",
    "sign_up": "handlers.activities:sign_up",
    "waitlist": "handlers.activities:join_waiting_list",
    "cancel_sign_up": "handlers.activities:cancel_sign_up",
    "my_activities": "handlers.activities:my_activities",
    "start_form": "handlers.forms_entry:start_named_form",
    "resume_form": "handlers.forms_entry:resume_paused_form",
    "ticket": "handlers.tickets:show_ticket",
}

# Text that is recognised by its shape before the intent matcher runs, e.g. a ticket number:
# (regular expression, "module:function" taking (user, message, ctx, match_object)).
TEXT_PATTERNS: list[tuple[str, str]] = [
    (r"(?i)(?<![a-z])(WQ|JB|XX|BF|ZX|YZ|HD)\d{8}-?\d{3,}|^(查询|查看|我的)(工单|投诉|举报|来信)(进度)?$",
     "handlers.tickets:show_ticket_by_pattern"),
    (r"^(没用|没有用|没啥用|没帮助|没有帮助|没帮上|不是这个|不是我要问的|不是我问的|答非所问|没解决|没有解决)", "handlers.legal:follow_up_unhelpful"),
    (r"^(那|那么|还有)?[^，。,？?]{1,12}呢[？?。！!~～]*$", "handlers.benefits:follow_up"),
]
