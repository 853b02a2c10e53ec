"""Guided forms in the chat: consent, one question at a time, checks with hints, summary, confirm.

A form is declared as data (a Form with its Fields); this module runs any form against the
follower's ConversationState, so the join form, complaints, reports, letters and hardship aid
all behave alike: 取消/算了/退出 leave at any step, a wrong answer is asked again with a
specific hint, and the worker confirms a summary before anything is submitted.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from bot.messages import Reply, TextReply

log = logging.getLogger(__name__)

CANCEL_WORDS = {"取消", "算了", "退出", "不填了", "不办了", "不要了", "结束", "取消填写", "退出填写"}
YES_WORDS = {"同意", "是", "好", "好的", "可以", "确认", "确定", "1", "嗯", "行", "对", "没问题", "同意并继续"}
NO_WORDS = {"不同意", "否", "不", "不行", "不要", "2"}
SKIP_WORDS = {"跳过", "无", "没有", "不填", "略"}
RESUME_WORDS = {"继续", "继续填写", "接着填", "继续申请", "继续入会", "接着办", "恢复"}
MAX_WRONG_ANSWERS = 3

CONSENT_STEP = "_consent"
CONFIRM_STEP = "_confirm"
EDIT_STEP = "_edit"


class FieldInvalid(ValueError):
    """An answer failed its check; `hint` tells the worker what is expected."""

    def __init__(self, hint: str):
        super().__init__(hint)
        self.hint = hint


@dataclass(frozen=True)
class Field:
    """One question of a form."""

    name: str
    prompt: str
    label: str  # how the summary names it
    check: Callable[[Any], Any] = lambda turn: turn.text  # (turn) -> cleaned value of turn.text, or raise FieldInvalid
    display: Callable[[Any], str] = lambda value: str(value)  # summary display (mask personal data here)
    ask_if: Callable[[dict], bool] | None = None  # skip this question unless it returns True
    optional: bool = False  # 跳过 leaves it empty
    free_text: bool = False  # a story in the worker's words: never read as the start of another request


@dataclass(frozen=True)
class Form:
    """A guided form: its questions and what to do with the answers."""

    name: str
    title: str  # e.g. 入会申请
    fields: tuple[Field, ...]
    submit: Callable[[Any], Reply]  # (turn) -> reply, the answers in turn.answers; raise FieldInvalid to re-ask
    intro: str = ""
    consent_notice: str = ""  # when set, the worker must agree before the first question
    prefill: Callable[[Any], dict] | None = None  # answers known already (e.g. the verified phone)
    guard: Callable[[Any], Reply | None] | None = None  # a reply instead of starting (e.g. already applied)
    extra: dict = field(default_factory=dict)

    def field(self, name: str) -> Field:
        """Return the field called name."""
        return next(f for f in self.fields if f.name == name)


def start(form: Form, turn) -> Reply:
    """Begin a form (or refuse through its guard)."""
    if form.guard is not None:
        refusal = form.guard(turn)
        if refusal is not None:
            return refusal
    state = turn.state
    state.form, state.data, state.choices = form.name, {}, []
    state.context.pop("paused_form", None)
    state.context["wrong_answers"] = 0
    if form.prefill is not None:
        state.data.update(form.prefill(turn) or {})
    head = "\n".join(p for p in (form.intro.strip(), form.consent_notice.strip()) if p)
    if form.consent_notice:
        state.step = CONSENT_STEP
        return TextReply(f"{head}\n\n回复“同意”开始填写，回复“取消”退出。")
    return TextReply(f"{head}\n\n{_ask_next(form, turn)}".strip())


def _agrees(text: str) -> bool:
    """同意, 好的，同意, 我同意: a yes to the consent notice (not 不同意, not a question about it)."""
    answer = _clean(text)
    if answer in YES_WORDS:
        return True
    return "同意" in answer and not _refuses(answer) and not re.search(r"[?？吗么]", answer)


def _refuses(text: str) -> bool:
    answer = _clean(text)
    return answer in NO_WORDS or bool(re.search(r"[不没]\S?同意", answer))


def is_consent_answer(text: str) -> bool:
    """Is this a yes or a no to the consent notice?"""
    return _agrees(text) or _refuses(text)


def is_cancel(text: str) -> bool:
    """Does the worker want to leave the form?"""
    return _clean(text) in CANCEL_WORDS


def advance(form: Form, text: str, turn) -> Reply:
    """Take the worker's answer to the current step and ask the next question."""
    state = turn.state
    answer = text.strip()
    if is_cancel(answer):
        return cancel(form, turn)
    if state.step == CONSENT_STEP:
        if _agrees(answer):
            state.data["consent"] = True
            return TextReply(_ask_next(form, turn))
        if _refuses(answer):
            cancel(form, turn)
            return TextReply(f"好的，没有您的同意我们不会收集任何信息，{form.title}已取消。需要时随时回来。")
        return TextReply("请回复“同意”继续，或回复“取消”退出。")
    if state.step == CONFIRM_STEP:
        return _confirm(form, answer, turn)
    if state.step == EDIT_STEP:
        return _choose_field_to_edit(form, answer, turn)
    current = _current_field(form, state.step)
    if current is None:  # the form changed under the worker (content update): start the summary over
        return TextReply(_ask_next(form, turn))
    if current.optional and _clean(answer) in SKIP_WORDS:
        value: Any = ""
    else:
        try:
            turn.text = answer
            value = current.check(turn)
        except FieldInvalid as invalid:
            state.context["wrong_answers"] = state.context.get("wrong_answers", 0) + 1
            hint = invalid.hint
            if state.context["wrong_answers"] >= MAX_WRONG_ANSWERS:
                hint += "\n如果填写有困难，回复“转人工”由工作人员帮您，回复“取消”退出。"
            return TextReply(f"{hint}\n{current.prompt}")
    state.context["wrong_answers"] = 0
    state.data[current.name] = value
    state.context.pop("editing", None)
    # After an edit this goes straight back to the summary, unless the change needs a new answer.
    return TextReply(_ask_next(form, turn))


def cancel(form: Form, turn) -> Reply:
    """Leave the form and forget the answers."""
    clear(turn)
    return TextReply(f"已退出{form.title}，填写的内容没有保存。需要时回复“菜单”重新开始。")


def clear(turn) -> None:
    """Forget the form in progress."""
    state = turn.state
    state.form, state.step, state.data = None, None, {}
    state.context.pop("paused_form", None)
    state.context.pop("editing", None)


def pause(turn) -> dict | None:
    """Put the form in progress aside (the worker asked something else); return what was kept."""
    state = turn.state
    if not state.form:
        return None
    kept = {"form": state.form, "step": state.step, "data": state.data}
    state.context["paused_form"] = kept
    state.form, state.step, state.data = None, None, {}
    return kept


def resume(form: Form, turn) -> Reply:
    """Continue a paused form where the worker left it."""
    state = turn.state
    kept = state.context.pop("paused_form", None) or {}
    state.form, state.step, state.data = form.name, kept.get("step"), kept.get("data", {})
    question = current_question(form, turn)
    return TextReply(f"好的，我们接着填写{form.title}。\n{question}")


def awaits_free_text(form: Form, turn) -> bool:
    """Is the form waiting for a story, where anything the worker writes is the answer?"""
    current = _current_field(form, turn.state.step)
    return bool(current and current.free_text)


def current_question(form: Form, turn) -> str:
    """The question the form is waiting on, asked again."""
    state = turn.state
    if state.step == CONSENT_STEP:
        return f"{form.consent_notice.strip()}\n\n回复“同意”开始填写，回复“取消”退出。"
    if state.step == CONFIRM_STEP:
        return _summary(form, turn).as_text()
    current = _current_field(form, state.step)
    return current.prompt if current else _ask_next(form, turn)


def _current_field(form: Form, step: str | None) -> Field | None:
    return next((f for f in form.fields if f.name == step), None)


def _pending_fields(form: Form, data: dict) -> list[Field]:
    return [f for f in form.fields if f.name not in data and (f.ask_if is None or f.ask_if(data))]


def _ask_next(form: Form, turn) -> str:
    pending = _pending_fields(form, turn.state.data)
    if not pending:
        return _summary(form, turn).as_text()
    turn.state.step = pending[0].name
    return pending[0].prompt


def _visible(form: Form, data: dict) -> list[Field]:
    return [f for f in form.fields if f.name in data and (f.ask_if is None or f.ask_if(data))]


def _summary(form: Form, turn) -> TextReply:
    state = turn.state
    state.step = CONFIRM_STEP
    lines = [f"请核对您的{form.title}："]
    for item in _visible(form, state.data):
        value = state.data[item.name]
        lines.append(f"· {item.label}：{item.display(value) if value not in ('', None) else '未填'}")
    lines.append("\n回复数字：\n1 确认提交\n2 修改\n3 取消")
    return TextReply("\n".join(lines))


def _confirm(form: Form, answer: str, turn) -> Reply:
    choice = _clean(answer)
    if choice in {"1", "确认", "确认提交", "提交", "确定", "是", "对", "没问题"}:
        turn.answers = dict(turn.state.data)
        try:
            reply = form.submit(turn)
        except FieldInvalid as invalid:
            # A rule only the domain can check (e.g. an open application exists): explain, keep the answers.
            return TextReply(f"{invalid.hint}\n\n回复数字：\n1 确认提交\n2 修改\n3 取消")
        clear(turn)
        return reply
    if choice in {"2", "修改", "改"}:
        turn.state.step = EDIT_STEP
        fields = _visible(form, turn.state.data)
        options = "\n".join(f"{i} {f.label}" for i, f in enumerate(fields, 1))
        return TextReply(f"要修改哪一项？回复数字：\n{options}")
    if choice in {"3", "取消"}:
        return cancel(form, turn)
    return TextReply("请回复数字：1 确认提交，2 修改，3 取消。")


def _choose_field_to_edit(form: Form, answer: str, turn) -> Reply:
    fields = _visible(form, turn.state.data)
    choice = _clean(answer)
    chosen = None
    if choice.isdigit() and 1 <= int(choice) <= len(fields):
        chosen = fields[int(choice) - 1]
    else:
        chosen = next((f for f in fields if f.label == choice), None)
    if chosen is None:
        return TextReply(f"请回复 1 到 {len(fields)} 之间的数字，选择要修改的项目。")
    turn.state.step = chosen.name
    turn.state.context["editing"] = True
    return TextReply(chosen.prompt)


def _clean(text: str) -> str:
    return text.strip().strip("。.!！~～ ").replace("“", "").replace("”", "")


def is_resume(text: str) -> bool:
    """Does the worker want to continue a paused form?"""
    return _clean(text) in RESUME_WORDS
