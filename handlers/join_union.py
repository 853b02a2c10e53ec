"""在线入会: the guided form that turns a chat into an application to join the union.

The questions, the consent notice and the intro come from content/membership.yaml; the checks
are the membership service's own (the mini-program uses the same ones). `FORM` is rebuilt
when an editor changes that file, so the dialogue always runs the current wording.
"""
from __future__ import annotations

import threading
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
    default_content,
)

FORM_NAME = "join_union"
PERSON_KEY = "_person"  # the applicant's person id, kept with the answers (the form engine has no user)
RESUBMIT_KEY = "_resubmit"  # the application number being corrected after staff asked for more information
# "入会申请通过了吗": asking about an application already made, not asking to make one.
PROGRESS_WORDS = ("进度", "审核", "通过了", "通过没", "通过吗", "成功没", "成功了吗", "有结果", "结果出来", "到哪",
                  "批了", "批下来", "怎么样了")
NO_PLATFORM_WORDS = {"无", "没有", "没", "不用", "没有平台", "不在平台", "无平台", "不是平台", "跳过"}


def handle(user, message, ctx) -> Reply:
    """我要入会: start the join form, or say where the worker's application or membership stands."""
    service = ctx.runtime.membership
    content = service.content
    if ctx.text and (content.answer_for(ctx.text) or any(word in ctx.text for word in PROGRESS_WORDS)):
        # "入会证明怎么开", "入会申请通过了吗": a question about membership, not a request to join.
        from handlers import membership

        return membership.handle(user, message, ctx)
    person_id = user.person_id
    member = service.membership(person_id)
    if member is not None:
        return ctx.offer(f"您已经是工会会员了，会员号 {member.member_no}，不用重复申请。",
                         [("查看会员卡", "@intent:membership_query"), ("看看会员福利", "@intent:benefit_query"),
                          ("返回菜单", "@intent:greeting_help")])
    application = service.current_application(person_id)
    if application is not None and application.status == "submitted":
        return ctx.offer(f"您的入会申请 {application.application_no} 已经提交，正在审核中，不用重复申请。",
                         [("查看入会进度", "@intent:membership_query"), ("返回菜单", "@intent:greeting_help")])
    if application is not None and application.status == "need_info":
        return start_correction(user, ctx, application)
    paused = ctx.state.context.get("paused_form") or {}
    if paused.get("form") == FORM_NAME:
        reply = forms.resume(join_form(), ctx)
        return TextReply(f"{reply.as_text()}\n（想从头填写，回复“取消”后再发“我要入会”。）")
    reply = forms.start(join_form(), ctx)
    ctx.state.data[PERSON_KEY] = person_id
    return reply


def start_correction(user, ctx, application) -> Reply:
    """Reopen the form with the worker's earlier answers so they can fix what staff asked about."""
    service = ctx.runtime.membership
    fields = service.own_fields(user.person_id, application.application_no) or {}
    intro = (f"您的入会申请 {application.application_no} 需要补充信息：{application.reason}\n"
             f"我们已调出您之前填写的内容，核对时回复“2”修改相应项目后重新提交即可。")
    reply = forms.start(replace(join_form(), intro=intro), ctx)
    data = ctx.state.data
    for name in APPLICATION_FIELDS:
        if name != "no_fixed_employer" and fields.get(name) not in (None, ""):
            data[name] = fields[name]
    if fields.get("no_fixed_employer"):
        data["platform"], data["employer"] = fields.get("employer") or "", NO_FIXED_EMPLOYER
    data[PERSON_KEY], data[RESUBMIT_KEY] = user.person_id, application.application_no
    return reply


def submit(data: dict, ctx) -> Reply:
    """Send the confirmed answers to the membership service and tell the worker what happens next."""
    service = ctx.runtime.membership
    user = getattr(ctx, "user", None)
    person_id = data.get(PERSON_KEY) or (user.person_id if user is not None else None)
    if not person_id:
        raise FieldInvalid("抱歉，这份表格已过期，请回复“3”取消后重新发送“我要入会”。")
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
        raise FieldInvalid("有信息需要修改：" + "；".join(failed.fields.values()) + "\n请回复“2”修改。") from None
    except DuplicateApplication as duplicate:
        return ctx.offer(f"{duplicate.message}", [("查看入会进度", "@intent:membership_query"),
                                                  ("返回菜单", "@intent:greeting_help")])
    except (ConsentRequired, InvalidDecision) as refused:
        return ctx.offer(str(refused), [("查看入会进度", "@intent:membership_query"),
                                        ("返回菜单", "@intent:greeting_help")])
    content = service.content
    head = "已重新提交！" if data.get(RESUBMIT_KEY) else "提交成功！"
    days = content.data.get("review_days", 5)
    return ctx.offer(f"{head}您的入会申请编号：{view.application_no}\n{content.text('next_steps', days=days)}",
                     [("查看入会进度", "@intent:membership_query"), ("看看会员福利", "@intent:benefit_query"),
                      ("返回菜单", "@intent:greeting_help")])


# ---- the form's checks: the service's rules, plus what only a conversation needs ----------------------


def _check(name: str):
    def check(text: str, ctx):
        return ctx.runtime.membership.check_field(name, text)
    return check


def _check_employer(text: str, ctx) -> str:
    value = ctx.runtime.membership.check_field("employer", text)
    if not value:
        raise FieldInvalid("请填写工作单位全称；没有固定单位的回复“无固定单位”。")
    return value


def _check_platform(text: str, ctx) -> str:
    answer = text.strip().rstrip("。.")
    if answer in NO_PLATFORM_WORDS or answer in ctx.runtime.membership.content.no_fixed_words:
        return ""
    if len(answer) > 50:
        raise FieldInvalid("平台名称太长了，说个简称就行，如 美团、饿了么、滴滴。")
    return answer


def _check_city(text: str, ctx) -> str:
    service = ctx.runtime.membership
    regions = service.content.regions
    city = service.check_field("city", text)
    data = ctx.state.data
    if regions.city(text) is None:
        # A district answered the city question ("义乌"): it answers the district question too.
        data["district"] = regions.cities_of_district(text)[0][1]
    elif data.get("district") and regions.find_district(regions.city(city), data["district"]) is None:
        data.pop("district")  # the city was changed: ask the district again
    return city


def _check_district(text: str, ctx) -> str:
    return ctx.runtime.membership.check_field("district", text, city=ctx.state.data.get("city"))


def _build_form(content) -> Form:
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
            Field("name", prompts["name"].strip(), "姓名", check=_check("name")),
            Field("phone", prompts["phone"].strip(), "手机号", check=_check("phone"), display=mask_phone),
            Field("id_number", prompts["id_number"].strip(), "身份证号", check=_check("id_number"),
                  display=mask_id_number),
            Field("employer", prompts["employer"].strip(), "工作单位", check=_check_employer),
            Field("platform", prompts["platform"].strip(), "接单平台", check=_check_platform, optional=True,
                  ask_if=lambda data: data.get("employer") == NO_FIXED_EMPLOYER),
            Field("city", prompts["city"].strip(), "所在城市", check=_check_city),
            Field("district", prompts["district"].strip(), "所在区县", check=_check_district),
            Field("industry", industry_prompt, "行业", check=_check("industry")),
            Field("occupation", str(prompts["occupation"]).strip().format(examples=examples), "职业",
                  check=_check("occupation")),
        ),
    )


_form_lock = threading.Lock()
_form_cache: tuple = (None, None)


def join_form() -> Form:
    """The join form for the current content/membership.yaml."""
    global _form_cache
    content = default_content()
    if _form_cache[0] is not content:
        with _form_lock:
            _form_cache = (content, _build_form(content))
    return _form_cache[1]


def __getattr__(name: str):
    # handlers.FORMS names "handlers.join_union:FORM": built on access so editors' wording applies at once.
    if name == "FORM":
        return join_form()
    raise AttributeError(name)
