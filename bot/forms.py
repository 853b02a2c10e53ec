"""Guided forms in the chat: consent, questions answered in the worker's own words, summary, confirm.

A form is declared as data (a Form with its Fields); this module runs any form against the
follower's ConversationState, so the join form, complaints, reports, letters and hardship aid
all behave alike:
- answers are read from free text: "我叫陈小兵" answers the name, "电话 158-6712-3345" the phone,
  and one message may answer several questions at once ("乐清的，手机13712349876");
- the worker leaves in their own words (算了吧 / 我还是不告了), puts the form aside (等会再说) and
  comes back with 继续;
- a message that is not an answer but another question ("插一句，年假有几天") is answered by the
  dialogue while the form waits (`SideQuestion`);
- a wrong answer is asked again with a specific hint; the worker confirms a summary in words
  ("没错 交吧", "电话写错了") or by number before anything is submitted.

What a reply means is read by bot.understanding (words in content/understanding/); every
sentence this module says is in content/replies/forms.yaml.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

from bot.messages import Reply, TextReply
from bot.understanding import Act, Reading
from bot.validation import FieldInvalid

log = logging.getLogger(__name__)

MAX_WRONG_ANSWERS = 3
SKIP_WORDS = {"跳过", "无", "没有", "不填", "略", "不知道", "不清楚", "不记得了", "不记得"}

CONSENT_STEP = "_consent"
CONFIRM_STEP = "_confirm"
EDIT_STEP = "_edit"

_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
NO_READING = Reading(Act.NOTHING)
SPANS_KEY = "_spans"
PERSONAL_SLOTS = frozenset({"name", "phone", "id_number"})
CHINA_OFFSET = timedelta(hours=8)  # turn.now is naive UTC; "下周日" and "去年十月" are meant in China time
# Words that only say what a piece of an answer is ("手机13712349876", "名字王芳").
LABEL_WORDS = re.compile(r"手机号码|手机号|手机|电话号码|电话|联系方式|身份证号码|身份证号|身份证|姓名是|名字是|姓名|名字|我叫|叫我")


class SideQuestion(Exception):
    """The message asks something else (or asks for a person): the dialogue answers it while the form waits."""


@dataclass(frozen=True)
class Field:
    """One question of a form."""

    name: str
    prompt: str
    label: str  # how the summary names it
    check: Callable[[Any], Any] = lambda turn: turn.text  # (turn) -> cleaned value of turn.text, or raise FieldInvalid
    display: Callable[[Any], str] = lambda value: str(value)  # summary display (mask personal data here)
    ask_if: Callable[[dict], bool] | None = None  # skip this question unless it returns True
    optional: bool = False  # 跳过 / 不清楚 leaves it empty
    free_text: bool = False  # a story in the worker's words: never read as the start of another request
    slot: str | None = None  # the bot.understanding slot that answers it from free text (name, phone, city...)
    in_summary: bool = True
    asked: bool = True  # False: never asked, only filled when the worker mentions it (涉及金额 in the story)
    slot_first: bool = True  # the slot's value before the whole answer ("我叫陈小兵" -> 陈小兵); False for names
    # of things, where the whole answer is usually the name and a slot reader may cut it short


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


# ---- starting, leaving, pausing -------------------------------------------------------------


def start(form: Form, turn) -> Reply:
    """Begin a form (or refuse through its guard); what the first message already said is kept."""
    if form.guard is not None:
        refusal = form.guard(turn)
        if refusal is not None:
            return refusal
    state = turn.state
    state.form, state.data, state.choices, state.step = form.name, {}, [], None
    state.context.pop("paused_form", None)
    state.context["wrong_answers"] = 0
    if form.prefill is not None:
        state.data.update(form.prefill(turn) or {})
    if turn.text:  # "我要维权，乐清的厂欠我们二十几个人三万多": what it already says is not asked again
        _fill_others(form, None, turn.text, _slots(turn.text, turn), turn, personal=False)
    head = "\n".join(p for p in (form.intro.strip(), form.consent_notice.strip()) if p)
    if form.consent_notice:
        state.step = CONSENT_STEP
        return TextReply(f"{head}\n\n{turn.say('form_consent_prompt')}")
    return TextReply(f"{head}\n\n{_ask_next(form, turn)}".strip())


def cancel(form: Form, turn) -> Reply:
    """Leave the form and forget the answers."""
    clear(turn)
    return TextReply(turn.say("form_cancelled", title=form.title))


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


def resume(form: Form, turn, text: str = "") -> Reply:
    """Continue a paused form where the worker left it; "嗯继续吧 手机137…" also answers the question."""
    state = turn.state
    kept = state.context.pop("paused_form", None) or {}
    state.form, state.step, state.data = form.name, kept.get("step"), kept.get("data", {})
    current = _current_field(form, state.step)
    if text and current is not None and _slots(text, turn).get(SPANS_KEY):
        try:
            answered = _answer(form, current, text, turn)
            return TextReply(turn.say("form_resumed", title=form.title, question=answered.as_text()))
        except SideQuestion:
            pass  # more than an answer in it: just ask the question again
    return TextReply(turn.say("form_resumed", title=form.title, question=current_question(form, turn)))


def is_resume(text: str, turn) -> bool:
    """Does the worker want to continue a paused form (继续 / 接着填 / 嗯继续吧)?"""
    return turn.services.understanding.reading_of_reply(text).act is Act.RESUME


def is_cancel(text: str, turn) -> bool:
    """Does the worker want to leave the form (取消 / 算了吧 不想惹麻烦 / 我还是不告了)?"""
    return turn.services.understanding.reading_of_reply(text).act is Act.CANCEL


def is_consent_answer(text: str, turn) -> bool:
    """Is this a yes or a no to the consent notice?"""
    act = turn.services.understanding.reading_of_reply(text).act
    return act in (Act.YES, Act.CONFIRM, Act.NO, Act.CANCEL)


# ---- one answer -------------------------------------------------------------------------------


def advance(form: Form, text: str, turn) -> Reply:
    """Take the worker's message at the current step and ask what is still missing.

    Raises SideQuestion when the message is not an answer but another question or a request for a
    person: the dialogue answers that, and the form waits.
    """
    state = turn.state
    answer = text.strip()
    current = _current_field(form, state.step)
    # A bare number answers the question asked (a numbered choice), never "cancel" or "confirm" by itself.
    is_number = _clean(answer).translate(_FULL_WIDTH_DIGITS).isdigit()
    reading = NO_READING if is_number else turn.services.understanding.reading_of_reply(answer)
    if reading.act is Act.CANCEL and not (current and current.free_text and len(answer) > 12):
        return cancel(form, turn)
    if reading.act is Act.PAUSE:
        pause(turn)
        return TextReply(turn.say("form_put_aside", title=form.title))
    if reading.act is Act.HANDOFF:
        raise SideQuestion(answer)
    if reading.act is Act.RESUME and not _slots(answer, turn).get(SPANS_KEY):
        # "继续" while the form is already open is not an answer: ask the question again.
        return TextReply(current_question(form, turn))
    if state.step == CONSENT_STEP:
        return _consent(form, answer, reading, turn)
    if state.step == CONFIRM_STEP:
        return _confirm(form, answer, reading, turn)
    if state.step == EDIT_STEP:
        return _choose_field_to_edit(form, answer, reading, turn)
    if current is None:  # the form changed under the worker (content update): ask what is missing
        return TextReply(_ask_next(form, turn))
    return _answer(form, current, answer, turn)


def _answer(form: Form, current: Field, answer: str, turn) -> Reply:
    state = turn.state
    found = _slots(answer, turn)
    spans = found.get(SPANS_KEY, ())
    if spans and not found.get(current.slot) and not _remainder(answer, spans, current.slot) \
            and not current.free_text:
        # The message answers other questions only ("手机13812345678" asked for the city): keep those, ask again.
        noted = _fill_others(form, current, answer, found, turn)
        if noted:
            return TextReply(f"{turn.say('form_noted', items='、'.join(noted))}\n{current.prompt}")
    if current.optional and _clean(answer) in SKIP_WORDS:
        value: Any = ""
    else:
        try:
            value = _checked(current, answer, found, turn)
        except FieldInvalid as invalid:
            if not current.free_text and _asks_something_else(answer, turn):
                raise SideQuestion(answer) from None
            state.context["wrong_answers"] = state.context.get("wrong_answers", 0) + 1
            hint = invalid.hint
            if state.context["wrong_answers"] >= MAX_WRONG_ANSWERS:
                hint += "\n" + turn.say("form_struggling")
            return TextReply(f"{hint}\n{current.prompt}")
    state.context["wrong_answers"] = 0
    state.data[current.name] = value
    editing = state.context.pop("editing", None)
    noted = [] if editing else _fill_others(form, current, answer, found, turn, personal=not current.free_text)
    question = _ask_next(form, turn)
    if noted:
        return TextReply(f"{turn.say('form_noted', items='、'.join(noted))}\n{question}")
    # After an edit this goes straight back to the summary, unless the change needs a new answer.
    return TextReply(question)


def _checked(current: Field, answer: str, found: dict, turn) -> Any:
    """The field's value: from the slot the message names ("我叫陈小兵" -> 陈小兵), else from the whole
    text, else from what is left once the other answers in it are taken out ("王芳，手机137…" -> 王芳)."""
    candidates = []
    if current.slot and current.slot_first and found.get(current.slot) not in (None, ""):
        candidates.append(str(found[current.slot]))
    candidates.append(answer)
    rest = _remainder(answer, found.get(SPANS_KEY, ()), current.slot)
    if rest and rest != answer.strip():
        candidates.append(rest)
    problem: FieldInvalid | None = None
    for candidate in dict.fromkeys(candidates):  # in order, each once
        try:
            return _run_check(current, candidate, turn)
        except FieldInvalid as invalid:
            problem = invalid  # the hint about the most cleaned-up reading ("校验位不对", not "22 位")
    raise problem


def _remainder(answer: str, spans, own_slot: str | None) -> str:
    """The answer without the other slots found in it and the words that only label them."""
    keep = list(answer)
    for slot, start, end in spans:
        if slot != own_slot:
            keep[start:end] = [""] * (end - start)
    rest = LABEL_WORDS.sub("", "".join(keep))
    return re.sub(r"^[\s\W_]+|[\s\W_]+$", "", rest)


def _run_check(current: Field, text: str, turn) -> Any:
    asked = turn.text
    turn.text = text
    try:
        return current.check(turn)
    finally:
        turn.text = asked


def _fill_others(form: Form, current: Field | None, answer: str, found: dict, turn, personal: bool = True) -> list[str]:
    """Other questions this message answered too ("手机13712349876，在乐清"): filled, and said back.

    A story or the opening message never fills a name, phone or ID number: "老板的电话是139…" is
    someone else's, and personal numbers are collected only when asked for, after consent.
    """
    data, noted = turn.state.data, []
    for other in _pending_fields(form, data, include_unasked=True):
        value = found.get(other.slot) if other.slot else None
        if other is current or value in (None, "") or other.free_text or (not personal and other.slot in PERSONAL_SLOTS):
            continue
        try:
            data[other.name] = _run_check(other, str(value), turn)
        except FieldInvalid:
            continue
        if other.in_summary:
            noted.append(f"{other.label} {other.display(data[other.name])}")
    return noted


def _slots(text: str, turn) -> dict:
    """The slots of a message as plain values, and their spans under SPANS_KEY (empty when the
    understanding fails: the form still works with each field's own check)."""
    try:
        extraction = turn.services.understanding.extract(text, turn.now + CHINA_OFFSET, turn.services.places)
        values = extraction.values()
        values[SPANS_KEY] = _spans(extraction)
    except Exception:  # an understanding bug must not lose the answer: the field's own check still runs
        log.exception("slot extraction failed in a form")
        return {}
    if values.get("since") is not None:
        values["since"] = f"{values['since']:%Y年%m月}起"
    elif values.get("duration_months"):
        values["since"] = f"已有约{values['duration_months']:g}个月"
    if isinstance(values.get("wants"), list):
        values["wants"] = "、".join(values["wants"])
    return values


def _spans(extraction) -> list[tuple[str, int, int]]:
    spans = []
    for slot, found in (("name", extraction.name), ("phone", extraction.phone), ("id_number", extraction.id_number),
                        ("city", extraction.place), ("employer", extraction.employer), ("money", extraction.money),
                        ("headcount", extraction.headcount), ("since", extraction.since),
                        ("since", extraction.duration)):
        if found is not None:
            spans.append((slot, found.start, found.end))
    return spans


def _asks_something_else(answer: str, turn) -> bool:
    """A message that failed the field's check and reads as a question or a clear other request."""
    if turn.services.understanding.looks_like_question(answer):
        return True
    match = turn.services.matcher.classify(answer)
    return bool(match.confident and match.intent not in ("out_of_scope", "greeting_help"))


# ---- consent, summary, edits ------------------------------------------------------------------


def _consent(form: Form, answer: str, reading, turn) -> Reply:
    state = turn.state
    number = _clean(answer).translate(_FULL_WIDTH_DIGITS)
    if number == "1" or reading.agrees:
        state.data["consent"] = True
        return TextReply(_ask_next(form, turn))
    if number == "2" or reading.act is Act.NO:
        cancel(form, turn)
        return TextReply(turn.say("form_consent_refused", title=form.title))
    if turn.services.understanding.looks_like_question(answer):
        raise SideQuestion(answer)
    return TextReply(turn.say("form_consent_again"))


def current_question(form: Form, turn) -> str:
    """The question the form is waiting on, asked again."""
    state = turn.state
    if state.step == CONSENT_STEP:
        return f"{form.consent_notice.strip()}\n\n{turn.say('form_consent_prompt')}"
    if state.step == CONFIRM_STEP:
        return _summary(form, turn).as_text()
    current = _current_field(form, state.step)
    return current.prompt if current else _ask_next(form, turn)


def awaits_free_text(form: Form, turn) -> bool:
    """Is the form waiting for a story, where anything the worker writes is the answer?"""
    current = _current_field(form, turn.state.step)
    return bool(current and current.free_text)


def _current_field(form: Form, step: str | None) -> Field | None:
    return next((f for f in form.fields if f.name == step), None)


def _pending_fields(form: Form, data: dict, include_unasked: bool = False) -> list[Field]:
    return [f for f in form.fields if f.name not in data and (f.asked or include_unasked)
            and (f.ask_if is None or f.ask_if(data))]


def _ask_next(form: Form, turn) -> str:
    pending = _pending_fields(form, turn.state.data)
    if not pending:
        return _summary(form, turn).as_text()
    turn.state.step = pending[0].name
    return pending[0].prompt


def _visible(form: Form, data: dict) -> list[Field]:
    return [f for f in form.fields if f.in_summary and f.name in data and (f.ask_if is None or f.ask_if(data))]


def _summary(form: Form, turn) -> TextReply:
    state = turn.state
    state.step = CONFIRM_STEP
    lines = [turn.say("form_summary_head", title=form.title)]
    for item in _visible(form, state.data):
        value = state.data[item.name]
        shown = item.display(value) if value not in ("", None) else turn.say("form_summary_empty")
        lines.append(f"· {item.label}：{shown}")
    lines.append("\n" + turn.say("form_summary_choices"))
    return TextReply("\n".join(lines))


def _confirm(form: Form, answer: str, reading, turn) -> Reply:
    choice = _clean(answer).translate(_FULL_WIDTH_DIGITS)
    if choice == "1" or reading.agrees:
        turn.answers = dict(turn.state.data)
        try:
            reply = form.submit(turn)
        except FieldInvalid as invalid:
            # A rule only the domain can check (e.g. an open application exists): explain, keep the answers.
            return TextReply(f"{invalid.hint}\n\n{turn.say('form_summary_choices')}")
        clear(turn)
        return reply
    if choice == "2" or reading.act in (Act.EDIT, Act.NO):
        named = _field_named(form, turn, reading.field, answer)
        if named is not None:
            return _edit(named, turn)
        turn.state.step = EDIT_STEP
        fields = _visible(form, turn.state.data)
        options = "\n".join(f"{i} {f.label}" for i, f in enumerate(fields, 1))
        return TextReply(turn.say("form_which_to_edit", options=options))
    if choice == "3":
        return cancel(form, turn)
    if turn.services.understanding.looks_like_question(answer):
        raise SideQuestion(answer)
    return TextReply(turn.say("form_confirm_again"))


def _choose_field_to_edit(form: Form, answer: str, reading, turn) -> Reply:
    fields = _visible(form, turn.state.data)
    choice = _clean(answer).translate(_FULL_WIDTH_DIGITS)
    chosen = None
    if choice.isdigit() and 1 <= int(choice) <= len(fields):
        chosen = fields[int(choice) - 1]
    else:
        chosen = _field_named(form, turn, reading.field, answer)
    if chosen is None:
        return TextReply(turn.say("form_edit_which_number", count=len(fields)))
    return _edit(chosen, turn)


def _field_named(form: Form, turn, slot: str | None, answer: str) -> Field | None:
    """The field the worker names when asking to change something (电话写错了 -> the phone)."""
    fields = _visible(form, turn.state.data)
    by_label = [f for f in fields if f.label in answer or _clean(answer) == f.label]
    if by_label:
        return by_label[0]
    if slot:
        by_slot = [f for f in fields if f.slot == slot or f.name == slot]
        if len(by_slot) >= 1:
            return by_slot[0]
    return None


def _edit(chosen: Field, turn) -> Reply:
    turn.state.step = chosen.name
    turn.state.context["editing"] = True
    return TextReply(chosen.prompt)


def _clean(text: str) -> str:
    return re.sub(r"[。.!！~～ “”]", "", text.strip())
