"""Legal consultation (法律咨询): cited FAQ answers, related questions, a union counsellor, legal aid.

The FAQ service decides what fits; this module only talks. What the worker asked is kept in
the conversation context, so "没用" after an answer can pass that very question to a counsellor.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from bot.messages import Reply, TextReply
from handlers import human_agent
from handlers.tickets import acknowledge, start_legal_aid
from bot.turn import Turn

log = logging.getLogger(__name__)

LEGAL_INTENTS = ("legal_consult", "rights_complaint")
QUESTION_KEY = "legal_question"  # context: {"text", "topic", "faq_id", "at", "ticket"}
FOLLOW_UP_MINUTES = 120  # "没用" two hours after an answer still refers to it; the next day it does not
TOPIC_PREVIEW = 5  # questions shown when a worker picks a topic
MAX_TICKET_TEXT = 1900  # the ticket service takes 2000 characters; leave room for our note

# Asking for legal aid rather than about a dispute.
LEGAL_AID_WORDS = re.compile(r"法律援助|法援|免费(?:的)?律师|援助律师|免费(?:打|代理)?官司")
APPLY_WORDS = re.compile(r"申请|我要|想要|怎么办理|办理")
# What is left of "我想咨询一个法律问题" once words that say nothing about the problem are gone.
FILLER = re.compile(
    r"法律咨询|咨询|法律|问题|律师|顾问|请问|我想|我要|想|问问|问一下|问个|问|一下|一个|个|关于|方面|有关|相关|的|吗|呢|吧|啊|呀|"
    r"我|你好|您好|你|您|可以|能|帮|找|需要|事情|事|请|有|点|些|[\s\W]")
VAGUE_CORE = 2  # this few meaningful characters, no topic and no answer: the worker has not said what happened
SHORT_CORE = 6  # a short phrase (劳动合同, 工伤): show the topic's questions if nothing fits exactly
CLOSE = 0.85  # for a short phrase, answers fitting this share of the best are as likely meant
NEW_QUESTION_CORE = 4  # "不是这个，" followed by this many meaningful characters asks something new
HUMAN_WORDS = re.compile(r"转人工|人工|真人|客服")


# ---- the intent ---------------------------------------------------------------------------

def handle(turn: Turn) -> Reply:
    """法律咨询: answer from the FAQ with its legal basis, or offer a counsellor."""
    faq = turn.services.legal_faq
    text = (turn.text or "").strip()
    if LEGAL_AID_WORDS.search(text):
        return _legal_aid(turn, start_now=bool(APPLY_WORDS.search(text)) or _aid_shown_recently(turn))
    core = FILLER.sub("", text)
    if not core:
        return _ask_what_happened(turn)
    topic = _topic(turn, text)
    hit = faq.best_answer(text, topic_prior=topic)
    if hit is None and len(core) <= VAGUE_CORE and topic in (None, turn.services.matcher.default_topic):
        return _ask_what_happened(turn)
    if hit is not None:
        ranked = faq.ranked(text, topic)
        hit = ranked[0][0]
        close = [h for h, fit in ranked if fit >= CLOSE * ranked[0][1]]
        if len(core) <= SHORT_CORE and len(close) > 1:
            # 加班费 alone fits several answers equally well: let the worker pick rather than guess.
            _remember(turn, text, topic or hit.entry.topic, None)
            options = [(h.entry.question, f"@action:faq:{h.entry.id}") for h in close]
            options.append((turn.say("legal_option_none_of_these"), "@action:counsellor:"))
            return turn.offer(turn.say("legal_which_one", text=text), options, turn.say("legal_which_one_outro"))
        log.info("legal answer %s (score %.2f, topic %s)", hit.entry.id, hit.score, topic)
        _remember(turn, text, topic or hit.entry.topic, hit.entry.id)
        return _answer(turn, hit.entry)
    _remember(turn, text, topic, None)
    if len(core) <= SHORT_CORE and topic and faq.by_topic(topic) and topic != turn.services.matcher.default_topic:
        return _topic_questions(turn, topic, head=turn.say("legal_topic_questions", title=faq.topic_title(topic)))
    log.info("legal question without a fitting answer (topic %s)", topic)
    return _no_answer(turn)


def _topic(turn: Turn, text: str) -> str | None:
    """The matcher's topic; for text that came from a clarifying question or a menu, ask the matcher."""
    match = turn.match
    if match is not None and match.intent in LEGAL_INTENTS and match.topic:
        return match.topic
    return turn.services.matcher.topic_of(text) if text else None


def _remember(turn: Turn, text: str, topic: str | None, faq_id: str | None) -> None:
    turn.state.context[QUESTION_KEY] = {"text": text, "topic": topic, "faq_id": faq_id,
                                       "at": turn.now.isoformat(timespec="seconds")}
    turn.state.last_intent, turn.state.last_topic = "legal_consult", topic or turn.state.last_topic


def _question(turn: Turn, fresh_only: bool = True) -> dict | None:
    """The legal question the worker asked last (None when there is none, or it is old news)."""
    kept = turn.state.context.get(QUESTION_KEY)
    if not isinstance(kept, dict) or not kept.get("text"):
        return None
    if fresh_only:
        try:
            asked = datetime.fromisoformat(kept.get("at") or "")
        except ValueError:
            return None
        if turn.now - asked > timedelta(minutes=FOLLOW_UP_MINUTES):
            return None
    return kept


def _answer(turn: Turn, entry) -> TextReply:
    faq = turn.services.legal_faq
    options = [(r.question, f"@action:faq:{r.id}") for r in faq.related(entry)]
    options.append((turn.say("legal_option_not_solved"), "@action:faq_unhelpful:"))
    options.append((turn.say("legal_option_union_help"), "@intent:rights_complaint"))
    return turn.offer(f"{faq.format_answer(entry)}\n\n{turn.say('legal_related_questions')}", options,
                     turn.say("legal_answer_outro"))


def _ask_what_happened(turn: Turn) -> TextReply:
    faq = turn.services.legal_faq
    options = [(title, f"@action:faq:topic:{topic}") for topic, title in faq.topics()]
    return turn.offer(turn.say("legal_ask_what_happened"), options)


def _topic_questions(turn: Turn, topic: str, head: str) -> TextReply:
    faq = turn.services.legal_faq
    entries = faq.by_topic(topic)[:TOPIC_PREVIEW]
    options = [(e.question, f"@action:faq:{e.id}") for e in entries]
    options.append((turn.say("legal_option_none_of_these"), "@action:counsellor:"))
    return turn.offer(head, options, turn.say("legal_topic_questions_outro"))


def _no_answer(turn: Turn) -> TextReply:
    days = _consultation_days(turn)
    options = [(turn.say("legal_option_counsellor", days=days), "@action:counsellor:"),
               (turn.say("legal_option_legal_aid"), "@action:legal_aid:"),
               (turn.say("option_human_agent"), "@intent:human_agent")]
    return turn.offer(turn.say("legal_no_answer"), options, turn.say("legal_no_answer_outro"))


def _consultation_days(turn: Turn) -> int:
    deadline = turn.services.tickets.kind_settings("consultation").get("deadline") or {}
    return int(deadline.get("working_days") or deadline.get("days") or 3)


# ---- numbered choices (ACTIONS) ---------------------------------------------------------

def show_entry(turn: Turn) -> Reply:
    """A related question picked by number (or "topic:<topic>": that topic's common questions)."""
    faq = turn.services.legal_faq
    argument = turn.argument
    if argument.startswith("topic:"):
        topic = argument.split(":", 1)[1]
        if not faq.by_topic(topic):
            return _ask_what_happened(turn)
        turn.state.last_intent, turn.state.last_topic = "legal_consult", topic
        return _topic_questions(turn, topic, head=turn.say("legal_topic_picked", title=faq.topic_title(topic)))
    entry = faq.get(argument)
    if entry is None:  # the FAQ changed since the choice was offered
        return _ask_what_happened(turn)
    asked = _question(turn)
    # Keep the worker's own words: a counsellor needs them more than our FAQ question.
    _remember(turn, asked["text"] if asked else entry.question, entry.topic, entry.id)
    return _answer(turn, entry)


def not_helpful(turn: Turn) -> Reply:
    """The answer did not help: offer a union counsellor, or the human agent straight away if asked for."""
    if HUMAN_WORDS.search(turn.text or ""):
        return _to_human_agent(turn)
    days = _consultation_days(turn)
    options = [(turn.say("legal_option_counsellor", days=days), "@action:counsellor:"),
               (turn.say("option_human_agent"), "@intent:human_agent"),
               (turn.say("legal_option_legal_aid"), "@action:legal_aid:")]
    return turn.offer(turn.say("legal_not_helpful"), options, turn.say("legal_not_helpful_outro"))


def hand_to_counsellor(turn: Turn) -> Reply:
    """Pass the worker's question to a union legal counsellor: a consultation ticket with a number."""
    from bot.services.tickets import TicketRejected

    asked = _question(turn, fresh_only=False)
    if asked is None:
        return TextReply(turn.say("legal_counsellor_needs_question"))
    if asked.get("ticket"):
        return TextReply(turn.say("legal_counsellor_already_asked", number=asked["ticket"]))
    faq = turn.services.legal_faq
    text = asked["text"][:MAX_TICKET_TEXT]
    seen = faq.get(asked.get("faq_id") or "")
    if seen is not None:
        text += "\n" + turn.say("legal_ticket_faq_seen", question=seen.question)
    try:
        view = turn.services.tickets.open(turn.worker.person_id, "consultation", text, topic=asked.get("topic"), channel="chat")
    except TicketRejected as rejected:
        return TextReply(turn.say("legal_counsellor_refused", reason=rejected))
    asked["ticket"] = view.number
    turn.state.context[QUESTION_KEY] = asked
    return acknowledge(turn, view)


def legal_aid(turn: Turn) -> Reply:
    """Union legal aid: who qualifies and what to bring; "apply" starts the application form."""
    return _legal_aid(turn, start_now=turn.argument == "apply")


def _legal_aid(turn: Turn, start_now: bool) -> Reply:
    turn.state.last_intent = "legal_consult"
    if start_now:
        turn.state.context.pop("legal_aid_shown", None)
        asked = _question(turn)
        # The question they asked us is the dispute: the form need not ask for it again.
        return start_legal_aid(turn, problem=asked["text"] if asked else "")
    turn.state.context["legal_aid_shown"] = turn.now.isoformat(timespec="seconds")
    options = [(turn.say("legal_aid_option_apply"), "@action:legal_aid:apply")]
    if _question(turn):
        options.append((turn.say("legal_aid_option_counsellor_first"), "@action:counsellor:"))
    return turn.offer(turn.services.legal_faq.format_legal_aid(), options)


def _aid_shown_recently(turn: Turn) -> bool:
    """The worker read the legal-aid summary, which says to reply 法律援助 to apply, and did."""
    shown = turn.state.context.get("legal_aid_shown")
    try:
        return bool(shown) and turn.now - datetime.fromisoformat(shown) < timedelta(minutes=FOLLOW_UP_MINUTES)
    except ValueError:
        return False


def _to_human_agent(turn: Turn) -> Reply:
    turn.state.last_intent = "human_agent"
    return human_agent.handle(turn)


# ---- follow-ups recognised by their shape (TEXT_PATTERNS) -------------------------------

def follow_up_unhelpful(turn: Turn) -> Reply | None:
    """没用 / 不是这个 right after a legal answer; anywhere else the message is routed as usual."""
    text = turn.text or ""
    says_more = len(FILLER.sub("", re.sub(r"意思|我是说|我说的是", "", text[turn.found.end():]))) >= NEW_QUESTION_CORE
    if turn.state.last_intent == "legal_consult" and _question(turn) and (HUMAN_WORDS.search(text) or not says_more):
        return not_helpful(turn)
    # "不是这个意思，我是问加班费怎么算" is a better question, not a complaint about the answer:
    # decline, and the dialogue routes it as usual.
    return None


def check_content(content_dir, tokenize=None) -> None:
    """Content check: the legal FAQ, its disclaimer, legal aid and regional figures load (ContentError otherwise).

    tokenize: a tokenizer already built (the console's checks pass the running one rather than build jieba anew).
    """
    from bot.services.legal_faq import LegalFAQ

    LegalFAQ.load(content_dir, tokenize=tokenize)
