"""工会活动 in the chat: upcoming activities, details, sign-up, waiting list, cancel, 我的活动, in workers' words.

The rules (places, waiting list, who moves up) live in bot/services/activities.py; this module
only talks. Numbered choices carry the activity id: "@action:activity:<id>" shows one,
"@action:activity:list:<offset>" pages through the last list (its filters are kept in
state.context), "@action:activity:all" lists everything, "@action:cancel_sign_up:<id>" asks for confirmation and
"@action:cancel_sign_up:<id>:yes" cancels.

Words are understood too: a date and a kind of activity ("下周日的读书会还有位置吗"), and, right after
a list or an activity was shown, a reference to it ("礼拜六上午那个", "第二个", "杭州那个"), the waiting
list ("那排个队吧"), the next session ("下次什么时候还有") and companions ("我和我老婆两个人一起报").
Those follow-ups reach `follow_up` through a text pattern (FOLLOW_UP_PATTERN), since on their own
they name no service.

One place is one person: the service has no companions (a place per person, one sign-up each),
so a worker who signs up for others is signed up alone and told that each companion signs up
with their own WeChat.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.messages import Reply
from bot.nlu.normalize import to_simplified
from bot.turn import Turn
from bot.services.activities import (
    SHOWN_CANCELLED,
    SHOWN_CLOSED,
    SHOWN_ENDED,
    SHOWN_FULL,
    SHOWN_OPEN,
    WAITING,
    ActivityClosed,
    ActivityFull,
    ActivityNotFound,
    ActivityView,
    AlreadySignedUp,
    MembersOnly,
    NotSignedUp,
    SignUpView,
    to_local,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 5  # a phone screen: five activities, "more", "my activities"
LIST_KEY = "activity_list"  # state.context: filters and offset of the last list shown
SHOWN_KEY = "activity_shown"  # state.context: the activity whose details were shown last
OPTIONS_KEY = "activity_options"  # state.context: {"ids": [...], "mine": bool} of the numbers shown last
SEEN_AT_KEY = "activity_seen_at"  # state.context: when (UTC, ISO) a list or an activity was last shown
FRESH_FOR = timedelta(minutes=30)  # "那个" and "排队" refer to what was shown this recently, in this conversation

MY_WORDS = ("我的活动", "我报名的", "我报的", "我报了", "报名了哪些", "报了哪些", "报名了什么", "我的报名",
            "报名记录", "我参加的", "报上名了吗", "报上了吗", "报名成功了吗", "我的候补")
CANCEL_WORDS = ("取消报名", "不去了", "去不了", "不参加了", "退出活动", "退出候补", "取消候补", "退掉", "退报名",
                "不排队了", "不排了", "不候补了")
CANCEL_PATTERN = re.compile(r"不(去|参加)[^，,。！？?]{0,12}了|(去|参加)不了|取消[^，,。！？?]{0,12}(那个|那场|的)")
SIGN_UP_WORDS = ("报名", "参加", "报上", "我要去", "我想去", "算我一个", "加入候补", "候补")
PLACES_WORDS = ("还有名额", "有名额", "能报", "可以报", "没满", "空位", "有位置", "有没有位置", "有没有名额",
                "满了吗", "满了没", "满没满", "报满了吗", "还剩几个", "剩几个", "名额还有", "位置还有", "还有空")
# Words that say nothing about which activity is meant (kept out of the title search).
GENERIC_WORDS = frozenset("""
活动 工会 工会活动 报名 报上 参加 什么 哪些 有没有 有什么 最近 近期 我 我们 想 要 想要 的 吗 呢 啊 吧 可以 能 怎么
还有 名额 看看 看 一下 其他 别的 更多 周末 本周 这周 下周 明天 今天 后天 本月 这个 这个月 下个月 一些 有 哪里 组织 举办
职工 活动吗 活动呢 请问 你好 推荐 适合 我能 想参加 要参加 好玩 玩 的话 时候 多少 个 哪个 给 帮 帮我 查 查询 查一下 取消
怎么弄 怎么办 怎么报 如何 哪儿 在哪 什么时候 时间 地点 多久 一起 朋友 孩子 家里 能不能 可不可以 是不是
我要 我想 我想要 要去 想去 我要去 我想去 报个名 位置 空位 那个 这个 那场 上午 下午 晚上 早上 中午 号 两个 两个人 一个
老婆 老公 爱人 媳妇 同事 家属 家人 工友 下次 下一场 排队 候补 礼拜 星期
""".split())
WEEKDAYS = "一二三四五六日"

# ---- the follow-ups a text pattern brings here (the handler still decides, and returns None otherwise)
WAIT_PATTERN = re.compile(r"排[个一下上]?队|排上|排一个|候补")
NEXT_PATTERN = re.compile(r"下一?[场次期回轮届批]|还有下一|(什么|啥)时候(还有|再有|再办|还办)|还会再?[办有搞]|再办|"
                          r"以后还有|还有别的场次|其他场次|别的时间")
REFERENCE_PATTERN = re.compile(r"那个|那场|那次|那期|那一[个场]|第\s*[一二三四五六七八九十\d]+\s*[个场项条次期]?|"
                               r"最后一|倒数|头一个")
COMPANION_PATTERN = re.compile(r"老婆|媳妇|老公|爱人|对象|丈夫|妻子|孩子|小孩|儿子|女儿|娃|同事|工友|朋友|室友|家属|家人|"
                               r"爸|妈|父母|我俩|我们俩")
COUNT_PATTERN = re.compile(r"(?<!第)([两二三四五六七八九十2-9])\s*(?:个人|人|位|口)")
SELF_PATTERN = re.compile(r"我和|我跟|和我|跟我|我俩|我们|咱们|一起|也|带上?|加上|连同")
FOR_OTHERS_PATTERN = re.compile(r"帮|替|给")
QUESTION_PATTERN = re.compile(r"吗|能不能|可不可以|可以不|行不行|能否|是否|[？?]")
SIGN_UP_HINT = re.compile(r"报|参加|算上|算我")
# A message that could be one of the follow-ups above: the dialogue tries `follow_up` on it first.
FOLLOW_UP_PATTERN = re.compile("|".join(p.pattern for p in (
    WAIT_PATTERN, NEXT_PATTERN, REFERENCE_PATTERN, COMPANION_PATTERN, COUNT_PATTERN))
    + r"|(周|星期|礼拜)[一二三四五六日天]|[上下]午|晚上|早上|中午|明天|后天|今天|今晚|[月号日]|"
    + "|".join(PLACES_WORDS)
    + r"|禮拜|週|個|場|後天|隊|補|還有")  # traditional characters: the handler reads them simplified


# ---- entry points -------------------------------------------------------------------------

def handle(turn: Turn) -> Reply:
    """活动 / 有什么活动 / 杭州的活动 / 下周日的读书会还有位置吗 / 我的活动 / 取消报名 / 报名羽毛球赛."""
    text = _plain(turn.text)
    if any(word in text for word in MY_WORDS):
        return my_activities(turn)
    if any(word in text for word in CANCEL_WORDS) or CANCEL_PATTERN.search(text):
        return _cancel_by_text(turn, text)
    if _fresh(turn):
        reply = _understood_follow_up(turn, text)
        if reply is not None:
            return reply
    shown = _shown_id(turn)
    if shown and _is_bare_sign_up(text):  # "报名" typed after the details instead of the number
        view = turn.services.activities.get(shown)
        if view is not None and view.status == SHOWN_FULL and view.waiting_list_open:
            return _join_waiting_list(turn, view.id)
        return _sign_up(turn, shown)
    asks_places = _asks_places(text)
    if shown and asks_places and _fresh(turn) and _names_nothing(text, turn):  # "还有名额吗" about the one just shown
        return _show_activity(turn, str(shown), asked_places=True)
    filters = _filters_from_text(text, turn)
    party = _party(text)
    if filters.get("keyword_terms"):
        found, note = _search_with_dates(turn, filters, include_full=asks_places or party is not None)
        if len(found) == 1:
            if party is not None:
                return _sign_up_party(turn, found[0], party, text, head=note)
            return _show_activity(turn, str(found[0].id), asked_places=asks_places, head=note)
        if found:
            label = "、".join(filters["keyword_terms"])
            turn.state.context[LIST_KEY] = {"offset": 0, "ids": [v.id for v in found], "label": label}
            heading = turn.say("activity_list_heading_search", label=label)
            if party is not None:
                heading = f"{turn.say('activity_party_which')}\n{heading}"
            return _render_list(turn, found, len(found), 0, f"{note}\n{heading}" if note else heading)
    terms = filters.pop("keyword_terms", None) or []
    # Say so when the worker named a kind of activity we know (篮球赛) and none is coming up.
    known = turn.match.keywords if turn.match is not None else ()
    named = [k for k in known if len(k) >= 2 and k not in GENERIC_WORDS and any(k in t for t in terms)]
    note = turn.say("activity_none_of_kind", kinds="、".join(named)) if named else ""
    if party is not None and not note:
        note = turn.say("activity_party_which")
    return _list(turn, filters, offset=0, note=note)


def follow_up(turn: Turn) -> Reply | None:
    """Right after activities were shown: "第二个", "礼拜六上午那个", "那排个队吧", "下次什么时候还有", "我和我老婆一起报".

    Anywhere else (or for any other message) it returns None and the dialogue routes the text as usual.
    """
    if not _fresh(turn):
        return None
    text = _plain(turn.text)
    if any(word in text for word in CANCEL_WORDS) or CANCEL_PATTERN.search(text):
        return _cancel_by_text(turn, text)  # "取消礼拜六上午那个": activities were just shown, so one of them
    reply = _understood_follow_up(turn, text)
    if reply is None and _shown_id(turn) and _asks_places(text) and _names_nothing(text, turn):
        reply = _show_activity(turn, str(_shown_id(turn)), asked_places=True)
    return reply


def show_activity(turn: Turn) -> Reply:
    """"@action:activity:<id>": one activity's details; "list:<offset>" the last list again; "all" every one."""
    return _show_activity(turn, turn.argument)


def _show_activity(turn: Turn, argument: str, asked_places: bool = False, head: str = "") -> Reply:
    if argument == "all":  # every upcoming activity, whatever the last list was filtered by
        turn.state.context.pop(LIST_KEY, None)
        return _list(turn, {}, offset=0)
    if argument.startswith("list"):
        offset = _int(argument.partition(":")[2]) or 0
        kept = dict(turn.state.context.get(LIST_KEY) or {})
        if kept.get("ids"):  # a search result: show it again as it was
            views = [v for v in (turn.services.activities.get(i) for i in kept["ids"]) if v is not None]
            return _render_list(turn, views, len(views), 0,
                                turn.say("activity_list_heading_search", label=kept.get("label", "")))
        kept.pop("offset", None)
        return _list(turn, kept, offset=offset)
    service = turn.services.activities
    view = service.get(_int(argument) or 0)
    if view is None or view.status == SHOWN_CANCELLED and not service.sign_up_of(turn.worker.person_id, view.id):
        return _gone(turn)
    _remember_shown(turn, view.id)
    mine = service.sign_up_of(turn.worker.person_id, view.id)
    lines = [head] if head else []
    if asked_places and mine is None:
        lines += [_places_answer(turn, view), ""]
    lines += [turn.say("activity_title_line", title=view.title),
              turn.say("activity_time_line", when=when(view, with_end=True)),
              turn.say("activity_place_line", city=view.city, place=view.place)]
    if view.organizer:
        lines.append(turn.say("activity_organizer_line", organizer=view.organizer))
    members_only = turn.say("activity_members_only_note") if view.members_only else ""
    lines.append(turn.say("activity_eligibility_line", eligibility=view.eligibility or turn.say("activity_everyone"),
                          members_only=members_only))
    if view.summary:
        lines.append(turn.say("activity_summary_line", summary=view.summary))
    lines.append(_places_line(turn, view))
    back = (turn.say("activity_option_back"), _back_target(turn))
    others = (turn.say("activity_option_others"), _back_target(turn))
    mine_option = (turn.say("activity_option_mine"), "@action:my_activities:")
    if mine is not None:
        lines += ["", turn.say("activity_yours", status=status_label(mine, turn))]
        label = turn.say("activity_option_leave_waiting_list" if mine.status == WAITING else "activity_option_cancel")
        return turn.offer("\n".join(lines), [(label, f"@action:cancel_sign_up:{view.id}"), back])
    if view.status == SHOWN_OPEN:
        return turn.offer("\n".join(lines), [(turn.say("activity_option_sign_up"), f"@action:sign_up:{view.id}"), back],
                          turn.say("activity_sign_up_hint"))
    sessions = _other_sessions(turn, view)
    if view.status == SHOWN_FULL and view.waiting_list_open:
        lines += ["", turn.say("activity_waiting_list_explained" if asked_places else "activity_full_waiting_list")]
        return turn.offer("\n".join(lines), [(turn.say("activity_option_waiting_list"), f"@action:waitlist:{view.id}"),
                                             *sessions, others])
    reason = {SHOWN_FULL: "activity_full_no_waiting_list", SHOWN_CLOSED: "activity_closed",
              SHOWN_ENDED: "activity_ended", SHOWN_CANCELLED: "activity_cancelled"}[view.status]
    if not asked_places:  # otherwise the answer above said it already
        lines += ["", turn.say(reason)]
    return turn.offer("\n".join(lines), [*sessions, others, mine_option])


def sign_up(turn: Turn) -> Reply:
    """"@action:sign_up:<id>" (报名): take a place, or explain why not and offer the waiting list or others."""
    return _sign_up(turn, _int(turn.argument) or 0)


def _sign_up(turn: Turn, activity_id: int, note: str = "") -> Reply:
    service = turn.services.activities
    others = (turn.say("activity_option_others"), _back_target(turn))
    extra = f"\n{note}" if note else ""
    try:
        done = service.sign_up(turn.worker.person_id, activity_id)
    except ActivityNotFound:
        return _gone(turn)
    except AlreadySignedUp as exc:
        return _already(turn, exc.sign_up, note)
    except ActivityFull as exc:
        _remember_shown(turn, activity_id)  # "那排个队吧" now means this one
        if exc.waiting_list_open:
            view = service.get(activity_id)
            sessions = _other_sessions(turn, view) if view is not None else []
            return turn.offer(turn.say("activity_last_place_taken") + extra,
                              [(turn.say("activity_option_waiting_list"), f"@action:waitlist:{activity_id}"),
                               *sessions, others])
        return turn.offer(turn.say("activity_full_and_waiting_list_full") + extra, [others])
    except MembersOnly:
        return _members_only(turn)
    except ActivityClosed as exc:
        return _closed(turn, exc)
    view = service.get(activity_id)
    text = turn.say("activity_signed_up", title=done.activity_title, when=when(view, with_end=True),
                    city=view.city, place=view.place) + extra
    return turn.offer(text, [(turn.say("activity_option_mine"), "@action:my_activities:"), others])


def join_waiting_list(turn: Turn) -> Reply:
    """"@action:waitlist:<id>" (加入候补): a place in the waiting list (or the place itself if one came free)."""
    return _join_waiting_list(turn, _int(turn.argument) or 0)


def _join_waiting_list(turn: Turn, activity_id: int) -> Reply:
    service = turn.services.activities
    others = (turn.say("activity_option_others"), _back_target(turn))
    try:
        done = service.join_waiting_list(turn.worker.person_id, activity_id)
    except ActivityNotFound:
        return _gone(turn)
    except AlreadySignedUp as exc:
        return _already(turn, exc.sign_up)
    except ActivityFull:
        return turn.offer(turn.say("activity_waiting_list_full"), [others])
    except MembersOnly:
        return _members_only(turn)
    except ActivityClosed as exc:
        return _closed(turn, exc)
    options = [(turn.say("activity_option_mine"), "@action:my_activities:"), others]
    if done.status != WAITING:
        return turn.offer(turn.say("activity_place_came_free", title=done.activity_title), options)
    return turn.offer(turn.say("activity_joined_waiting_list", title=done.activity_title, position=done.position),
                      options)


def cancel_sign_up(turn: Turn) -> Reply:
    """"@action:cancel_sign_up:<id>" (取消报名): ask to confirm, then cancel ("<id>:yes"); the place goes on."""
    return _cancel_sign_up(turn, turn.argument)


def _cancel_sign_up(turn: Turn, argument: str) -> Reply:
    activity_id_text, _, confirmed = argument.partition(":")
    activity_id = _int(activity_id_text) or 0
    service = turn.services.activities
    mine_option = (turn.say("activity_option_mine"), "@action:my_activities:")
    others = (turn.say("activity_option_others"), _back_target(turn))
    mine = service.sign_up_of(turn.worker.person_id, activity_id)
    if mine is None:
        return turn.offer(turn.say("activity_not_signed_up"), [mine_option, others])
    if confirmed != "yes":
        what = turn.say("activity_what_leave_waiting_list" if mine.status == WAITING else "activity_what_cancel")
        note = "" if mine.status == WAITING else turn.say("activity_cancel_note")
        return turn.offer(turn.say("activity_confirm_cancel", what=what, title=mine.activity_title, note=note),
                          [(turn.say("activity_option_confirm_cancel", what=what),
                            f"@action:cancel_sign_up:{activity_id}:yes"),
                           (turn.say("activity_option_keep"), f"@action:activity:{activity_id}")])
    try:
        done = service.cancel(turn.worker.person_id, activity_id)
    except NotSignedUp:
        return turn.offer(turn.say("activity_not_signed_up"), [mine_option])
    except ActivityClosed:
        return turn.offer(turn.say("activity_started_cannot_cancel"), [mine_option])
    except ActivityNotFound:
        return _gone(turn)
    what = turn.say("activity_what_waiting" if mine.status == WAITING else "activity_what_sign_up")
    return turn.offer(turn.say("activity_cancelled_sign_up", title=done.activity_title, what=what),
                      [others, mine_option])


def my_activities(turn: Turn) -> Reply:
    """我的活动: the worker's sign-ups with their status, and a number to cancel each."""
    turn.state.context.pop(SHOWN_KEY, None)
    mine = turn.services.activities.my_sign_ups(turn.worker.person_id)
    if not mine:
        turn.state.context.pop(OPTIONS_KEY, None)
        return turn.offer(turn.say("activity_mine_none"), [(turn.say("activity_option_recent"), "@action:activity:all")])
    return _render_mine(turn, mine, turn.say("activity_mine_heading", count=len(mine)))


def _render_mine(turn: Turn, mine: list[SignUpView], heading: str) -> Reply:
    lines = [heading]
    options = []
    for sign_up_view in mine:
        lines.append(turn.say("activity_mine_item", title=sign_up_view.activity_title,
                              when=when_local(sign_up_view.starts_at), city=sign_up_view.city,
                              status=status_label(sign_up_view, turn)))
        if len(options) < 7 and sign_up_view.activity_status != SHOWN_CANCELLED:
            what = turn.say("activity_option_leave_waiting_list" if sign_up_view.status == WAITING
                            else "activity_option_cancel")
            options.append((turn.say("activity_mine_option", what=what, title=sign_up_view.activity_title),
                            f"@action:cancel_sign_up:{sign_up_view.activity_id}"))
    _remember_options(turn, [int(t.rpartition(":")[2]) for _label, t in options], mine=True)
    options.append((turn.say("activity_option_others"), "@action:activity:all"))
    return turn.offer("\n".join(lines), options, turn.say("activity_mine_outro"))


# ---- follow-ups in words --------------------------------------------------------------------

def _understood_follow_up(turn: Turn, text: str) -> Reply | None:
    """The reply to a follow-up on what was just shown, or None when the text is not one."""
    reference = _reference(text, turn)
    if reference is not None:
        return _pick(turn, reference, text)
    shown = _shown_id(turn)
    party = _party(text)
    if party is not None and shown and _names_nothing(text, turn):
        view = turn.services.activities.get(shown)
        if view is not None:
            return _sign_up_party(turn, view, party, text)
    if WAIT_PATTERN.search(text) and _names_nothing(text, turn):
        return _wait_by_words(turn)
    if NEXT_PATTERN.search(text) and _names_nothing(text, turn):
        base = shown or _only_option(turn)
        if base:
            return _next_session(turn, base)
    return None


def _wait_by_words(turn: Turn) -> Reply | None:
    """"那排个队吧": the waiting list of the full activity just shown (or a sign-up when a place is free)."""
    service = turn.services.activities
    target = _shown_id(turn) or _only_option(turn)
    if not target:
        options = [v for v in (service.get(i) for i in _options(turn)["ids"]) if v is not None]
        full = [v for v in options if v.status == SHOWN_FULL]
        if len(full) == 1:
            target = full[0].id
        elif options:
            return _render_list(turn, full or options, len(full or options), 0, turn.say("activity_wait_for_which"))
        else:
            return None
    view = service.get(target)
    if view is None:
        return _gone(turn)
    if view.status == SHOWN_OPEN and service.sign_up_of(turn.worker.person_id, view.id) is None:
        _remember_shown(turn, view.id)
        return turn.offer(turn.say("activity_no_need_to_wait", title=view.title, left=view.places_left),
                          [(turn.say("activity_option_sign_up"), f"@action:sign_up:{view.id}"),
                           (turn.say("activity_option_others"), _back_target(turn))])
    return _join_waiting_list(turn, view.id)


def _next_session(turn: Turn, activity_id: int) -> Reply:
    """"还有下一场吗": the next activity of the same series (same title), else of the same kind, else 暂时没有."""
    service = turn.services.activities
    base = service.get(activity_id)
    if base is None:
        return _gone(turn)
    series = _series(base.title)
    views, _total = service.upcoming(keyword=series, limit=20)
    later = [v for v in views if v.id != base.id and v.starts_at > base.starts_at and _series(v.title) == series]
    if later:  # the next one; asked again, the one after it
        view = later[0]
        head = turn.say("activity_next_session", title=view.title, when=when_local(view.starts_at),
                        places=_short_places(turn, view) or turn.say("activity_short_closed"))
        return _show_activity(turn, str(view.id), head=head)
    terms = [t for t in _search_terms(series, turn, None)]
    alike = [v for v in _search(turn, {"keyword_terms": terms}) if _series(v.title) != series] if terms else []
    if alike:
        turn.state.context[LIST_KEY] = {"offset": 0, "ids": [v.id for v in alike], "label": "、".join(terms)}
        return _render_list(turn, alike, len(alike), 0, turn.say("activity_next_of_kind", title=series))
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
            found["position"] = -(_cn_number(position.group(1)) or 1)
        elif position.group(2):
            found["position"] = _cn_number(position.group(2))
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
        span = _dates_in(rest, today, with_matched=True)
        if span:
            found["span"] = (span[0], span[1])
            labels.append(span[2])
            rest = rest.replace(span[3], " ")
    part = _part_of_day(rest)
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
        titles = [v.title for v in _option_views(turn)]
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
    options = _options(turn)
    if options["mine"]:
        mine = [s for s in turn.services.activities.my_sign_ups(turn.worker.person_id) if s.activity_id in options["ids"]]
        mine.sort(key=lambda s: options["ids"].index(s.activity_id))
        chosen = _matching(mine, reference, turn)
        if len(chosen) == 1:
            return _cancel_sign_up(turn, str(chosen[0].activity_id))
        if not chosen:
            return None
        return _render_mine(turn, chosen, turn.say("activity_mine_which", count=len(chosen)))
    views = _option_views(turn)
    if not views:
        return None
    chosen = _matching(views, reference, turn)
    if len(chosen) == 1:
        view = chosen[0]
        party = _party(text)
        if party is not None:
            return _sign_up_party(turn, view, party, text)
        if WAIT_PATTERN.search(text):
            _remember_shown(turn, view.id)
            return _wait_by_words(turn)
        if SIGN_UP_HINT.search(text) and not QUESTION_PATTERN.search(text):
            _remember_shown(turn, view.id)
            if view.status == SHOWN_FULL and view.waiting_list_open:
                return _show_activity(turn, str(view.id), asked_places=True)
            return _sign_up(turn, view.id)
        return _show_activity(turn, str(view.id), asked_places=_asks_places(text))
    if chosen:
        return _render_list(turn, chosen, len(chosen), 0, turn.say("activity_which_one", count=len(chosen)))
    return _render_list(turn, views, len(views), 0, turn.say("activity_reference_not_in_list", what=reference.label))


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


def _party(text: str) -> Party | None:
    """Party when the worker speaks of more than one person ("我和我老婆两个人", "帮我同事也报一个")."""
    count = COUNT_PATTERN.search(text)
    companion = COMPANION_PATTERN.search(text)
    if not companion and not (count and (_cn_number(count.group(1)) or 0) > 1):
        return None
    word = companion.group(0) if companion else ""
    key = ("activity_companion_spouse" if word in ("老婆", "媳妇", "老公", "爱人", "对象", "丈夫", "妻子") else
           "activity_companion_colleague" if word in ("同事", "工友") else
           "activity_companion_friend" if word in ("朋友", "室友") else
           "activity_companion_family" if word in ("家属", "家人", "爸", "妈", "父母") else
           "activity_companion_other")
    for_others = FOR_OTHERS_PATTERN.search(text) and not SELF_PATTERN.search(text)
    return Party(companion_key=key, with_self=not for_others,
                 children=word in ("孩子", "小孩", "儿子", "女儿", "娃"),
                 question=bool(QUESTION_PATTERN.search(text)))


def _sign_up_party(turn: Turn, view: ActivityView, party: Party, text: str, head: str = "") -> Reply:
    """Sign the worker up (one place, theirs) and say how each companion signs up; a question is only answered."""
    _remember_shown(turn, view.id)
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
                  turn.say("activity_time_line", when=when(view, with_end=True)), _places_line(turn, view)]
        options = []
        if view.status == SHOWN_OPEN:
            options.append((turn.say("activity_option_sign_up_myself"), f"@action:sign_up:{view.id}"))
        elif view.status == SHOWN_FULL and view.waiting_list_open:
            options.append((turn.say("activity_option_waiting_list"), f"@action:waitlist:{view.id}"))
        options.append((turn.say("activity_option_others"), _back_target(turn)))
        return turn.offer("\n".join(lines), options)
    service = turn.services.activities
    now = service.get(view.id)
    already = service.sign_up_of(turn.worker.person_id, view.id) is not None
    if now is not None and now.status != SHOWN_OPEN and not already:  # full or closed: say so, the worker decides
        head = f"{head}\n{note}" if head else note
        if now.status == SHOWN_FULL and not party.children:
            head += turn.say("activity_party_none_left", companion=companion)
        return _show_activity(turn, str(view.id), asked_places=True, head=head)
    if not party.children and now is not None:
        # What is left once the worker's own place (taken below, unless they have one) is counted.
        left = now.places_left - (0 if already else 1)
        note += turn.say("activity_party_places_left", left=left) if left > 0 else \
            turn.say("activity_party_none_left", companion=companion)
    return _sign_up(turn, view.id, note=f"{head}\n{note}" if head else note)


# ---- wording ------------------------------------------------------------------------------

def when_local(moment) -> str:
    """12月2日（周三）08:00 in China time."""
    local = to_local(moment)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def _day_local(moment) -> str:
    """12月2日（周三）in China time."""
    local = to_local(moment)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）"


def when(view: ActivityView, with_end: bool = False) -> str:
    """The start, and with_end the end when it is the same day (08:00-11:00) or its date otherwise."""
    text = when_local(view.starts_at)
    if with_end and view.ends_at:
        start, end = to_local(view.starts_at), to_local(view.ends_at)
        text += f"-{end:%H:%M}" if end.date() == start.date() else f" 至 {when_local(view.ends_at)}"
    return text


def status_label(sign_up_view: SignUpView, turn: Turn) -> str:
    """已确认 / 候补第2位 / 活动已取消."""
    if sign_up_view.activity_status == SHOWN_CANCELLED:
        return turn.say("activity_status_cancelled")
    if sign_up_view.status == WAITING:
        return turn.say("activity_status_waiting", position=sign_up_view.position)
    return turn.say("activity_status_promoted" if sign_up_view.promoted else "activity_status_confirmed")


def _places_line(turn: Turn, view: ActivityView) -> str:
    if view.status == SHOWN_FULL:
        waiting = turn.say("activity_places_waiting", count=view.waiting_count) if view.waiting_count else ""
        return turn.say("activity_places_full", capacity=view.capacity, waiting=waiting)
    if view.status == SHOWN_OPEN:
        deadline = "" if view.signup_deadline == view.starts_at else \
            turn.say("activity_places_deadline", when=when_local(view.signup_deadline))
        return turn.say("activity_places_open", capacity=view.capacity, left=view.places_left, deadline=deadline)
    return turn.say("activity_places", capacity=view.capacity)


def _places_answer(turn: Turn, view: ActivityView) -> str:
    """The first line of the answer to "还有位置吗": places left, or full (and whether one can wait)."""
    day = _day_local(view.starts_at)
    if view.status == SHOWN_OPEN:
        return turn.say("activity_answer_open", when=day, title=view.title, left=view.places_left)
    if view.status == SHOWN_FULL:
        key = "activity_answer_full" if view.waiting_list_open else "activity_answer_full_no_waiting_list"
        return turn.say(key, when=day, title=view.title)
    if view.status == SHOWN_CLOSED:
        return turn.say("activity_answer_closed", when=day, title=view.title)
    return turn.say("activity_ended" if view.status == SHOWN_ENDED else "activity_cancelled")


def _short_places(turn: Turn, view: ActivityView) -> str:
    if view.status == SHOWN_OPEN:
        return turn.say("activity_short_open", left=view.places_left)
    if view.status == SHOWN_FULL:
        return turn.say("activity_short_full_waiting_list" if view.waiting_list_open else "activity_short_full")
    return turn.say("activity_short_closed") if view.status == SHOWN_CLOSED else ""


# ---- lists --------------------------------------------------------------------------------

def _list(turn: Turn, filters: dict, offset: int, note: str = "") -> Reply:
    service = turn.services.activities
    query = {k: filters.get(k) for k in ("city", "has_places")}
    query["date_from"] = _date(filters.get("date_from"))
    query["date_to"] = _date(filters.get("date_to"))
    label = filters.get("label") or ""
    part = filters.get("part")
    if part:  # 明天下午: the service knows days, not hours; a day has few activities, filtered here
        views, _total = service.upcoming(limit=50, **query)
        views = [v for v in views if part[0] <= to_local(v.starts_at).hour < part[1]][:PAGE_SIZE * 2]
        if views:
            turn.state.context[LIST_KEY] = {"offset": 0, "ids": [v.id for v in views], "label": label}
            heading = turn.say("activity_list_heading_filtered", label=label)
            return _render_list(turn, views, len(views), 0, f"{note}\n{heading}" if note else heading)
        total = 0
    else:
        views, total = service.upcoming(offset=offset, limit=PAGE_SIZE, **query)
    turn.state.context[LIST_KEY] = {**{k: v for k, v in filters.items() if k != "ids"}, "offset": offset}
    if total == 0 and (any(query.values()) or part):
        turn.state.context[LIST_KEY] = {"offset": 0}
        return turn.offer(turn.say("activity_list_none_for_filter", label=label),
                          [(turn.say("activity_option_all"), "@action:activity:all"),
                           (turn.say("activity_option_mine"), "@action:my_activities:")])
    if total == 0:
        return turn.offer(turn.say("activity_list_none"), [(turn.say("activity_option_mine"), "@action:my_activities:")])
    if offset >= total:
        return _list(turn, filters, 0)
    heading = turn.say("activity_list_heading_filtered", label=label) if label else turn.say("activity_list_heading")
    return _render_list(turn, views, total, offset, f"{note}\n{heading}" if note else heading)


def _render_list(turn: Turn, views: list[ActivityView], total: int, offset: int, heading: str) -> Reply:
    turn.state.context.pop(SHOWN_KEY, None)  # "报名" now means nothing until one is chosen
    _remember_options(turn, [v.id for v in views])
    options = [(turn.say("activity_list_item", title=v.title, when=when_local(v.starts_at), city=v.city,
                         places=_short_places(turn, v)), f"@action:activity:{v.id}") for v in views]
    if offset + len(views) < total:
        options.append((turn.say("activity_option_next_page"), f"@action:activity:list:{offset + PAGE_SIZE}"))
    elif offset > 0:
        options.append((turn.say("activity_option_first_page"), "@action:activity:list:0"))
    options.append((turn.say("activity_option_mine"), "@action:my_activities:"))
    page = turn.say("activity_list_count", total=total) if total > len(views) else ""
    return turn.offer(f"{heading}{page}：", options, turn.say("activity_list_outro"))


def _search(turn: Turn, filters: dict) -> list[ActivityView]:
    """Upcoming activities whose title or summary has one of the worker's words, soonest first.

    A word that matches nothing is shortened from the end (羽毛球赛 -> 羽毛球, 书法课 -> 书法),
    since workers name the kind of activity rather than its exact title. Dates and a part of the
    day in filters narrow it down.
    """
    service, found, hits = turn.services.activities, {}, {}
    dates = {"date_from": _date(filters.get("date_from")), "date_to": _date(filters.get("date_to"))}
    part = filters.get("part")
    for term in filters["keyword_terms"]:
        for length in range(len(term), 1, -1):
            if length < len(term) and term[:length] in GENERIC_WORDS:
                break  # 怎么弄 -> 怎么 would match any summary
            views, _total = service.upcoming(city=filters.get("city"), has_places=filters.get("has_places"),
                                             keyword=term[:length], limit=20 if part else PAGE_SIZE, **dates)
            if part:
                views = [v for v in views if part[0] <= to_local(v.starts_at).hour < part[1]]
            for view in views:
                found.setdefault(view.id, view)
                hits[view.id] = hits.get(view.id, 0) + 1
            if views:
                break
    # 插花体验课 names one activity by both its words: the ones with a single word (体验) are not meant.
    best = max(hits.values(), default=0)
    return sorted((v for v in found.values() if hits[v.id] == best), key=lambda v: (v.starts_at, v.id))[:PAGE_SIZE]


def _search_with_dates(turn: Turn, filters: dict, include_full: bool) -> tuple[list[ActivityView], str]:
    """The search, on the day the worker named; when that day has none, the nearest other days, with a note."""
    if include_full:  # "还有位置吗" is answered about the activity, full or not
        filters = {k: v for k, v in filters.items() if k != "has_places"}
    found = _search(turn, filters)
    if found or not (filters.get("date_from") or filters.get("part")):
        return found, ""
    undated = {k: v for k, v in filters.items() if k not in ("date_from", "date_to", "part")}
    found = _search(turn, undated)
    if not found:
        return [], ""
    what = "、".join(filters["keyword_terms"])
    return found, turn.say("activity_none_on_date", date=filters.get("date_label") or filters.get("label", ""),
                           what=what)


def _filters_from_text(text: str, turn) -> dict:
    """City, dates, part of the day, open places and search words the worker mentioned, with a label for the heading."""
    filters: dict = {}
    labels = []
    city = _city_in(text, turn)
    if city:
        filters["city"] = city
        labels.append(city)
    today = to_local(turn.now).date()
    span = _dates_in(text, today, with_matched=True)
    rest = text
    day_label = ""
    if span:
        start, end, word, matched = span
        filters["date_from"], filters["date_to"] = start.isoformat(), end.isoformat()
        day_label = word
        rest = rest.replace(matched, " ")
    part = _part_of_day(text)  # on the whole text: 明晚 is a day and a part of it
    if part:
        filters["part"] = part[1]
        day_label += part[0]
        rest = rest.replace(part[2], " ")
    if day_label:
        labels.append(day_label)
        filters["date_label"] = day_label
    if any(word in text for word in PLACES_WORDS):
        filters["has_places"] = True
        labels.append("还有名额")
    for word in PLACES_WORDS:
        rest = rest.replace(word, " ")
    filters["label"] = "、".join(labels)
    terms = _search_terms(rest, turn, city)
    if terms:
        filters["keyword_terms"] = terms
    return filters


def _search_terms(text: str, turn, city: str | None) -> list[str]:
    tokens = turn.services.tokenizer.tokens(text)
    cities = {name for city in turn.services.places.cities for name in (city.short, city.name)}
    terms = []
    for token in tokens:
        token = token.strip()
        if len(token) < 2 or token in GENERIC_WORDS or token in cities or re.fullmatch(r"[\W\d_]+", token):
            continue
        if any(word in token for word in ("周末", "名额", "报名", "活动")):
            continue
        if token not in terms:
            terms.append(token)
    return terms[:4]


def _city_in(text: str, turn) -> str | None:
    """The Zhejiang city the worker named, by city, district or county-level city (content/places.yaml)."""
    return next((city for word, city in turn.services.places.place_words() if word in text), None)


# ---- dates in words (China time; the week starts on Monday) ---------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"\d{1,2}|[一二两三四五六七八九十]{1,3}"
_WEEKDAY_PATTERN = re.compile(r"((?<!一)下下个?|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天])")
_MONTH_DAY_PATTERN = re.compile(rf"({_NUMBER})\s*月\s*({_NUMBER})\s*[日号]?")
_DAY_PATTERN = re.compile(rf"(?<![\d月第])({_NUMBER})\s*[号日](?![子常游])")
_MONTH_PATTERN = re.compile(rf"(?<![\d上下])({_NUMBER})\s*月份?(?!\s*(?:\d|[一二两三四五六七八九十]|底|初|中))")
_RELATIVE_DAYS = (("大后天", 3), ("后天", 2), ("明天", 1), ("明早", 1), ("明晚", 1), ("明儿", 1), ("今天", 0),
                  ("今晚", 0), ("今儿", 0))
_PARTS_OF_DAY = (("上午", (0, 12)), ("早上", (0, 10)), ("一早", (0, 10)), ("明早", (0, 10)), ("中午", (11, 14)),
                 ("下午", (12, 18)), ("傍晚", (17, 20)), ("晚上", (17, 24)), ("今晚", (17, 24)),
                 ("明晚", (17, 24)))


def _cn_number(text: str) -> int | None:
    """12, 十二, 二十, 二十五, 两 -> int; None when it is not a small number."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text) if len(text) == 1 else None


def _dates_in(text: str, today: date, with_matched: bool = False):
    """A span of China-time days named in text, as (first, last, label) and with_matched the words matched.

    今天 明天 后天 大后天; 周六 / 星期六 / 礼拜六 (the next one, today included), 这周六, 下周日; 周末,
    下周末; 这周, 下周; 12月20号, 20号; 这个月, 下个月, 12月份. None when no day is named.
    """
    monday = today - timedelta(days=today.weekday())

    def found(start: date, end: date, label: str, matched: str):
        return (start, end, label, matched) if with_matched else (start, end, label)

    def day_label(word: str, day: date) -> str:
        return f"{word}（{day.month}月{day.day}日）" if word != f"{day.month}月{day.day}日" else word

    explicit = _MONTH_DAY_PATTERN.search(text)
    if explicit:
        month, day = _cn_number(explicit.group(1)), _cn_number(explicit.group(2))
        picked = _calendar_day(today.year, month, day)
        if picked is not None and picked < today:
            picked = _calendar_day(today.year + 1, month, day)
        if picked is not None:
            return found(picked, picked, f"{picked.month}月{picked.day}日", explicit.group(0))
    for word, days in _RELATIVE_DAYS:
        if word in text:
            day = today + timedelta(days=days)
            return found(day, day, day_label(word, day), word)
    weekday = _WEEKDAY_PATTERN.search(text)
    if weekday:
        prefix, number = weekday.group(1) or "", "一二三四五六日天".index(weekday.group(2))
        number = min(number, 6)
        if prefix.startswith("下下"):
            day = monday + timedelta(days=14 + number)
        elif prefix.startswith("下"):
            day = monday + timedelta(days=7 + number)
        elif prefix:  # 这周六 / 本周日: this week's
            day = monday + timedelta(days=number)
        else:  # 周六 / 礼拜六: the coming one, today included
            day = today + timedelta(days=(number - today.weekday()) % 7)
        return found(day, day, day_label(weekday.group(0), day), weekday.group(0))
    single_day = _DAY_PATTERN.search(text)
    if single_day:
        number = _cn_number(single_day.group(1))
        picked = _calendar_day(today.year, today.month, number)
        if picked is not None and picked < today:
            following = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
            picked = _calendar_day(following.year, following.month, number)
        if picked is not None:
            return found(picked, picked, f"{picked.month}月{picked.day}日", single_day.group(0))
    if "下周末" in text or "下个周末" in text:
        word = "下周末" if "下周末" in text else "下个周末"
        return found(monday + timedelta(days=12), monday + timedelta(days=13), "下周末", word)
    if "周末" in text:
        saturday = monday + timedelta(days=5)
        word = next(w for w in ("本周末", "这周末", "这个周末", "周末") if w in text)
        return found(max(saturday, today), saturday + timedelta(days=1), "本周末", word)
    for word in ("下个星期", "下个礼拜", "下星期", "下礼拜", "下周"):
        if word in text:
            return found(monday + timedelta(days=7), monday + timedelta(days=13), "下周", word)
    for word in ("这个星期", "这个礼拜", "这星期", "这礼拜", "这周", "本周"):
        if word in text:
            return found(today, monday + timedelta(days=6), "本周", word)
    if "下个月" in text:
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return found(first, _month_end(first), "下个月", "下个月")
    for word in ("这个月", "本月"):
        if word in text:
            return found(today, _month_end(today), "本月", word)
    month = _MONTH_PATTERN.search(text)
    if month:
        number = _cn_number(month.group(1))
        if number and 1 <= number <= 12:
            year = today.year if number >= today.month else today.year + 1
            first = date(year, number, 1)
            return found(max(first, today), _month_end(first), f"{number}月", month.group(0))
    return None


def _part_of_day(text: str) -> tuple[str, tuple[int, int], str] | None:
    """(label, China-time hours [from, to), words matched) of 上午 / 下午 / 晚上 / 中午 / 早上 in text."""
    for word, hours in _PARTS_OF_DAY:
        if word in text:
            label = {"明早": "早上", "一早": "早上", "今晚": "晚上", "明晚": "晚上"}.get(word, word)
            return label, hours, word
    return None


def _calendar_day(year: int, month: int | None, day: int | None) -> date | None:
    try:
        return date(year, month or 0, day or 0)
    except ValueError:
        return None


def _month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


# ---- small helpers ------------------------------------------------------------------------

def _plain(text: str | None) -> str:
    """The worker's text with full-width digits and traditional characters made plain (禮拜六 -> 礼拜六)."""
    return to_simplified(unicodedata.normalize("NFKC", text or "")).strip()


def _asks_places(text: str) -> bool:
    return any(word in text for word in PLACES_WORDS)


def _names_nothing(text: str, turn: Turn) -> bool:
    """True when text names no activity, city or day of its own (so it is about the one just shown)."""
    rest = text
    for word in PLACES_WORDS:
        rest = rest.replace(word, " ")
    for pattern in (WAIT_PATTERN, NEXT_PATTERN, COMPANION_PATTERN, COUNT_PATTERN, SELF_PATTERN):
        rest = pattern.sub(" ", rest)
    return not _search_terms(rest, turn, None) and _city_in(text, turn) is None \
        and _dates_in(text, to_local(turn.now).date()) is None


def _fresh(turn: Turn) -> bool:
    """True when activities were shown in this conversation recently and nothing else was asked since."""
    seen = turn.state.context.get(SEEN_AT_KEY)
    if turn.state.last_intent != "activity" or not seen:
        return False
    try:
        return turn.now - datetime.fromisoformat(seen) <= FRESH_FOR
    except ValueError:
        return False


def _remember_shown(turn: Turn, activity_id: int) -> None:
    turn.state.context[SHOWN_KEY] = activity_id
    turn.state.context[SEEN_AT_KEY] = turn.now.isoformat()


def _remember_options(turn: Turn, ids: list[int], mine: bool = False) -> None:
    turn.state.context[OPTIONS_KEY] = {"ids": ids, "mine": mine}
    turn.state.context[SEEN_AT_KEY] = turn.now.isoformat()


def _shown_id(turn: Turn) -> int | None:
    return _int(str(turn.state.context.get(SHOWN_KEY) or ""))


def _options(turn: Turn) -> dict:
    kept = turn.state.context.get(OPTIONS_KEY) or {}
    return {"ids": [int(i) for i in kept.get("ids") or []], "mine": bool(kept.get("mine"))}


def _option_views(turn: Turn) -> list[ActivityView]:
    options = _options(turn)
    if options["mine"]:
        return []
    service = turn.services.activities
    return [v for v in (service.get(i) for i in options["ids"]) if v is not None]


def _only_option(turn: Turn) -> int | None:
    ids = _options(turn)["ids"]
    return ids[0] if len(ids) == 1 and not _options(turn)["mine"] else None


def _series(title: str) -> str:
    """The title without its session number: 职工读书会（第三期） -> 职工读书会."""
    return re.sub(rf"\s*[（(]?第\s*(?:{_NUMBER}|\d+)\s*[期场批次届轮][)）]?\s*$", "", title).strip() or title


def _other_sessions(turn: Turn, view: ActivityView) -> list[tuple[str, str]]:
    """Options for up to two other upcoming sessions of the same activity that still have places."""
    series = _series(view.title)
    views, _total = turn.services.activities.upcoming(keyword=series, has_places=True, limit=10)
    others = [v for v in views if v.id != view.id and _series(v.title) == series][:2]
    return [(turn.say("activity_option_other_session", when=when_local(v.starts_at), places=_short_places(turn, v)),
             f"@action:activity:{v.id}") for v in others]


def _cancel_by_text(turn: Turn, text: str) -> Reply:
    """取消报名 typed: the activity just shown, the one described ("取消礼拜六上午那个"), the only sign-up, or a choice."""
    mine = turn.services.activities.my_sign_ups(turn.worker.person_id)
    live = [s for s in mine if s.activity_status != SHOWN_CANCELLED]
    reference = _cancel_reference(text, turn)
    if reference is not None:
        described = _matching(live, reference, turn)
        if len(described) == 1:
            return _cancel_sign_up(turn, str(described[0].activity_id))
        if described:
            return _render_mine(turn, described, turn.say("activity_mine_which", count=len(described)))
    shown = _shown_id(turn)
    chosen = [s for s in live if s.activity_id == shown] or (live if len(live) == 1 else [])
    if chosen:
        return _cancel_sign_up(turn, str(chosen[0].activity_id))
    return my_activities(turn)


def _cancel_reference(text: str, turn: Turn) -> Reference | None:
    """The sign-up a cancel message describes by day, part of the day or city (not by a title word)."""
    today = to_local(turn.now).date()
    found: dict = {}
    weekday = re.search(r"(?<![这本下上])(?:周|星期|礼拜)([一二三四五六日天])", text)
    if weekday:
        found["weekday"] = min("一二三四五六日天".index(weekday.group(1)), 6)
    else:
        span = _dates_in(text, today)
        if span:
            found["span"] = (span[0], span[1])
    part = _part_of_day(text)
    if part:
        found["part"] = part[1]
    city = _city_in(text, turn)
    if city:
        found["city"] = city
    return Reference(**found) if found else None


def _is_bare_sign_up(text: str) -> bool:
    """"报名" / "我要报名" / "加入候补" without naming another activity."""
    stripped = re.sub(r"[我要想帮给个一下吧呀啊了！!。.，, ]", "", text)
    return stripped in SIGN_UP_WORDS or stripped in ("报名参加", "报名这个", "就报这个", "报这个")


def _already(turn: Turn, mine: SignUpView, note: str = "") -> Reply:
    what = turn.say("activity_already_waiting", title=mine.activity_title, position=mine.position) \
        if mine.status == WAITING else turn.say("activity_already_signed_up", title=mine.activity_title)
    return turn.offer(f"{what}\n{note}" if note else what,
                      [(turn.say("activity_option_mine"), "@action:my_activities:"),
                       (turn.say("activity_option_others"), _back_target(turn))])


def _members_only(turn: Turn) -> Reply:
    return turn.offer(turn.say("activity_members_only"),
                      [(turn.say("activity_option_join_union"), "@intent:join_union"),
                       (turn.say("activity_option_others"), _back_target(turn))])


def _closed(turn: Turn, exc: ActivityClosed) -> Reply:
    reason = {SHOWN_ENDED: "activity_sign_up_ended", SHOWN_CANCELLED: "activity_cancelled"}.get(
        exc.reason, "activity_closed")
    return turn.offer(turn.say(reason), [(turn.say("activity_option_others"), _back_target(turn)),
                                         (turn.say("activity_option_mine"), "@action:my_activities:")])


def _gone(turn: Turn) -> Reply:
    return turn.offer(turn.say("activity_gone"), [(turn.say("activity_option_recent"), "@action:activity:all")])


def _back_target(turn: Turn) -> str:
    offset = int((turn.state.context.get(LIST_KEY) or {}).get("offset") or 0)
    return f"@action:activity:list:{offset}"


def _int(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _date(value) -> date | None:
    return date.fromisoformat(value) if value else None
