"""转人工: WeChat's customer service during service hours, a callback ticket outside them."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from bot.messages import Reply, TextReply, TransferToAgentReply
from bot.security import mask_openid
from bot.services.service_hours import ServiceHours
from handlers.tickets import acknowledge
from bot.turn import Turn

log = logging.getLogger(__name__)

# Words that only ask for a person; what remains is the worker's question, if they gave one.
ASKING_FOR_A_PERSON = re.compile(r"没用|没帮助|转人工|人工客服|人工服务|找人工|要人工|人工|真人|客服|在吗|我要|我想|请|帮我|转|找|[\s\W]")
RECENT_CALLBACK = timedelta(hours=12)  # a second 转人工 the same evening does not open a second ticket
MAX_TICKET_TEXT = 1900


def handle(turn: Turn) -> Reply:
    """Hand over to a human agent now, or book a callback when no one is on duty."""
    config = turn.services.config
    hours = ServiceHours.from_config(config)
    if hours.is_open(turn.now):
        log.info("transfer to customer service for %s", mask_openid(turn.openid))
        # WeChat shows nothing for a transfer: the agent's first message is what the worker sees.
        return TransferToAgentReply(account=config.get("human_agent.kf_account") or "")
    return _book_callback(turn, hours)


def _book_callback(turn: Turn, hours: ServiceHours) -> Reply:
    from bot.services.tickets import TicketRejected

    tickets = turn.services.tickets
    closed = (turn.say("human_agent_closed", hours=hours.describe(turn.services.replies)) if hours.ever_open
              else turn.say("human_agent_not_set_up"))
    open_callbacks, _total = tickets.list_for(turn.worker.person_id, kind="callback", limit=1)
    if open_callbacks and open_callbacks[0].status == "open" and turn.now - open_callbacks[0].created_at < RECENT_CALLBACK:
        return turn.offer(closed + "\n" + turn.say("human_agent_callback_already_booked", number=open_callbacks[0].number),
                         [(turn.say("option_back_to_menu"), "@intent:greeting_help")])
    question = last_question(turn)
    text = (turn.say("human_agent_ticket_text", question=question) if question
            else turn.say("human_agent_ticket_text_no_question"))
    try:
        view = tickets.open(turn.worker.person_id, "callback", text[:MAX_TICKET_TEXT], topic=_legal_topic(turn),
                            channel="chat")
    except TicketRejected as rejected:
        log.warning("callback ticket refused: %s", rejected)
        return TextReply(closed + "\n" + turn.say("human_agent_callback_refused"))
    log.info("callback %s booked outside service hours", view.number)
    head = closed + turn.say("human_agent_callback_booked")
    return acknowledge(turn, view, head=head)


def last_question(turn: Turn) -> str:
    """What the worker wanted help with: this message minus 转人工, else the legal question or unclear text kept in context."""
    own = ASKING_FOR_A_PERSON.sub("", turn.text or "")
    if len(own) >= 4:
        return (turn.text or "").strip()
    context = turn.state.context
    asked = context.get("legal_question")
    if isinstance(asked, dict) and asked.get("text"):
        return str(asked["text"])
    return str(context.get("pending_text") or "")


def _legal_topic(turn: Turn) -> str | None:
    asked = turn.state.context.get("legal_question")
    return asked.get("topic") if isinstance(asked, dict) and last_question(turn) == asked.get("text") else None
