"""Benefits (福利查询): what this worker can get, depending on whether they are a member and where.

The catalogue service decides what exists and who it is for; membership says who is asking.
The benefit last shown is kept in the conversation context, so "那疗休养呢" is understood.
"""
from __future__ import annotations

import logging

from bot.messages import Reply, TextReply
from bot.turn import Turn

log = logging.getLogger(__name__)

LAST_BENEFIT_KEY = "last_benefit"
MORE_LIKE_THIS = 2  # other matching benefits offered by number under an answer
LIST_SEPARATOR = "、"  # between the items of a list within a sentence (cities, categories, benefits)


def handle(turn: Turn) -> Reply:
    """福利查询: a named benefit's details, or what this worker is (or would be) entitled to."""
    catalogue = turn.services.benefits
    is_member, city = _who(turn)
    city = city or _city_in(turn)  # a member's benefits follow their membership; a named city only ranks offers
    found = catalogue.find(turn.text) if turn.text else []
    if found:
        return _about(turn, found, is_member, city)
    return _overview(turn, is_member, city)


def _who(turn: Turn) -> tuple[bool, str | None]:
    """Whether the worker is a member, and the city of their membership."""
    membership = turn.services.membership
    if not membership.is_member(turn.worker.person_id):
        return False, None
    return True, turn.services.places.short_name(membership.member_city(turn.worker.person_id))


def _city_in(turn: Turn) -> str | None:
    """A Zhejiang city the worker names ("宁波有什么福利"): where a non-member would be asking about."""
    return next((c for c in turn.services.places.short_names() if c in (turn.text or "")), None)


def _about(turn: Turn, found: list, is_member: bool, city: str | None) -> TextReply:
    """The best matching benefit for this worker, with the other matches as numbered choices."""
    catalogue = turn.services.benefits
    applicable = {b.id for b in catalogue.for_person(True, city)}  # where they live, whatever their membership
    here = [b for b in found if b.id in applicable]
    named = [b for b in found if any(c in (turn.text or "") for c in b.cities)]  # 舟山海岛疗休养: asked by name
    best = (named or here or found)[0]
    note = ""
    if best.id not in applicable:
        where = LIST_SEPARATOR.join(best.cities)
        note = (turn.say("benefit_only_in_cities_not_yours", where=where, city=city) if city
                else turn.say("benefit_only_in_cities", where=where)) + "\n"
    _remember(turn, best)
    others = [b for b in (here or found) if b.id != best.id][:MORE_LIKE_THIS]  # what they can use instead
    options = [(b.name, f"@action:benefit:{b.id}") for b in others]
    if not is_member:
        options.append((turn.say("option_join_union"), "@intent:join_union"))
    options.append((turn.say("benefit_option_all"), "@action:benefit:all"))
    return turn.offer(f"{note}{catalogue.describe(best, is_member=is_member)}\n\n{turn.say('benefit_pick_number')}", options)


def _overview(turn: Turn, is_member: bool, city: str | None) -> TextReply:
    """The benefits by category: what a member has in their city, or what joining would bring."""
    catalogue = turn.services.benefits
    turn.state.last_intent = "benefit_query"
    mine = catalogue.for_person(True, city)
    categories = [(c, [b for b in mine if b.category == c]) for c in catalogue.categories()]
    categories = [(c, items) for c, items in categories if items]
    browse = [(turn.say("benefit_option_category", category=c, count=len(items)), f"@action:benefit:cat:{c}")
              for c, items in categories]
    if is_member:
        head = (turn.say("benefits_member_overview_in_city", city=city) if city
                else turn.say("benefits_member_overview"))
        return turn.offer(head, browse, turn.say("benefits_member_overview_outro"))
    open_to_all = [b.name for b in catalogue.for_person(False, city)]
    head = turn.say("benefits_non_member_overview", categories=LIST_SEPARATOR.join(c for c, _ in categories))
    if open_to_all:
        head += "\n" + turn.say("benefits_open_to_all", names=LIST_SEPARATOR.join(open_to_all))
    options = [(turn.say("benefits_option_join_union"), "@intent:join_union")] + browse
    return turn.offer(head + "\n\n" + turn.say("benefit_pick_number"), options)


def _remember(turn: Turn, benefit) -> None:
    turn.state.context[LAST_BENEFIT_KEY] = benefit.id
    turn.state.last_intent = "benefit_query"


# ---- numbered choices (ACTIONS) ---------------------------------------------------------

def show_benefit(turn: Turn) -> Reply:
    """A benefit picked by number ("<id>"), a category ("cat:<name>") or everything ("all")."""
    catalogue = turn.services.benefits
    argument = turn.argument
    is_member, city = _who(turn)
    if argument.startswith("cat:"):
        return _category(turn, argument[4:], is_member, city)
    benefit = catalogue.get(argument)
    if benefit is None:  # "all", or the catalogue changed since the choice was offered
        return _overview(turn, is_member, city)
    return _about(turn, [benefit], is_member, city)


def _category(turn: Turn, category: str, is_member: bool, city: str | None) -> TextReply:
    catalogue = turn.services.benefits
    turn.state.last_intent = "benefit_query"
    items = [b for b in catalogue.for_person(True, city) if b.category == category]
    if not items:
        return _overview(turn, is_member, city)
    mark = turn.say("benefit_members_only_mark")
    options = [(b.name + ("" if is_member or not b.members_only else mark), f"@action:benefit:{b.id}")
               for b in items]
    if not is_member:
        options.append((turn.say("option_join_union"), "@intent:join_union"))
    return turn.offer(turn.say("benefits_category", category=category), options)


# ---- follow-ups recognised by their shape (TEXT_PATTERNS) -------------------------------

def follow_up(turn: Turn) -> Reply | None:
    """"那疗休养呢" after a benefit answer; anywhere else the message is routed as usual."""
    if turn.state.last_intent == "benefit_query" and turn.services.benefits.find(turn.text):
        return handle(turn)
    return None  # not a follow-up: the dialogue routes it as usual


def check_content(content_dir) -> None:
    """Content check: the benefits catalogue loads (ContentError naming the file and item otherwise)."""
    from bot.services.benefits import BenefitCatalogue

    BenefitCatalogue.load(content_dir)
