"""Benefits (福利查询): what this worker can get, depending on whether they are a member and where.

The catalogue service decides what exists and who it is for; membership says who is asking.
The benefit last shown is kept in the conversation context, so "那疗休养呢" is understood.
"""
from __future__ import annotations

import logging

from bot.messages import Reply, TextReply
from bot.services.places import CITIES, normalize_city

log = logging.getLogger(__name__)

LAST_BENEFIT_KEY = "last_benefit"
MORE_LIKE_THIS = 2  # other matching benefits offered by number under an answer


def handle(user, message, ctx) -> Reply:
    """福利查询: a named benefit's details, or what this worker is (or would be) entitled to."""
    catalogue = ctx.runtime.benefits
    is_member, city = _who(user, ctx)
    city = city or _city_in(ctx.text)  # a member's benefits follow their membership; a named city only ranks offers
    found = catalogue.find(ctx.text) if ctx.text else []
    if found:
        return _about(ctx, found, is_member, city)
    return _overview(ctx, is_member, city)


def _who(user, ctx) -> tuple[bool, str | None]:
    """Whether the worker is a member, and the city of their membership."""
    membership = ctx.runtime.membership
    if not membership.is_member(user.person_id):
        return False, None
    return True, normalize_city(membership.member_city(user.person_id))


def _city_in(text: str | None) -> str | None:
    """A Zhejiang city the worker names ("宁波有什么福利"): where a non-member would be asking about."""
    return next((c for c in CITIES if c in (text or "")), None)


def _about(ctx, found: list, is_member: bool, city: str | None) -> TextReply:
    """The best matching benefit for this worker, with the other matches as numbered choices."""
    catalogue = ctx.runtime.benefits
    applicable = {b.id for b in catalogue.for_person(True, city)}  # where they live, whatever their membership
    here = [b for b in found if b.id in applicable]
    named = [b for b in found if any(c in (ctx.text or "") for c in b.cities)]  # 舟山海岛疗休养: asked by name
    best = (named or here or found)[0]
    note = ""
    if best.id not in applicable:
        where = "、".join(best.cities)
        note = f"（这项目前只在{where}开展{f'，{city}暂时没有' if city else ''}。）\n"
    _remember(ctx, best)
    others = [b for b in (here or found) if b.id != best.id][:MORE_LIKE_THIS]  # what they can use instead
    options = [(b.name, f"@action:benefit:{b.id}") for b in others]
    if not is_member:
        options.append(("在线入会", "@intent:join_union"))
    options.append(("看看全部福利", "@action:benefit:all"))
    return ctx.offer(f"{note}{catalogue.describe(best, is_member=is_member)}\n\n回复数字：", options)


def _overview(ctx, is_member: bool, city: str | None) -> TextReply:
    """The benefits by category: what a member has in their city, or what joining would bring."""
    catalogue = ctx.runtime.benefits
    ctx.state.last_intent = "benefit_query"
    mine = catalogue.for_person(True, city)
    categories = [(c, [b for b in mine if b.category == c]) for c in catalogue.categories()]
    categories = [(c, items) for c, items in categories if items]
    browse = [(f"{c}（{len(items)}项）", f"@action:benefit:cat:{c}") for c, items in categories]
    if is_member:
        where = f"在{city}" if city else ""
        head = f"您是工会会员，{where}可以享受这些福利，回复数字看看每一类："
        return ctx.offer(head, browse, "也可以直接问，比如“电影票怎么领”“疗休养怎么报名”。")
    open_to_all = [b.name for b in catalogue.for_person(False, city)]
    head = "您还不是工会会员。入会后可以享受这几类会员福利：" + "、".join(c for c, _ in categories) + "。"
    if open_to_all:
        head += f"\n不是会员也能享受：{'、'.join(open_to_all)}。"
    options = [("在线入会（几分钟就能办好）", "@intent:join_union")] + browse
    return ctx.offer(head + "\n\n回复数字：", options)


def _remember(ctx, benefit) -> None:
    ctx.state.context[LAST_BENEFIT_KEY] = benefit.id
    ctx.state.last_intent = "benefit_query"


# ---- numbered choices (ACTIONS) ---------------------------------------------------------

def show_benefit(user, message, ctx, argument: str) -> Reply:
    """A benefit picked by number ("<id>"), a category ("cat:<name>") or everything ("all")."""
    catalogue = ctx.runtime.benefits
    is_member, city = _who(user, ctx)
    if argument.startswith("cat:"):
        return _category(ctx, argument[4:], is_member, city)
    benefit = catalogue.get(argument)
    if benefit is None:  # "all", or the catalogue changed since the choice was offered
        return _overview(ctx, is_member, city)
    return _about(ctx, [benefit], is_member, city)


def _category(ctx, category: str, is_member: bool, city: str | None) -> TextReply:
    catalogue = ctx.runtime.benefits
    ctx.state.last_intent = "benefit_query"
    items = [b for b in catalogue.for_person(True, city) if b.category == category]
    if not items:
        return _overview(ctx, is_member, city)
    options = [(b.name + ("" if is_member or not b.members_only else "（会员专享）"), f"@action:benefit:{b.id}")
               for b in items]
    if not is_member:
        options.append(("在线入会", "@intent:join_union"))
    return ctx.offer(f"“{category}”类福利，回复数字看详情：", options)


# ---- follow-ups recognised by their shape (TEXT_PATTERNS) -------------------------------

def follow_up(user, message, ctx, found) -> Reply | None:
    """"那疗休养呢" after a benefit answer; anywhere else the message is routed as usual."""
    if ctx.state.last_intent == "benefit_query" and ctx.runtime.benefits.find(ctx.text):
        return handle(user, message, ctx)
    return None  # not a follow-up: the dialogue routes it as usual


def check_content(content_dir) -> None:
    """Content check: the benefits catalogue loads (ContentError naming the file and item otherwise)."""
    from bot.services.benefits import BenefitCatalogue

    BenefitCatalogue.load(content_dir)
