"""Legal FAQ endpoints: topics, a topic's questions, search, one answer, legal aid."""
from __future__ import annotations

from bot.messages import outside_chat
from miniprogram_api.errors import not_found
from miniprogram_api.schemas.common import PageQuery, page_of
from miniprogram_api.schemas.legal import LegalSearchQuery
from miniprogram_api.services import legal_faq


def _summary(entry) -> dict:
    return {"id": entry.id, "topic": entry.topic, "question": entry.question}


def topics() -> dict:
    """List the topics with how many questions each has."""
    faq = legal_faq()
    return {"items": [{"id": topic, "title": title, "count": len(faq.by_topic(topic))}
                      for topic, title in faq.topics()]}


def topic(topic_id: str, query: PageQuery) -> dict:
    """List the questions of one topic."""
    faq = legal_faq()
    if topic_id not in dict(faq.topics()):
        raise not_found("没有这个法律问答主题。")
    page = page_of([_summary(e) for e in faq.by_topic(topic_id)], query)
    return {"id": topic_id, "title": faq.topic_title(topic_id), **page}


def search(query: LegalSearchQuery) -> dict:
    """Search the FAQ with the member's own words."""
    faq = legal_faq()
    hits = faq.search(query.q, topic_prior=query.topic, limit=len(faq.entries))
    return page_of([{**_summary(h.entry), "score": h.score} for h in hits], query)


def entry(entry_id: str) -> dict:
    """Show one answer with its legal basis and the disclaimer."""
    faq = legal_faq()
    found = faq.get(entry_id)
    if found is None:
        raise not_found("没有找到这条法律问答。")
    return {**_summary(found), "topic_title": faq.topic_title(found.topic), "answer": found.answer,
            "citations": list(found.citations), "disclaimer": outside_chat(faq.disclaimer),
            "text": outside_chat(faq.format_answer(found)), "related": [_summary(r) for r in faq.related(found)]}


def legal_aid() -> dict:
    """Explain union legal aid."""
    faq = legal_faq()
    aid = faq.legal_aid
    # The chat's "reply 法律援助" becomes the mini-program's own way in: a legal_aid ticket (POST /tickets).
    steps = [f"在小程序里在线提交申请，{outside_chat(step)}" if "回复" in step else step
             for step in aid["how_it_works"]]
    return {"title": aid["title"], "who_qualifies": list(aid["who_qualifies"]),
            "what_to_bring": list(aid["what_to_bring"]), "how_it_works": steps,
            "note": outside_chat(aid.get("note") or "") or None, "text": outside_chat(faq.format_legal_aid())}
