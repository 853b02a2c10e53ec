"""入会进度, 会员卡 and membership questions (会籍转移, 会费, 补办会员卡, 入会证明).

The matcher sends every membership question here (intent membership_query); the words of the
question decide whether it is about the worker's own records (progress, card) or a general
question answered from content/membership.yaml.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.messages import Reply
from bot.turn import Turn

CARD_WORDS = ("会员卡", "会员证", "电子会员", "会员号", "会员编号", "卡号")


def handle(turn: Turn) -> Reply:
    """Answer a membership question: a content answer, the member card, or the application's progress."""
    text = turn.text or ""
    service = turn.services.membership
    entry = service.content.answer_for(text) if text else None
    if entry is not None:
        return answer(turn, entry)
    if any(word in text for word in CARD_WORDS):
        return card(turn)
    return progress(turn)


def answer(turn: Turn, entry: dict) -> Reply:
    """A general membership question answered from content."""
    return turn.offer(str(entry["text"]).strip(),
                     [(turn.say("membership_option_progress_or_card"), "@intent:membership_query"),
                      _human_agent(turn), _menu(turn)])


def card(turn: Turn) -> Reply:
    """The worker's electronic member card, or why they have none yet."""
    member = turn.services.membership.membership(turn.worker.person_id)
    if member is None:
        return progress(turn, head=turn.say("membership_card_not_member"))
    return _card(turn, member)


def progress(turn: Turn, head: str = "") -> Reply:
    """Where the worker's application stands (or their card, once they are a member)."""
    service = turn.services.membership
    person_id = turn.worker.person_id
    member = service.membership(person_id)
    if member is not None:
        return _card(turn, member, head=turn.say("membership_already_member"))
    application = service.current_application(person_id)
    lead = f"{head}\n" if head else ""
    if application is None:
        paused = turn.state.context.get("paused_form") or {}
        if turn.state.form == "join_union" or paused.get("form") == "join_union":
            return turn.offer(lead + turn.say("membership_application_unsubmitted"),
                             [(turn.say("membership_option_resume_form"), "@action:resume_form:"), _menu(turn)])
        return turn.offer(lead + turn.say("membership_no_application"),
                         [(turn.say("option_join_union"), "@intent:join_union"), _menu(turn)])
    lines = [lead + turn.say("membership_application", number=application.application_no),
             turn.say("membership_application_status", status=application.status_label)]
    steps = service.history(person_id, application.application_no)
    if steps:
        lines.append(turn.say("membership_application_steps", steps=" → ".join(
            f"{_local(s.created_at):%m-%d %H:%M} {_step_label(turn, s)}" for s in steps[-4:])))
    apply_again = (turn.say("membership_option_apply_again"), "@intent:join_union")
    if application.status == "submitted":
        days = service.content.data.get("review_days", 5)
        lines.append(turn.say("membership_review_days", days=days))
        return turn.offer("\n".join(lines), [(turn.say("option_member_benefits"), "@intent:benefit_query"), _menu(turn)])
    if application.status == "need_info":
        lines.append(turn.say("membership_need_info", reason=application.reason))
        return turn.offer("\n".join(lines), [(turn.say("membership_option_resubmit"), "@intent:join_union"),
                                            _human_agent(turn), _menu(turn)])
    if application.status == "rejected":
        lines.append(turn.say("membership_rejected_reason", reason=application.reason))
        lines.append(turn.say("membership_rejected_next"))
        return turn.offer("\n".join(lines), [apply_again, _human_agent(turn), _menu(turn)])
    return turn.offer("\n".join(lines), [apply_again, _menu(turn)])


def _card(turn: Turn, member, head: str = "") -> Reply:
    employer = member.employer
    if member.no_fixed_employer:
        employer = (turn.say("membership_no_fixed_employer_named", employer=member.employer) if member.employer
                    else turn.say("membership_no_fixed_employer"))
    lines = [head] if head else []
    lines += [turn.say("membership_card", name=member.name, member_no=member.member_no, city=member.city,
                       district=member.district, employer=employer, joined=_local(member.joined_at)),
              "",
              member.perks.strip()]
    return turn.offer("\n".join(lines), [(turn.say("membership_card_option_benefits"), "@intent:benefit_query"),
                                        (turn.say("membership_card_option_activities"), "@intent:activity"),
                                        _menu(turn)])


def _menu(turn: Turn) -> tuple[str, str]:
    return turn.say("option_back_to_menu_short"), "@intent:greeting_help"


def _human_agent(turn: Turn) -> tuple[str, str]:
    return turn.say("option_human_agent_question"), "@intent:human_agent"


def _step_label(turn: Turn, step) -> str:
    return turn.say("membership_step_submitted") if step.from_status is None else step.status_label


def _local(moment: datetime) -> datetime:
    """Zhejiang time of a stored (UTC) time."""
    return moment + timedelta(hours=8)
