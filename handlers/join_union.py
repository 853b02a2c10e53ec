"""在线入会: the guided form that turns a chat into an application to join the union.

The questions, the consent notice and the intro come from content/membership.yaml; the checks
are the membership service's own (the mini-program uses the same ones). The form is built from
the current content each time it is needed, so the dialogue always runs the current wording.
"""
from __future__ import annotations

import re
from dataclasses import replace

from bot import forms
from bot.forms import Field, FieldInvalid, Form
from bot.messages import Reply, TextReply
from bot.security import mask_id_number, mask_phone
from bot.services.membership import (
    APPLICATION_FIELDS,
    NO_FIXED_EMPLOYER,
    ConsentRequired,
    DuplicateApplication,
    InvalidDecision,
    ValidationFailed,
)
from bot.turn import Turn
from handlers import membership

FORM_NAME = "join_union"
RESUBMIT_KEY = "_resubmit"  # the application number being corrected after staff asked for more information
# "入会申请通过了吗": asking about an application already made, not asking to make one.
PROGRESS_WORDS = ("进度", "审核", "通过了", "通过没", "通过吗", "成功没", "成功了吗", "有结果", "结果出来", "到哪",
                  "批了", "批下来", "怎么样了")
# "我们公司没有工会，我想入会": a request to join, even though it mentions something a content answer covers.
JOIN_WORDS = re.compile(r"(我要|我想|想要|怎么|申请|帮我)(入会|加入工会|入工会)")
NO_PLATFORM_WORDS = {"无", "没有", "没", "不用", "没有平台", "不在平台", "无平台", "不是平台", "跳过"}


def handle(turn: Turn) -> Reply:
    """我要入会: start the join form, or say where the worker's application or membership stands."""
    service = turn.services.membership
    content = service.content
    asks_to_join = bool(JOIN_WORDS.search(turn.text or ""))
    if turn.text and not asks_to_join and (content.answer_for(turn.text)
                                           or any(word in turn.text for word in PROGRESS_WORDS)):
        # "入会证明怎么开", "入会申请通过了吗": a question about membership, not a request to join.
        return membership.handle(turn)
    person_id = turn.worker.person_id
    member = service.membership(person_id)
    if member is not None:
        return turn.offer(turn.say("join_already_member", member_no=member.member_no),
                          [(turn.say("option_member_card"), "@intent:membership_query"),
                           (turn.say("option_member_benefits"), "@intent:benefit_query"), _back(turn)])
    application = service.current_application(person_id)
    if application is not None and application.status == "submitted":
        return turn.offer(turn.say("join_already_applied", application_no=application.application_no),
                          [_progress(turn), _back(turn)])
    if application is not None and application.status == "need_info":
        return start_correction(turn, application)
    paused = turn.state.context.get("paused_form") or {}
    if paused.get("form") == FORM_NAME:
        reply = forms.resume(build_form(turn.services), turn)
        return TextReply(f"{reply.as_text()}\n{turn.say('join_start_over_hint')}")
    return forms.start(build_form(turn.services), turn)


def start_correction(turn: Turn, application) -> Reply:
    """Reopen the form with the worker's earlier answers so they can fix what staff asked about."""
    service = turn.services.membership
    fields = service.own_fields(turn.worker.person_id, application.application_no) or {}
    intro = turn.say("join_correction_intro", application_no=application.application_no, reason=application.reason)
    reply = forms.start(replace(build_form(turn.services), intro=intro), turn)
    data = turn.state.data
    for name in APPLICATION_FIELDS:
        if name != "no_fixed_employer" and fields.get(name) not in (None, ""):
            data[name] = fields[name]
    if fields.get("no_fixed_employer"):
        data["platform"], data["employer"] = fields.get("employer") or "", NO_FIXED_EMPLOYER
    data[RESUBMIT_KEY] = application.application_no
    return reply


def submit(turn: Turn) -> Reply:
    """Send the confirmed answers to the membership service and tell the worker what happens next."""
    service = turn.services.membership
    data = turn.answers
    person_id = turn.worker.person_id
    fields = {name: data[name] for name in APPLICATION_FIELDS if name in data}
    if data.get("employer") == NO_FIXED_EMPLOYER:
        fields["no_fixed_employer"], fields["employer"] = True, data.get("platform") or ""
    else:
        fields["no_fixed_employer"] = False
    try:
        if data.get(RESUBMIT_KEY):
            view = service.resubmit(person_id, data[RESUBMIT_KEY], fields)
        else:
            view = service.submit(person_id, fields, consent=bool(data.get("consent")), channel="official")
    except ValidationFailed as failed:
        raise FieldInvalid(turn.say("join_fix_fields", problems="；".join(failed.fields.values()))) from None
    except DuplicateApplication as duplicate:
        return turn.offer(f"{duplicate.message}", [_progress(turn), _back(turn)])
    except (ConsentRequired, InvalidDecision) as refused:
        return turn.offer(str(refused), [_progress(turn), _back(turn)])
    content = service.content
    head = turn.say("join_resubmitted") if data.get(RESUBMIT_KEY) else turn.say("join_submitted")
    days = content.data.get("review_days", 5)
    return turn.offer(turn.say("join_application_number", head=head, application_no=view.application_no,
                               next_steps=content.text("next_steps", days=days)),
                      [_progress(turn), (turn.say("option_member_benefits"), "@intent:benefit_query"), _back(turn)])


def _progress(turn: Turn) -> tuple[str, str]:
    return turn.say("option_application_progress"), "@intent:membership_query"


def _back(turn: Turn) -> tuple[str, str]:
    return turn.say("option_back_to_menu_short"), "@intent:greeting_help"


# ---- the form's checks: the service's rules, plus what only a conversation needs ----------------------


def _check(name: str):
    def check(turn: Turn):
        return turn.services.membership.check_field(name, turn.text)
    return check


def _check_employer(turn: Turn) -> str:
    value = turn.services.membership.check_field("employer", turn.text)
    if not value:
        raise FieldInvalid(turn.say("join_employer_missing"))
    return value


def _check_platform(turn: Turn) -> str:
    answer = turn.text.strip().rstrip("。.")
    if answer in NO_PLATFORM_WORDS or answer in turn.services.membership.content.no_fixed_words:
        return ""
    if len(answer) > 50:
        raise FieldInvalid(turn.say("join_platform_too_long"))
    return answer


def _check_city(turn: Turn) -> str:
    text = turn.text
    service = turn.services.membership
    regions = service.content.regions
    city = service.check_field("city", text)
    data = turn.state.data
    if regions.city(text) is None:
        # A district answered the city question ("义乌"): it answers the district question too.
        data["district"] = regions.cities_of_district(text)[0][1]
    elif data.get("district") and regions.find_district(regions.city(city), data["district"]) is None:
        data.pop("district")  # the city was changed: ask the district again
    return city


def _check_district(turn: Turn) -> str:
    return turn.services.membership.check_field("district", turn.text, city=turn.state.data.get("city"))


def build_form(services) -> Form:
    """The join form with the wording of the current content/membership.yaml."""
    content = services.membership.content
    prompts = content.data["prompts"]
    examples = "、".join((content.data.get("occupation_examples") or [])[:4])
    industry_prompt = f"{prompts['industry'].strip()}\n{content.industry_menu()}"
    return Form(
        name=FORM_NAME,
        title="入会申请",
        intro=content.text("intro"),
        consent_notice=content.text("consent_notice"),
        submit=submit,
        fields=(
            Field("name", prompts["name"].strip(), "姓名", check=_check("name"), slot="name"),
            Field("phone", prompts["phone"].strip(), "手机号", check=_check("phone"), display=mask_phone,
                  slot="phone"),
            Field("id_number", prompts["id_number"].strip(), "身份证号", check=_check("id_number"), slot="id_number",
                  display=mask_id_number),
            Field("employer", prompts["employer"].strip(), "工作单位", check=_check_employer, slot="employer",
                  slot_first=False),
            Field("platform", prompts["platform"].strip(), "接单平台", check=_check_platform, optional=True,
                  ask_if=lambda data: data.get("employer") == NO_FIXED_EMPLOYER),
            Field("city", prompts["city"].strip(), "所在城市", check=_check_city, slot="city"),
            Field("district", prompts["district"].strip(), "所在区县", check=_check_district, slot="district"),
            Field("industry", industry_prompt, "行业", check=_check("industry")),
            Field("occupation", str(prompts["occupation"]).strip().format(examples=examples), "职业",
                  check=_check("occupation")),
        ),
    )
