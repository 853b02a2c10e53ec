"""The worker's own personal data in the chat: "我的信息" shows it masked, "删除我的信息" erases it after a yes.

Erasure is PersonalData.erase, the one service every front door calls. It runs after the turn
(a deferred job), so the message log row of this very message and the saved conversation are
erased too; the confirmation is then sent by customer-service message and not logged.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.messages import DeferredReply, NoReply, Reply, TextReply
from bot.security import mask_openid
from bot.turn import Turn

log = logging.getLogger(__name__)

ASKED = "erase_asked"  # in state.context: the worker was asked to confirm, so the yes counts


def ask_to_erase(turn: Turn) -> Reply:
    """"删除我的信息" / "注销我的信息": say what would be erased, and ask for a yes."""
    turn.state.context[ASKED] = True
    return turn.offer(turn.say("privacy_erase_confirm"), [
        (turn.say("privacy_erase_option_yes"), "@action:erase_my_data:yes"),
        (turn.say("privacy_erase_option_no"), "@action:erase_my_data:no")])


def erase_my_data(turn: Turn) -> Reply:
    """"@action:erase_my_data:yes|no": erase everything held about the worker, or do nothing."""
    asked = turn.state.context.pop(ASKED, False)
    if turn.argument != "yes":
        return TextReply(turn.say("privacy_erase_cancelled"))
    if not asked:
        return TextReply(turn.say("privacy_erase_not_asked"))
    services, openid, person_id = turn.services, turn.openid, turn.worker.person_id
    done = turn.say("privacy_erase_done")

    def erase() -> Reply:
        services.personal_data.erase(person_id, actor="worker:chat")
        from bot.wechat.client import WeChatError

        try:  # sent directly, not through the message log: nothing of this worker is written again
            services.wechat.send_text(openid, done)
        except WeChatError as exc:
            log.warning("erasure confirmation to %s not delivered: %s", mask_openid(openid), exc)
        return NoReply()

    return DeferredReply(job=erase)


def _china(moment: datetime | None) -> str:
    return f"{moment + timedelta(hours=8):%Y-%m-%d %H:%M}" if moment else "-"


def show_my_data(turn: Turn) -> Reply:
    """"我的信息" / "查看我的信息": what is held about the worker, masked, with consents."""
    held = turn.services.personal_data.held(turn.worker.person_id)
    say = turn.say

    def consent(row: dict) -> str:
        return say("privacy_held_consent", at=_china(row.get("consent_at")), version=row.get("consent_version") or "-")

    lines = []
    if held.phone:
        lines.append(say("privacy_held_phone", phone=held.phone))
    if held.application:
        a = held.application
        lines.append(say("privacy_held_application", application_no=a.get("application_no"),
                         status=a.get("status_label") or a.get("status"), name=a.get("name") or "-",
                         phone=a.get("phone") or "-", id_number=a.get("id_number") or "-",
                         employer=a.get("employer") or "-", consent=consent(a)))
    if held.member:
        lines.append(say("privacy_held_member", member_no=held.member.get("member_no") or "-",
                         joined=str(held.member.get("joined_at") or "-")[:10]))
    for ticket in held.tickets:
        lines.append(say("privacy_held_ticket", number=ticket["number"], kind_name=ticket["kind_name"],
                         status=ticket["status"], employer=ticket["employer"] or "-",
                         phone=ticket["contact_phone"] or "-", consent=consent(ticket)))
    if held.sign_ups:
        lines.append(say("privacy_held_sign_ups", count=len(held.sign_ups)))
    if not lines:
        return TextReply(say("privacy_held_nothing"))
    lines.append(say("privacy_held_messages", count=held.messages, days=held.retention.message_text_days))
    return TextReply("\n".join([say("privacy_held_intro"), *lines, "", say("privacy_held_outro")]))
