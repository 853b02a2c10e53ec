"""Starting and resuming guided forms from a numbered choice."""
from __future__ import annotations

from bot import forms
from bot.messages import Reply, TextReply
from handlers import FORMS, resolve


def start_named_form(user, message, ctx, form_name: str) -> Reply:
    """Start the form called form_name."""
    form = resolve(FORMS[form_name])
    return forms.start(form, ctx)


def resume_paused_form(user, message, ctx, _argument: str = "") -> Reply:
    """Continue the form the worker put aside."""
    kept = ctx.state.context.get("paused_form")
    if not kept:
        return TextReply("您目前没有填到一半的表格。回复“菜单”看看我能帮您做什么。")
    return forms.resume(resolve(FORMS[kept["form"]]), ctx)
