"""Follow-ups in words on what was just shown: a reference to it, the waiting list, the next session, companions.

"礼拜六上午那个", "第二个", "杭州那个" pick one of the activities (or sign-ups) just listed; "那排个队吧"
joins the waiting list of the full one just shown; "下次什么时候还有" finds the next session;
"我和我老婆两个人一起报" signs the worker up with their companions; "再加一个人" / "我老婆不去了" change
how many come. A cancel in words ("取消礼拜六上午那个") is read the same way, so it lives here too.

One place is one person. When the activity lets a sign-up bring companions (max_companions), the
party signs up together and takes a place each; asking for more companions than allowed books
nothing and says what is allowed. When it allows none, the worker is signed up alone and told
that each companion signs up with their own WeChat.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.messages import Reply
from bot.services.activities import SHOWN_CANCELLED, SHOWN_FULL, SHOWN_OPEN, ActivityView, to_local
from bot.turn import Turn
from handlers.activities.context import (
    LIST_KEY,
    back_target,
    offered,
    only_option,
    option_views,
    remember_shown,
    shown_id,
)
from handlers.activities.dates import cn_number, dates_in, part_of_day
from handlers.activities.details import (
    gone_reply,
    places_line,
    series_of,
    short_places,
    show_one,
    when,
    when_local,
)
from handlers.activities.listing import city_in, names_nothing, render_list, search, search_terms
from handlers.activities.signing_up import (
    cancel_or_confirm,
    change_companions_to,
    companions_over_limit,
    join_waiting_list_of,
    my_activities,
    render_mine,
    sign_up_to,
    with_companions,
)
from handlers.activities.words import (
    COMPANION_PATTERN,
    FEWER_PATTERN,
    MORE_PATTERN,
    COUNT_PATTERN,
    FOR_OTHERS_PATTERN,
    QUESTION_PATTERN,
    REFERENCE_PATTERN,
    SELF_PATTERN,
    SIGN_UP_HINT,
    WAIT_PATTERN,
    NEXT_PATTERN,
    asks_about_places,
)

def understood_follow_up(turn: Turn, text: str) -> Reply | None:
    """The reply to a follow-up on what was just shown, or None when the text is not one."""
    reference = _reference(text, turn)
    if reference is not None:
        return _pick(turn, reference, text)
    shown = shown_id(turn)
    party = party_in(text)
    if party is not None and shown and names_nothing(text, turn):
        view = turn.services.activities.get(shown)
        if view is not None:
            return sign_up_party(turn, view, party, text)
    if WAIT_PATTERN.search(text) and names_nothing(text, turn):
        return _wait_by_words(turn)
    if NEXT_PATTERN.search(text) and names_nothing(text, turn):
        base = shown or only_option(turn)
        if base:
            return _next_session(turn, base)
    return None


def _wait_by_words(turn: Turn) -> Reply | None:
    """"那排个队吧": the waiting list of the full activity just shown (or a sign-up when a place is free)."""
    service = turn.services.activities
    target = shown_id(turn) or only_option(turn)
    if not target:
        options = [v for v in (service.get(i) for i in offered(turn)["ids"]) if v is not None]
        full = [v for v in options if v.status == SHOWN_FULL]
        if len(full) == 1:
            target = full[0].id
        elif options:
            return render_list(turn, full or options, len(full or options), 0, turn.say("activity_wait_for_which"))
        else:
            return None
    view = service.get(target)
    if view is None:
        return gone_reply(turn)
    if view.status == SHOWN_OPEN and service.sign_up_of(turn.worker.person_id, view.id) is None:
        remember_shown(turn, view.id)
        return turn.offer(turn.say("activity_no_need_to_wait", title=view.title, left=view.places_left),
                          [(turn.say("activity_option_sign_up"), f"@action:sign_up:{view.id}"),
                           (turn.say("activity_option_others"), back_target(turn))])
    return join_waiting_list_of(turn, view.id)


def _next_session(turn: Turn, activity_id: int) -> Reply:
    """"还有下一场吗": the next activity of the same series (same title), else of the same kind, else 暂时没有."""
    service = turn.services.activities
    base = service.get(activity_id)
    if base is None:
        return gone_reply(turn)
    series = series_of(base.title)
    views, _total = service.upcoming(keyword=series, limit=20)
    later = [v for v in views if v.id != base.id and v.starts_at > base.starts_at and series_of(v.title) == series]
    if later:  # the next one; asked again, the one after it
        view = later[0]
        head = turn.say("activity_next_session", title=view.title, when=when_local(view.starts_at),
                        places=short_places(turn, view) or turn.say("activity_short_closed"))
        return show_one(turn, str(view.id), head=head)
    terms = [t for t in search_terms(series, turn, None)]
    alike = [v for v in search(turn, {"keyword_terms": terms}) if series_of(v.title) != series] if terms else []
    if alike:
        turn.state.context[LIST_KEY] = {"offset": 0, "ids": [v.id for v in alike], "label": "、".join(terms)}
        return render_list(turn, alike, len(alike), 0, turn.say("activity_next_of_kind", title=series))
    return turn.offer(turn.say("activity_no_next_session", title=series),
                      [(turn.say("activity_option_others"), "@action:activity:all"),
                       (turn.say("activity_option_mine"), "@action:my_activities:")])


@dataclass(frozen=True)
class Reference:
    """What a worker said to pick one of the activities just listed ("礼拜六上午那个", "第二个", "杭州那个")."""

    position: int | None = None  # 1-based; -1 the last one
    weekday: int | None = None  # 0 Monday .. 6 Sunday
    span: tuple[date, date] | None = None  # China-time days
    part: tuple[int, int] | None = None  # China-time hours [from, to)
    city: str | None = None
    words: str = ""  # a piece of the title ("读书会那个")
    label: str = ""  # how the worker said it, for "刚才的列表里没有…"


FILLER = re.compile(r"那个|那场|那次|那期|那一个|那一场|这个|这场|那|这|的|吧|呢|啊|呀|哈|嘛|吗|就|选|要|我|想|"
                    r"报名|报|参加|看看|看|一下|活动|个|场|还有位置|有位置|还有名额|有名额|好|了|呗|[，,。.！!？?~～\s]")


def _reference(text: str, turn: Turn) -> Reference | None:
    """The Reference text makes to the list just shown, or None when it says something else."""
    if not REFERENCE_PATTERN.search(text) and len(text) > 8:
        return None  # a longer message with no 那个/第二个 is a request of its own
    rest, found, labels = text, {}, []
    position = re.search(r"倒数第\s*([一二三四五六七八九十\d]+)|第\s*([一二三四五六七八九十\d]+)\s*[个场项条次期]?|"
                         r"(最后一[个场项]?|最后那[个场]|头一个)", rest)
    if position:
        if position.group(1):
            found["position"] = -(cn_number(position.group(1)) or 1)
        elif position.group(2):
            found["position"] = cn_number(position.group(2))
        else:
            found["position"] = 1 if "头" in position.group(3) else -1
        labels.append(position.group(0))
        rest = rest.replace(position.group(0), " ")
    today = to_local(turn.now).date()
    bare_weekday = re.search(r"(?<![这本下上])(?:周|星期|礼拜)([一二三四五六日天])", rest)
    if bare_weekday:
        found["weekday"] = "一二三四五六日天".index(bare_weekday.group(1)) % 7 if bare_weekday.group(1) != "天" else 6
        labels.append(bare_weekday.group(0))
        rest = rest.replace(bare_weekday.group(0), " ")
    else:
        span = dates_in(rest, today, with_matched=True)
        if span:
            found["span"] = (span[0], span[1])
            labels.append(span[2])
            rest = rest.replace(span[3], " ")
    part = part_of_day(rest)
    if part:
        found["part"] = part[1]
        labels.append(part[0])
        rest = rest.replace(part[2], " ")
    for word, city in turn.services.places.place_words():
        if word in rest:
            found["city"] = city
            labels.append(word)
            rest = rest.replace(word, " ")
            break
    rest = FILLER.sub("", rest)
    if rest:  # something else is left: a piece of a listed title ("读书会那个"), or not a reference
        titles = [v.title for v in option_views(turn)]
        if not REFERENCE_PATTERN.search(text) or not any(rest in t for t in titles):
            return None
        found["words"] = rest
        labels.append(rest)
    if not found:
        return None
    if not REFERENCE_PATTERN.search(text) and ("活动" in text or not {"position", "weekday", "span", "part"} & set(found)):
        return None  # "杭州的活动" asks for a new list; "周六上午的" still points at this one
    return Reference(label="".join(labels), **found)


def _pick(turn: Turn, reference: Reference, text: str) -> Reply | None:
    """The listed activity the reference points at; several → ask which with numbers; none → the list again."""
    options = offered(turn)
    if options["mine"]:
        mine = [s for s in turn.services.activities.my_sign_ups(turn.worker.person_id) if s.activity_id in options["ids"]]
        mine.sort(key=lambda s: options["ids"].index(s.activity_id))
        chosen = _matching(mine, reference, turn)
        if len(chosen) == 1:
            return cancel_or_confirm(turn, str(chosen[0].activity_id))
        if not chosen:
            return None
        return render_mine(turn, chosen, turn.say("activity_mine_which", count=len(chosen)))
    views = option_views(turn)
    if not views:
        return None
    chosen = _matching(views, reference, turn)
    if len(chosen) == 1:
        view = chosen[0]
        party = party_in(text)
        if party is not None:
            return sign_up_party(turn, view, party, text)
        if WAIT_PATTERN.search(text):
            remember_shown(turn, view.id)
            return _wait_by_words(turn)
        if SIGN_UP_HINT.search(text) and not QUESTION_PATTERN.search(text):
            remember_shown(turn, view.id)
            if view.status == SHOWN_FULL and view.waiting_list_open:
                return show_one(turn, str(view.id), asked_places=True)
            return sign_up_to(turn, view.id)
        return show_one(turn, str(view.id), asked_places=asks_about_places(text))
    if chosen:
        return render_list(turn, chosen, len(chosen), 0, turn.say("activity_which_one", count=len(chosen)))
    return render_list(turn, views, len(views), 0, turn.say("activity_reference_not_in_list", what=reference.label))


def _matching(items: list, reference: Reference, turn: Turn) -> list:
    """The items (activities or sign-ups, in the order shown) that fit every part of the reference."""
    if reference.position is not None:
        index = reference.position - 1 if reference.position > 0 else len(items) + reference.position
        items = [items[index]] if 0 <= index < len(items) else []
    chosen = []
    for item in items:
        local = to_local(item.starts_at)
        if reference.weekday is not None and local.weekday() != reference.weekday:
            continue
        if reference.span is not None and not reference.span[0] <= local.date() <= reference.span[1]:
            continue
        if reference.part is not None and not reference.part[0] <= local.hour < reference.part[1]:
            continue
        if reference.city is not None and item.city != reference.city:
            continue
        title = getattr(item, "title", None) or getattr(item, "activity_title", "")
        if reference.words and reference.words not in title:
            continue
        chosen.append(item)
    return chosen


# ---- companions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Party:
    """A worker signing up with others: who they named, and whether the worker comes too."""

    companion_key: str  # activity_companion_* reply name
    with_self: bool
    children: bool
    question: bool  # "两个人能报吗": asked, not a request to sign up
    companions: int = 1  # how many come with the worker ("我和我老婆两个人": 1; "我和爸妈": 2)


def party_in(text: str) -> Party | None:
    """Party when the worker speaks of more than one person ("我和我老婆两个人", "帮我同事也报一个")."""
    count = COUNT_PATTERN.search(text)
    companion = COMPANION_PATTERN.search(text)
    if not companion and not (count and (cn_number(count.group(1)) or 0) > 1):
        return None
    word = companion.group(0) if companion else ""
    key = ("activity_companion_spouse" if word in ("老婆", "媳妇", "老公", "爱人", "对象", "丈夫", "妻子") else
           "activity_companion_colleague" if word in ("同事", "工友") else
           "activity_companion_friend" if word in ("朋友", "室友") else
           "activity_companion_family" if word in ("家属", "家人", "爸", "妈", "父母") else
           "activity_companion_other")
    for_others = FOR_OTHERS_PATTERN.search(text) and not SELF_PATTERN.search(text)
    people = cn_number(count.group(1)) if count else None
    if people and people > 1:
        companions = people - 1 if not for_others else people
    else:  # "我和老婆孩子": one companion per word named
        companions = max(1, len(set(COMPANION_PATTERN.findall(text)) - {"我俩", "我们俩"}))
    return Party(companion_key=key, with_self=not for_others,
                 children=word in ("孩子", "小孩", "儿子", "女儿", "娃"),
                 question=bool(QUESTION_PATTERN.search(text)), companions=companions)


def sign_up_party(turn: Turn, view: ActivityView, party: Party, text: str, head: str = "") -> Reply:
    """Sign the worker up, with their companions where the activity allows them; a question is only answered.

    Where it allows none: one place, the worker's, and each companion is told how to sign up.
    """
    remember_shown(turn, view.id)
    if view.max_companions and party.with_self:
        return _sign_up_together(turn, view, party, head)
    companion = turn.say(party.companion_key)
    if party.children:
        note = (turn.say("activity_party_child", eligibility=view.eligibility) if view.eligibility
                else turn.say("activity_party_child_unknown"))
    else:
        note = turn.say("activity_party_one_place_each", companion=companion, title=view.title)
    if party.question or not party.with_self:
        if not party.with_self and not party.question:
            note = f"{turn.say('activity_party_not_for_others')}{note}"
        lines = [head] if head else []
        lines += [note, "", turn.say("activity_title_line", title=view.title),
                  turn.say("activity_time_line", when=when(view, with_end=True)), places_line(turn, view)]
        options = []
        if view.status == SHOWN_OPEN:
            options.append((turn.say("activity_option_sign_up_myself"), f"@action:sign_up:{view.id}"))
        elif view.status == SHOWN_FULL and view.waiting_list_open:
            options.append((turn.say("activity_option_waiting_list"), f"@action:waitlist:{view.id}"))
        options.append((turn.say("activity_option_others"), back_target(turn)))
        return turn.offer("\n".join(lines), options)
    service = turn.services.activities
    now = service.get(view.id)
    already = service.sign_up_of(turn.worker.person_id, view.id) is not None
    if now is not None and now.status != SHOWN_OPEN and not already:  # full or closed: say so, the worker decides
        head = f"{head}\n{note}" if head else note
        if now.status == SHOWN_FULL and not party.children:
            head += turn.say("activity_party_none_left", companion=companion)
        return show_one(turn, str(view.id), asked_places=True, head=head)
    if not party.children and now is not None:
        # What is left once the worker's own place (taken below, unless they have one) is counted.
        left = now.places_left - (0 if already else 1)
        note += turn.say("activity_party_places_left", left=left) if left > 0 else \
            turn.say("activity_party_none_left", companion=companion)
    return sign_up_to(turn, view.id, note=f"{head}\n{note}" if head else note)


def _sign_up_together(turn: Turn, view: ActivityView, party: Party, head: str) -> Reply:
    """The activity allows companions: one sign-up for the party, a place each; nothing booked beyond what it allows."""
    service = turn.services.activities
    asked, allowed = party.companions, view.max_companions
    if party.question:
        lines = [head] if head else []
        lines += [turn.say("activity_party_allowed", title=view.title, allowed=allowed),
                  places_line(turn, view)]
        options = []
        if view.status in (SHOWN_OPEN, SHOWN_FULL) and asked <= allowed:
            options.append((turn.say("activity_option_sign_up_together", seats=asked + 1),
                            f"@action:sign_up:{with_companions(view.id, asked)}"))
        if view.status == SHOWN_OPEN:
            options.append((turn.say("activity_option_sign_up_myself"), f"@action:sign_up:{view.id}"))
        options.append((turn.say("activity_option_others"), back_target(turn)))
        return turn.offer("\n".join(lines), options)
    if asked > allowed:
        return companions_over_limit(turn, view, asked)
    mine = service.sign_up_of(turn.worker.person_id, view.id)
    if mine is not None and mine.companions != asked:  # already signed up: offer to change the party instead
        return turn.offer(turn.say("activity_party_already", title=view.title, seats=mine.seats, new=asked + 1),
                          [(turn.say("activity_option_change_party", seats=asked + 1),
                            f"@action:companions:{view.id}:{asked}"),
                           (turn.say("activity_option_mine"), "@action:my_activities:")])
    return sign_up_to(turn, view.id, note=head, companions=asked)


def change_party_by_words(turn: Turn, text: str) -> Reply | None:
    """"再加一个人" / "我老婆不去了": change the companions of the sign-up meant; None when the text is not that."""
    more, fewer = MORE_PATTERN.search(text), FEWER_PATTERN.search(text)
    if not more and not fewer or QUESTION_PATTERN.search(text):  # "孩子去不了怎么办？" asks, it does not change
        return None
    service = turn.services.activities
    live = [s for s in service.my_sign_ups(turn.worker.person_id) if s.activity_status != SHOWN_CANCELLED]
    shown = shown_id(turn)
    mine = [s for s in live if s.activity_id == shown] or (live if len(live) == 1 else [])
    if not mine:
        return None  # no sign-up clearly meant: the usual routes (a cancel asks which)
    sign_up = mine[0]
    if more:
        return change_companions_to(turn, sign_up.activity_id, sign_up.companions + _how_many(more.group("more")))
    if not sign_up.companions:  # only the worker is signed up: a companion is not theirs to cancel here
        return turn.offer(turn.say("activity_party_nobody_to_remove", title=sign_up.activity_title),
                          [(turn.say("activity_option_mine"), "@action:my_activities:"),
                           (turn.say("activity_option_others"), back_target(turn))])
    gone = _how_many(fewer.group("fewer"))
    return change_companions_to(turn, sign_up.activity_id, max(0, sign_up.companions - gone))


def _how_many(word: str | None) -> int:
    """一/两/2 -> the number; nothing said means one."""
    return (cn_number(word) if word else None) or 1


def cancel_by_text(turn: Turn, text: str) -> Reply:
    """取消报名 typed: the activity just shown, the one described ("取消礼拜六上午那个"), the only sign-up, or a choice."""
    mine = turn.services.activities.my_sign_ups(turn.worker.person_id)
    live = [s for s in mine if s.activity_status != SHOWN_CANCELLED]
    reference = _cancel_reference(text, turn)
    if reference is not None:
        described = _matching(live, reference, turn)
        if len(described) == 1:
            return cancel_or_confirm(turn, str(described[0].activity_id))
        if described:
            return render_mine(turn, described, turn.say("activity_mine_which", count=len(described)))
    shown = shown_id(turn)
    chosen = [s for s in live if s.activity_id == shown] or (live if len(live) == 1 else [])
    if chosen:
        return cancel_or_confirm(turn, str(chosen[0].activity_id))
    return my_activities(turn)


def _cancel_reference(text: str, turn: Turn) -> Reference | None:
    """The sign-up a cancel message describes by day, part of the day or city (not by a title word)."""
    today = to_local(turn.now).date()
    found: dict = {}
    weekday = re.search(r"(?<![这本下上])(?:周|星期|礼拜)([一二三四五六日天])", text)
    if weekday:
        found["weekday"] = min("一二三四五六日天".index(weekday.group(1)), 6)
    else:
        span = dates_in(text, today)
        if span:
            found["span"] = (span[0], span[1])
    part = part_of_day(text)
    if part:
        found["part"] = part[1]
    city = city_in(text, turn)
    if city:
        found["city"] = city
    return Reference(**found) if found else None

