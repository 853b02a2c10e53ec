"""我要维权, 我要举报, 主席信箱, 困难帮扶, 法律援助: guided forms that open tickets; ticket look-up by number.

Handlers talk, bot.services.tickets decides. The forms' wording comes from content/tickets.yaml:
each form is built from the current content when it is needed (bot/wiring.py lists the builders),
so an editor's change applies to the next question asked.
"""
from __future__ import annotations

import re
from pathlib import Path

from bot import forms
from bot.forms import Field, FieldInvalid, Form
from bot.messages import Reply, TextReply
from bot.security import mask_phone
from bot.services.tickets import (MAX_TEXT, TicketRejected, TicketView, due_text, normalize_mobile,
                                  normalize_number)
from bot.turn import Turn

FORM_TITLES = {"complaint": "维权投诉", "report": "举报", "mailbox": "主席信箱来信", "hardship": "困难帮扶申请",
               "legal_aid": "法律援助申请"}

# Words that only ask for the service; what is left after removing them may describe the problem.
REQUEST_WORDS = re.compile(r"我要|我想|想要|申请|投诉|维权|举报|请工会|工会|帮我|帮帮我|一下|怎么办|法律援助|[，。！？!?,.\s]")
PREFILL_MIN_CHARS = 8
SUMMARY_CHARS = 40
LATEST_ANSWER_CHARS = 300  # about 900 bytes: the whole ticket view stays under WeChat's 2,048
MAX_DETAIL_TEXT = 200  # one fact of a complaint, as staff read it


# ---- entry points ------------------------------------------------------------------------------


def handle_complaint(turn: Turn) -> Reply:
    """我要维权 / 投诉: the complaint form, its first answer taken from the message when it tells the story."""
    return forms.start(build_complaint_form(turn.services), turn)


def handle_report(turn: Turn) -> Reply:
    """我要举报: the report form (实名 or 匿名)."""
    return forms.start(build_report_form(turn.services), turn)


def handle_mailbox(turn: Turn) -> Reply:
    """主席信箱: a letter to the chairman."""
    return forms.start(build_mailbox_form(turn.services), turn)


def handle_hardship(turn: Turn) -> Reply:
    """困难帮扶: an application to the hardship-aid centre."""
    return forms.start(build_hardship_form(turn.services), turn)


def start_legal_aid(turn: Turn, problem: str = "") -> Reply:
    """The legal-aid application form (for the legal handlers); problem, when given, answers the first question."""
    if problem:
        turn.text = problem
    return forms.start(build_legal_aid_form(turn.services), turn)


def acknowledge(turn: Turn, view: TicketView, head: str = "") -> TextReply:
    """The worker's confirmation of a stored ticket, with what they can do next (for other handlers too)."""
    text = turn.services.tickets.acknowledgement(view)
    if head:
        text = f"{head.strip()}\n{text}"
    return turn.offer(text, [("查看这个工单", f"@action:ticket:{view.number}"),
                            ("我的全部工单", "@action:ticket:mine"),
                            ("返回服务菜单", "@intent:greeting_help")])


def show_ticket(turn: Turn) -> Reply:
    """A ticket's status and answers for its owner ("@action:ticket:<number>"), or the worker's list ("mine")."""
    return _show_ticket(turn, turn.argument)


def _show_ticket(turn: Turn, argument: str) -> Reply:
    if not argument or argument == "mine":
        return _my_tickets(turn)
    view = turn.services.tickets.get(turn.worker.person_id, argument)
    if view is None:
        return _not_found(turn, argument)
    return turn.offer(format_ticket(view), [("我的全部工单", "@action:ticket:mine"),
                                           ("返回服务菜单", "@intent:greeting_help")])


def show_ticket_by_pattern(turn: Turn) -> Reply:
    """A message holding a ticket number (WQ20261127-001, 查询工单 JB20261127-002) or asking for my tickets."""
    number = normalize_number(turn.found.group(0))
    return _show_ticket(turn, number or "mine")


def forgot_number(turn: Turn) -> Reply:
    """"单号找不到了，我留的电话是…": the worker's own tickets (a phone number never shows anyone else's)."""
    views, _total = turn.services.tickets.list_for(turn.worker.person_id, limit=1)
    head = turn.say("ticket_forgot_number") if views else turn.say("ticket_forgot_number_none")
    return _my_tickets(turn, head=head)


def format_ticket(view: TicketView) -> str:
    """A ticket for a phone screen: number, status, department, deadline, the worker's text, answers."""
    lines = [f"{view.kind_name} {view.number}", f"状态：{view.status_name}", f"承办部门：{view.department}",
             f"提交时间：{due_text(view.created_at)}"]
    if view.status == "open":
        lines.append(f"预计答复：{due_text(view.due_at)}前")
    if view.topic_name and view.kind in ("complaint", "consultation", "legal_aid"):
        lines.append(f"问题类别：{view.topic_name}")
    lines.append(f"内容：{_short(view.text, 60)}")
    if view.attachments:
        lines.append(f"附件：{len(view.attachments)} 张图片")
    answers = [(at, text) for at, text in view.replies if text]
    if answers:
        # WeChat cuts a passive reply at 2048 bytes: the latest answer in full (up to a limit), earlier ones short.
        lines += ["", "答复："]
        lines += [f"· {due_text(at)}：{_short(text, 60)}" for at, text in answers[-3:-1]]
        at, text = answers[-1]
        lines.append(f"· {due_text(at)}：{_short(text, LATEST_ANSWER_CHARS)}")
        if len(text) > LATEST_ANSWER_CHARS:
            lines.append("（答复较长，完整内容请在浙工之家小程序“我的工单”中查看。）")
    elif view.status == "open":
        lines.append("")
        lines.append("工作人员正在处理，有答复会第一时间通知您。")
    return "\n".join(lines)


# ---- the forms -----------------------------------------------------------------------------------


FORM_BUILDERS_BY_KIND = {}  # filled below: kind -> builder, for the content check


def check_content(content_dir) -> None:
    """Content check: every question the ticket forms ask has its wording in content/tickets.yaml."""
    from bot.content import ContentFile

    data = ContentFile(Path(content_dir) / "tickets.yaml").load() or {}
    missing = []
    for kind, build in FORM_BUILDERS_BY_KIND.items():
        questions = (((data.get("kinds") or {}).get(kind) or {}).get("questions")) or {}
        form = build(_ContentOnly(questions, kind))
        missing += [f"{kind}.questions.{f.name}" for f in form.fields if f.asked and not f.prompt]
    if missing:
        raise ValueError(f"{Path(content_dir) / 'tickets.yaml'}: no wording for {', '.join(missing)}")


class _ContentOnly:
    """Just enough of the services to build the forms from a content file alone."""

    def __init__(self, questions: dict, kind: str):
        self.tickets = self
        self._questions, self._kind = questions, kind

    def kind_settings(self, kind: str) -> dict:
        return {"questions": self._questions} if kind == self._kind else {}

    def choices(self, kind: str, field: str) -> list:
        return []


def _questions(services, kind: str):
    """The wording of a kind's form questions from content/tickets.yaml, with a default for each."""
    questions = services.tickets.kind_settings(kind).get("questions") or {}
    return lambda name: str(questions.get(name) or "").strip()


def build_complaint_form(services) -> Form:
    """The complaint form with the current wording of content/tickets.yaml."""
    q = _questions(services, "complaint")
    return Form(
        name="complaint", title=FORM_TITLES["complaint"], intro=q("intro"), consent_notice=q("consent"),
        fields=(
            Field("what_happened", q("what_happened"), "事情经过", check=_story, display=_short,
                  free_text=True),
            Field("employer", q("employer"), "所在单位", check=_employer, slot="employer", slot_first=False),
            Field("city", q("city"), "单位所在地", check=_city, slot="city"),
            Field("district", "", "区县", slot="district", asked=False, check=_district, in_summary=False),
            # The facts staff need to act on it: each is taken from whatever the worker wrote, and
            # when/how much are asked once, together, only if the story did not say.
            Field("since", "", "开始时间", slot="since", asked=False, check=_fact),
            Field("amount", "", "涉及金额", slot="money", asked=False, check=_amount, display=_amount_text),
            Field("headcount", "", "涉及人数", slot="headcount", asked=False, check=_headcount,
                  display=_headcount_text),
            Field("facts", q("facts"),
                  "补充情况", check=_fact, display=_short, optional=True,
                  ask_if=lambda data: any(data.get(k) in (None, "") for k in ("since", "amount"))),
            Field("wants", q("wants"), "您的诉求",
                  slot="wants", check=_wants(services)),
            Field("contact_phone", q("contact_phone"), "联系电话", check=_phone, display=mask_phone,
                  slot="phone"),
        ),
        prefill=_prefill_story, submit=_submit_complaint)


def build_report_form(services) -> Form:
    """The report form with the current wording of content/tickets.yaml."""
    q = _questions(services, "report")
    return Form(
        name="report", title=FORM_TITLES["report"], intro=q("intro"), consent_notice=q("consent"),
        fields=(
            Field("identity", q("identity"), "举报方式", check=_choice(services, "report", "identity"),
                  display=_label(services, "report", "identity")),
            Field("subject", q("subject"), "举报类别", check=_choice(services, "report", "subject"),
                  display=_label(services, "report", "subject")),
            Field("employer", q("employer"), "被举报对象", check=_employer),
            Field("what_happened", q("what_happened"), "具体情况", check=_story, display=_short, free_text=True),
            Field("contact_phone", q("contact_phone"), "联系电话", check=_phone, display=mask_phone,
                  slot="phone", ask_if=lambda data: data.get("identity") == "real"),
        ),
        submit=_submit_report)


def build_mailbox_form(services) -> Form:
    """The chairman's mailbox form with the current wording of content/tickets.yaml."""
    q = _questions(services, "mailbox")
    return Form(
        name="mailbox", title=FORM_TITLES["mailbox"], intro=q("intro"), consent_notice=q("consent"),
        fields=(
            Field("subject_type", q("subject_type"), "来信类型",
                  check=_choice(services, "mailbox", "subject_type"), display=_label(services, "mailbox", "subject_type")),
            Field("content", q("content"), "来信内容", check=_story, display=_short, free_text=True),
            Field("contact_phone", q("contact_phone"), "联系电话",
                  check=_phone, display=mask_phone, optional=True, slot="phone"),
        ),
        submit=_submit_mailbox)


def build_hardship_form(services) -> Form:
    """The hardship-aid form with the current wording of content/tickets.yaml."""
    q = _questions(services, "hardship")
    return Form(
        name="hardship", title=FORM_TITLES["hardship"], intro=q("intro"), consent_notice=q("consent"),
        fields=(
            Field("aid_type", q("aid_type"), "帮扶类型", check=_choice(services, "hardship", "aid_type"),
                  display=_label(services, "hardship", "aid_type")),
            Field("situation", q("situation"), "家庭情况", check=_story, display=_short, free_text=True),
            Field("city", q("city"), "所在城市", check=_city, slot="city"),
            Field("employer", q("employer"), "工作单位", check=_employer,
                  optional=True, slot="employer", slot_first=False),
            Field("contact_phone", q("contact_phone"), "联系电话", check=_phone, display=mask_phone,
                  slot="phone"),
        ),
        submit=_submit_hardship)


def build_legal_aid_form(services) -> Form:
    """The legal-aid form with the current wording of content/tickets.yaml."""
    q = _questions(services, "legal_aid")
    return Form(
        name="legal_aid", title=FORM_TITLES["legal_aid"], intro=q("intro"), consent_notice=q("consent"),
        fields=(
            Field("what_happened", q("what_happened"), "纠纷情况", check=_story, display=_short, free_text=True),
            Field("employer", q("employer"), "对方单位", check=_employer, slot="employer", slot_first=False),
            Field("contact_phone", q("contact_phone"), "联系电话", check=_phone, display=mask_phone,
                  slot="phone"),
        ),
        prefill=_prefill_story, submit=_submit_legal_aid)


# ---- checks ------------------------------------------------------------------------------------


def _story(turn: Turn) -> str:
    text = turn.text.strip()
    if len(text) < 5:
        raise FieldInvalid("请再多说几句，让工作人员了解清楚情况（至少5个字）。")
    if len(text) > MAX_TEXT:
        raise FieldInvalid(f"内容有点长，请精简到{MAX_TEXT}字以内，也可以分几次补充给工作人员。")
    return text


def _employer(turn: Turn) -> str:
    text = turn.text.strip()
    if len(text) < 2:
        raise FieldInvalid("请告诉我单位的名称（至少2个字）。")
    if len(text) > 100:
        raise FieldInvalid("单位名称请控制在100字以内。")
    return text


def _phone(turn: Turn) -> str:
    try:
        return normalize_mobile(turn.text)
    except ValueError:
        raise FieldInvalid("这个手机号好像不对，请输入11位手机号码，例如13812345678。") from None


def _city(turn: Turn) -> str:
    """A Zhejiang city named by its name, a district or a county-level city (乐清 -> 温州, 在开化 -> 衢州)."""
    regions = turn.services.places
    text = turn.text.strip()
    city = regions.city_in(text)
    if city is None:
        raise FieldInvalid(turn.say("ticket_city_unknown", cities="、".join(c.short for c in regions.cities)))
    district = next((d for word, d in _district_words(city) if word in text), None)
    if district:
        turn.state.data.setdefault("district", district)
    return city.short


def _district_words(city) -> list[tuple[str, str]]:
    words = [(d, d) for d in city.districts] + [(d[:-1], d) for d in city.districts if len(d) >= 3]
    return sorted(words, key=lambda pair: -len(pair[0]))


def _district(turn: Turn) -> str:
    found = turn.services.places.cities_of_district(turn.text.strip())
    if not found:
        raise FieldInvalid("")
    return found[0][1]


def _fact(turn: Turn) -> str:
    """Whatever the worker could say about when, how much and how many (parsed into their fields as said)."""
    text = turn.text.strip()
    if not text:
        raise FieldInvalid(turn.say("ticket_fact_empty"))
    return text[:MAX_DETAIL_TEXT]


def _amount(turn: Turn) -> int:
    try:
        yuan = int(turn.text)
    except ValueError:
        raise FieldInvalid("") from None
    if not 0 < yuan < 100_000_000:
        raise FieldInvalid("")
    return yuan


def _headcount(turn: Turn) -> int:
    try:
        people = int(turn.text)
    except ValueError:
        raise FieldInvalid("") from None
    if not 0 < people < 100_000:
        raise FieldInvalid("")
    return people


def _wants(services):
    labels = _want_labels(services)

    def check(turn: Turn) -> str:
        text = turn.text.strip()
        # The slot arrives as the list of recognised keys ("['back_pay', 'social_insurance']"), words as typed.
        keys = [key for key in labels if key in text]
        if keys:
            return "、".join(labels[key] for key in keys)
        if len(text) < 2:
            raise FieldInvalid(turn.say("ticket_wants_unclear"))
        return text[:MAX_DETAIL_TEXT]
    return check


def _want_labels(services) -> dict[str, str]:
    return {str(k): str(v) for k, v in (services.tickets.kind_settings("complaint").get("wants") or {}).items()}


def _amount_text(value) -> str:
    return f"约{value}元" if str(value).isdigit() else str(value)


def _headcount_text(value) -> str:
    return f"约{value}人" if str(value).isdigit() else str(value)


def _choice(services, kind: str, field: str):
    """A check that takes the option's number, its label or one of its words (the ticket service's list)."""
    def check(turn: Turn) -> str:
        chosen = services.tickets.choice_for(kind, field, turn.text)
        if chosen is None:
            raise FieldInvalid(turn.say("ticket_choice_number", count=len(services.tickets.choices(kind, field))))
        return chosen.key
    return check


def _label(services, kind: str, field: str):
    labels = {choice.key: choice.label for choice in services.tickets.choices(kind, field)}
    return lambda value: labels.get(value, str(value))


def _short(text, limit: int = SUMMARY_CHARS) -> str:
    text = str(text or "").replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def _prefill_story(turn: Turn) -> dict:
    # 我要维权，公司拖欠我三个月工资 already tells the story: do not ask for it again.
    text = (turn.text or "").strip()
    data = {}
    if len(REQUEST_WORDS.sub("", text)) >= PREFILL_MIN_CHARS and len(text) <= MAX_TEXT:
        data["what_happened"] = text
    match = turn.match
    if match is not None and match.topic and match.topic != turn.services.matcher.default_topic:
        data["topic"] = match.topic
    return data


# ---- submitting ----------------------------------------------------------------------------------


def _submit_complaint(turn: Turn) -> Reply:
    data = turn.answers
    facts = {"since": data.get("since") or None,
             "amount": _amount_text(data["amount"]) if data.get("amount") else None,
             "headcount": _headcount_text(data["headcount"]) if data.get("headcount") else None,
             "facts": data.get("facts") or None, "wants": data.get("wants") or None,
             "city": data.get("city") or None, "district": data.get("district") or None}
    return _open(turn, data, "complaint", data["what_happened"], topic=data.get("topic"), employer=data.get("employer"),
                 contact_phone=data.get("contact_phone"),
                 details={key: value for key, value in facts.items() if value not in (None, "")})


def _submit_report(turn: Turn) -> Reply:
    data = turn.answers
    anonymous = data.get("identity") == "anonymous"
    return _open(turn, data, "report", data["what_happened"], employer=data.get("employer"),
                 contact_phone=None if anonymous else data.get("contact_phone"), anonymous=anonymous,
                 details={"subject": data.get("subject")})


def _submit_mailbox(turn: Turn) -> Reply:
    data = turn.answers
    return _open(turn, data, "mailbox", data["content"], contact_phone=data.get("contact_phone") or None,
                 details={"subject_type": data.get("subject_type")})


def _submit_hardship(turn: Turn) -> Reply:
    data = turn.answers
    return _open(turn, data, "hardship", data["situation"], employer=data.get("employer") or None,
                 contact_phone=data.get("contact_phone"),
                 details={"aid_type": data.get("aid_type"), "city": data.get("city")})


def _submit_legal_aid(turn: Turn) -> Reply:
    data = turn.answers
    return _open(turn, data, "legal_aid", data["what_happened"], topic=data.get("topic"),
                 employer=data.get("employer"), contact_phone=data.get("contact_phone"))


def _open(turn: Turn, data: dict, kind: str, text: str, **fields) -> Reply:
    person_id = turn.worker.person_id
    try:
        view = turn.services.tickets.open(person_id, kind, text, attachments=data.get("attachments") or [],
                                         channel="chat", **fields)
    except TicketRejected as rejected:
        raise FieldInvalid("；".join(rejected.fields.values())) from None
    return acknowledge(turn, view)


# ---- helpers -------------------------------------------------------------------------------------


def _my_tickets(turn: Turn, head: str = "") -> Reply:
    views, total = turn.services.tickets.list_for(turn.worker.person_id, limit=5)
    lead = f"{head.strip()}\n" if head else ""
    if not views:
        return turn.offer(f"{lead}您还没有提交过工单。需要帮助时可以：",
                         [("我要维权", "@intent:rights_complaint"), ("法律咨询", "@intent:legal_consult"),
                          ("返回服务菜单", "@intent:greeting_help")])
    head = lead + f"您共有 {total} 个工单" + ("，这是最近的 5 个" if total > 5 else "") + "，回复数字查看详情："
    options = [(f"{v.kind_name} {v.number}（{v.status_name}）", f"@action:ticket:{v.number}") for v in views]
    options.append(("返回服务菜单", "@intent:greeting_help"))
    return turn.offer(head, options)


def _not_found(turn: Turn, number: str) -> Reply:
    return turn.offer(f"没有找到这个工单（{number}）。请核对编号是否正确；工单只有提交人本人可以查询。",
                     [("我的全部工单", "@action:ticket:mine"), ("返回服务菜单", "@intent:greeting_help")])


FORM_BUILDERS_BY_KIND.update(complaint=build_complaint_form, report=build_report_form, mailbox=build_mailbox_form,
                             hardship=build_hardship_form, legal_aid=build_legal_aid_form)
