"""工会活动 in the chat: upcoming activities, details, sign-up by number, waiting list, cancel, 我的活动.

The rules (places, waiting list, who moves up) live in bot/services/activities.py; this module
only talks. Numbered choices carry the activity id: "@action:activity:<id>" shows one,
"@action:activity:list:<offset>" pages through the last list (its filters are kept in
state.context), "@action:activity:all" lists everything, "@action:cancel_sign_up:<id>" asks for confirmation and
"@action:cancel_sign_up:<id>:yes" cancels.
"""
from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from bot.messages import Reply
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
from bot.services.places import CITIES

log = logging.getLogger(__name__)

PAGE_SIZE = 5  # a phone screen: five activities, "more", "my activities"
LIST_KEY = "activity_list"  # state.context: filters and offset of the last list shown
SHOWN_KEY = "activity_shown"  # state.context: the activity whose details were shown last

MY_WORDS = ("我的活动", "我报名的", "我报的", "我报了", "报名了哪些", "报了哪些", "报名了什么", "我的报名",
            "报名记录", "我参加的", "报上名了吗", "报上了吗", "报名成功了吗", "我的候补")
CANCEL_WORDS = ("取消报名", "不去了", "去不了", "不参加了", "退出活动", "退出候补", "取消候补", "退掉", "退报名")
CANCEL_PATTERN = re.compile(r"不(去|参加)[^，,。！？?]{0,12}了|(去|参加)不了")  # 不去插花课了, 参加不了羽毛球赛
SIGN_UP_WORDS = ("报名", "参加", "报上", "我要去", "我想去", "算我一个", "加入候补", "候补")
PLACES_WORDS = ("还有名额", "有名额", "能报", "可以报", "没满", "空位", "有位置")
# Words that say nothing about which activity is meant (kept out of the title search).
GENERIC_WORDS = frozenset("""
活动 工会 工会活动 报名 报上 参加 什么 哪些 有没有 有什么 最近 近期 我 我们 想 要 想要 的 吗 呢 啊 吧 可以 能 怎么
还有 名额 看看 看 一下 其他 别的 更多 周末 本周 这周 下周 明天 今天 后天 本月 这个 这个月 下个月 一些 有 哪里 组织 举办
职工 活动吗 活动呢 请问 你好 推荐 适合 我能 想参加 要参加 好玩 玩 的话 时候 多少 个 哪个 给 帮 帮我 查 查询 查一下 取消
怎么弄 怎么办 怎么报 如何 哪儿 在哪 什么时候 时间 地点 多久 一起 朋友 孩子 家里 能不能 可不可以 是不是
我要 我想 我想要 要去 想去 我要去 我想去 报个名
""".split())
WEEKDAYS = "一二三四五六日"


# ---- entry points -------------------------------------------------------------------------

def handle(turn: Turn) -> Reply:
    """活动 / 有什么活动 / 杭州的活动 / 我的活动 / 取消报名 / 报名羽毛球赛: the right answer for each."""
    text = turn.text or ""
    if any(word in text for word in MY_WORDS):
        return my_activities(turn)
    if any(word in text for word in CANCEL_WORDS) or CANCEL_PATTERN.search(text):
        return _cancel_by_text(turn)
    shown = turn.state.context.get(SHOWN_KEY)
    if shown and _is_bare_sign_up(text):  # "报名" typed after the details instead of the number
        view = turn.services.activities.get(int(shown))
        if view is not None and view.status == SHOWN_FULL and view.waiting_list_open:
            return _join_waiting_list(turn, view.id)
        return _sign_up(turn, int(shown))
    filters = _filters_from_text(text, turn)
    if filters.get("keyword_terms"):
        found = _search(turn, filters)
        if len(found) == 1:
            return _show_activity(turn, str(found[0].id))
        if found:
            label = "、".join(filters["keyword_terms"])
            turn.state.context[LIST_KEY] = {"offset": 0, "ids": [v.id for v in found], "label": label}
            return _render_list(turn, found, len(found), 0, f"和“{label}”有关的活动")
    terms = filters.pop("keyword_terms", None) or []
    # Say so when the worker named a kind of activity we know (篮球赛) and none is coming up.
    known = turn.match.keywords if turn.match is not None else ()
    named = [k for k in known if len(k) >= 2 and k not in GENERIC_WORDS and any(k in t for t in terms)]
    note = f"暂时没有{'、'.join(named)}相关的活动，看看近期其他活动吧。" if named else ""
    return _list(turn, filters, offset=0, note=note)


def show_activity(turn: Turn) -> Reply:
    """"@action:activity:<id>": one activity's details; "list:<offset>" the last list again; "all" every one."""
    return _show_activity(turn, turn.argument)


def _show_activity(turn: Turn, argument: str) -> Reply:
    if argument == "all":  # every upcoming activity, whatever the last list was filtered by
        turn.state.context.pop(LIST_KEY, None)
        return _list(turn, {}, offset=0)
    if argument.startswith("list"):
        offset = _int(argument.partition(":")[2]) or 0
        kept = dict(turn.state.context.get(LIST_KEY) or {})
        if kept.get("ids"):  # a search result: show it again as it was
            views = [v for v in (turn.services.activities.get(i) for i in kept["ids"]) if v is not None]
            return _render_list(turn, views, len(views), 0, f"和“{kept.get('label', '')}”有关的活动")
        kept.pop("offset", None)
        return _list(turn, kept, offset=offset)
    service = turn.services.activities
    view = service.get(_int(argument) or 0)
    if view is None or view.status == SHOWN_CANCELLED and not service.sign_up_of(turn.worker.person_id, view.id):
        return _gone(turn)
    turn.state.context[SHOWN_KEY] = view.id
    mine = service.sign_up_of(turn.worker.person_id, view.id)
    lines = [f"【{view.title}】", f"时间：{when(view, with_end=True)}", f"地点：{view.city} · {view.place}"]
    if view.organizer:
        lines.append(f"主办：{view.organizer}")
    lines.append(f"谁能参加：{view.eligibility or '所有职工'}" + ("（仅限工会会员）" if view.members_only else ""))
    if view.summary:
        lines.append(f"内容：{view.summary}")
    lines.append(_places_line(view))
    back = ("返回列表", _back_target(turn))
    if mine is not None:
        lines += ["", f"您已报名：{status_label(mine)}。"]
        return turn.offer("\n".join(lines), [("取消报名" if mine.status != WAITING else "退出候补",
                                             f"@action:cancel_sign_up:{view.id}"), back])
    if view.status == SHOWN_OPEN:
        return turn.offer("\n".join(lines), [("报名", f"@action:sign_up:{view.id}"), back],
                         "回复 1 即可报名。")
    if view.status == SHOWN_FULL and view.waiting_list_open:
        lines += ["", "名额已经报满了。加入候补后，有人取消时按候补顺序自动为您确认，并通知您。"]
        return turn.offer("\n".join(lines), [("加入候补", f"@action:waitlist:{view.id}"),
                                             ("看看其他活动", _back_target(turn))])
    reason = {SHOWN_FULL: "名额已经报满了，候补名单也满了。", SHOWN_CLOSED: "这个活动的报名已经截止了。",
              SHOWN_ENDED: "这个活动已经结束了。", SHOWN_CANCELLED: "这个活动已经取消了。"}[view.status]
    return turn.offer("\n".join(lines + ["", reason]), [("看看其他活动", _back_target(turn)),
                                                       ("我的活动", "@action:my_activities:")])


def sign_up(turn: Turn) -> Reply:
    """"@action:sign_up:<id>" (报名): take a place, or explain why not and offer the waiting list or others."""
    return _sign_up(turn, _int(turn.argument) or 0)


def _sign_up(turn: Turn, activity_id: int) -> Reply:
    service = turn.services.activities
    try:
        done = service.sign_up(turn.worker.person_id, activity_id)
    except ActivityNotFound:
        return _gone(turn)
    except AlreadySignedUp as exc:
        return _already(turn, exc.sign_up)
    except ActivityFull as exc:
        if exc.waiting_list_open:
            return turn.offer("不好意思，刚刚最后一个名额被别人报走了。\n"
                             "加入候补后，有人取消时按候补顺序自动为您确认，并通知您。",
                             [("加入候补", f"@action:waitlist:{activity_id}"), ("看看其他活动", _back_target(turn))])
        return turn.offer("不好意思，这个活动的名额和候补名单都满了。", [("看看其他活动", _back_target(turn))])
    except MembersOnly:
        return turn.offer("这个活动仅限工会会员参加。入会免费，在线申请大约 3 分钟。",
                         [("在线入会", "@intent:join_union"), ("看看其他活动", _back_target(turn))])
    except ActivityClosed as exc:
        return _closed(turn, exc)
    view = service.get(activity_id)
    text = (f"报名成功！您已报上「{done.activity_title}」。\n"
            f"时间：{when(view, with_end=True)}\n地点：{view.city} · {view.place}\n"
            "请准时参加；如果去不了，记得提前取消，把名额让给其他职工。")
    return turn.offer(text, [("我的活动", "@action:my_activities:"), ("看看其他活动", _back_target(turn))])


def join_waiting_list(turn: Turn) -> Reply:
    """"@action:waitlist:<id>" (加入候补): a place in the waiting list (or the place itself if one came free)."""
    return _join_waiting_list(turn, _int(turn.argument) or 0)


def _join_waiting_list(turn: Turn, activity_id: int) -> Reply:
    service = turn.services.activities
    try:
        done = service.join_waiting_list(turn.worker.person_id, activity_id)
    except ActivityNotFound:
        return _gone(turn)
    except AlreadySignedUp as exc:
        return _already(turn, exc.sign_up)
    except ActivityFull:
        return turn.offer("不好意思，这个活动的候补名单也满了。", [("看看其他活动", _back_target(turn))])
    except MembersOnly:
        return turn.offer("这个活动仅限工会会员参加。入会免费，在线申请大约 3 分钟。",
                         [("在线入会", "@intent:join_union"), ("看看其他活动", _back_target(turn))])
    except ActivityClosed as exc:
        return _closed(turn, exc)
    options = [("我的活动", "@action:my_activities:"), ("看看其他活动", _back_target(turn))]
    if done.status != WAITING:
        return turn.offer(f"正好有名额空出来了，已为您直接报上「{done.activity_title}」！\n"
                         "如果去不了，记得提前取消。", options)
    return turn.offer(f"已加入「{done.activity_title}」的候补，您排第 {done.position} 位。\n"
                     "有人取消时会按顺序自动为您确认，并第一时间通知您。", options)


def cancel_sign_up(turn: Turn) -> Reply:
    """"@action:cancel_sign_up:<id>" (取消报名): ask to confirm, then cancel ("<id>:yes"); the place goes on."""
    return _cancel_sign_up(turn, turn.argument)


def _cancel_sign_up(turn: Turn, argument: str) -> Reply:
    activity_id_text, _, confirmed = argument.partition(":")
    activity_id = _int(activity_id_text) or 0
    service = turn.services.activities
    mine = service.sign_up_of(turn.worker.person_id, activity_id)
    if mine is None:
        return turn.offer("您没有报名这个活动，不需要取消。", [("我的活动", "@action:my_activities:"),
                                                         ("看看其他活动", _back_target(turn))])
    if confirmed != "yes":
        what = "退出候补" if mine.status == WAITING else "取消报名"
        note = "" if mine.status == WAITING else "取消后名额会让给其他职工，再报名可能就没有名额了。"
        return turn.offer(f"确定要{what}「{mine.activity_title}」吗？{note}",
                         [(f"确定{what}", f"@action:cancel_sign_up:{activity_id}:yes"),
                          ("先不取消", f"@action:activity:{activity_id}")])
    try:
        done = service.cancel(turn.worker.person_id, activity_id)
    except NotSignedUp:
        return turn.offer("您没有报名这个活动，不需要取消。", [("我的活动", "@action:my_activities:")])
    except ActivityClosed:
        return turn.offer("活动已经开始了，不能再取消报名。", [("我的活动", "@action:my_activities:")])
    except ActivityNotFound:
        return _gone(turn)
    what = "候补" if mine.status == WAITING else "报名"
    return turn.offer(f"已取消「{done.activity_title}」的{what}。欢迎下次再来参加！",
                     [("看看其他活动", _back_target(turn)), ("我的活动", "@action:my_activities:")])


def my_activities(turn: Turn) -> Reply:
    """我的活动: the worker's sign-ups with their status, and a number to cancel each."""
    turn.state.context.pop(SHOWN_KEY, None)
    mine = turn.services.activities.my_sign_ups(turn.worker.person_id)
    if not mine:
        return turn.offer("您目前没有报名的活动。", [("看看近期活动", "@action:activity:all")])
    lines = [f"您报名的活动（{len(mine)}个）："]
    options = []
    for sign_up_view in mine:
        lines.append(f"· {sign_up_view.activity_title}\n  {when_local(sign_up_view.starts_at)} · "
                     f"{sign_up_view.city} · {status_label(sign_up_view)}")
        if len(options) < 7 and sign_up_view.activity_status != SHOWN_CANCELLED:
            what = "退出候补" if sign_up_view.status == WAITING else "取消报名"
            options.append((f"{what}：{sign_up_view.activity_title}", f"@action:cancel_sign_up:{sign_up_view.activity_id}"))
    options.append(("看看其他活动", "@action:activity:all"))
    return turn.offer("\n".join(lines), options, "需要取消的话回复对应数字。")


# ---- wording ------------------------------------------------------------------------------

def when_local(moment) -> str:
    """12月2日（周三）08:00 in China time."""
    local = to_local(moment)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def when(view: ActivityView, with_end: bool = False) -> str:
    """The start, and with_end the end when it is the same day (08:00-11:00) or its date otherwise."""
    text = when_local(view.starts_at)
    if with_end and view.ends_at:
        start, end = to_local(view.starts_at), to_local(view.ends_at)
        text += f"-{end:%H:%M}" if end.date() == start.date() else f" 至 {when_local(view.ends_at)}"
    return text


def status_label(sign_up_view: SignUpView) -> str:
    """已确认 / 候补第2位 / 活动已取消."""
    if sign_up_view.activity_status == SHOWN_CANCELLED:
        return "活动已取消"
    if sign_up_view.status == WAITING:
        return f"候补第{sign_up_view.position}位"
    return "已确认（候补转正）" if sign_up_view.promoted else "已确认"


def _places_line(view: ActivityView) -> str:
    deadline = "" if view.signup_deadline == view.starts_at else f"，报名截止 {when_local(view.signup_deadline)}"
    if view.status == SHOWN_FULL:
        waiting = f"，{view.waiting_count}人候补" if view.waiting_count else ""
        return f"名额：{view.capacity}个，已报满{waiting}"
    if view.status == SHOWN_OPEN:
        return f"名额：{view.capacity}个，还剩{view.places_left}个{deadline}"
    return f"名额：{view.capacity}个"


def _short_places(view: ActivityView) -> str:
    return {SHOWN_OPEN: f"剩{view.places_left}个名额", SHOWN_FULL: "已满" + ("，可候补" if view.waiting_list_open else ""),
            SHOWN_CLOSED: "报名已截止"}.get(view.status, "")


# ---- lists --------------------------------------------------------------------------------

def _list(turn: Turn, filters: dict, offset: int, note: str = "") -> Reply:
    service = turn.services.activities
    query = {k: filters.get(k) for k in ("city", "has_places")}
    query["date_from"] = _date(filters.get("date_from"))
    query["date_to"] = _date(filters.get("date_to"))
    views, total = service.upcoming(offset=offset, limit=PAGE_SIZE, **query)
    turn.state.context[LIST_KEY] = {**{k: v for k, v in filters.items() if k != "ids"}, "offset": offset}
    label = filters.get("label") or ""
    if total == 0 and any(query.values()):
        turn.state.context[LIST_KEY] = {"offset": 0}
        return turn.offer(f"暂时没有{label}的活动。看看全省其他活动吧？",
                         [("看看全部活动", "@action:activity:all"), ("我的活动", "@action:my_activities:")])
    if total == 0:
        return turn.offer("近期暂时没有可以报名的工会活动，新活动发布后我们会推送通知您。",
                         [("我的活动", "@action:my_activities:")])
    if offset >= total:
        return _list(turn, filters, 0)
    heading = f"{label}的活动" if label else "近期的工会活动"
    return _render_list(turn, views, total, offset, f"{note}\n{heading}" if note else heading)


def _render_list(turn: Turn, views: list[ActivityView], total: int, offset: int, heading: str) -> Reply:
    turn.state.context.pop(SHOWN_KEY, None)  # "报名" now means nothing until one is chosen
    options = [(f"{v.title}\n   {when_local(v.starts_at)} · {v.city} · {_short_places(v)}", f"@action:activity:{v.id}")
               for v in views]
    if offset + len(views) < total:
        options.append(("下一页", f"@action:activity:list:{offset + PAGE_SIZE}"))
    elif offset > 0:
        options.append(("回到第一页", "@action:activity:list:0"))
    options.append(("我的活动", "@action:my_activities:"))
    page = f"（共{total}个）" if total > len(views) else ""
    return turn.offer(f"{heading}{page}：", options, "回复数字查看详情和报名。")


def _search(turn: Turn, filters: dict) -> list[ActivityView]:
    """Upcoming activities whose title or summary has one of the worker's words, soonest first.

    A word that matches nothing is shortened from the end (羽毛球赛 -> 羽毛球, 书法课 -> 书法),
    since workers name the kind of activity rather than its exact title.
    """
    service, found, hits = turn.services.activities, {}, {}
    for term in filters["keyword_terms"]:
        for length in range(len(term), 1, -1):
            if length < len(term) and term[:length] in GENERIC_WORDS:
                break  # 怎么弄 -> 怎么 would match any summary
            views, _total = service.upcoming(city=filters.get("city"), has_places=filters.get("has_places"),
                                             keyword=term[:length], limit=PAGE_SIZE)
            for view in views:
                found.setdefault(view.id, view)
                hits[view.id] = hits.get(view.id, 0) + 1
            if views:
                break
    # 插花体验课 names one activity by both its words: the ones with a single word (体验) are not meant.
    best = max(hits.values(), default=0)
    return sorted((v for v in found.values() if hits[v.id] == best), key=lambda v: (v.starts_at, v.id))[:PAGE_SIZE]


def _filters_from_text(text: str, turn) -> dict:
    """City, dates, open places and search words the worker mentioned, with a label for the heading."""
    filters: dict = {}
    labels = []
    city = _city_in(text, turn)
    if city:
        filters["city"] = city
        labels.append(city)
    today = to_local(turn.now).date()
    span = _dates_in(text, today)
    if span:
        start, end, word = span
        filters["date_from"], filters["date_to"] = start.isoformat(), end.isoformat()
        labels.append(word)
    if any(word in text for word in PLACES_WORDS):
        filters["has_places"] = True
        labels.append("还有名额")
    filters["label"] = "、".join(labels)
    terms = _search_terms(text, turn, city)
    if terms:
        filters["keyword_terms"] = terms
    return filters


def _search_terms(text: str, turn, city: str | None) -> list[str]:
    try:
        tokens = turn.services.tokenizer.tokens(text)
    except Exception:  # the title search is a convenience; the list still answers
        log.exception("activities: tokenizer failed")
        return []
    cities = set(CITIES) | {f"{c}市" for c in CITIES}
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
    """The Zhejiang city the worker named, by city, district or county-level city (content/membership.yaml)."""
    for word, city in _city_words(turn):
        if word in text:
            return city
    return None


def _city_words(turn: Turn) -> list[tuple[str, str]]:
    words = [(c, c) for c in CITIES]
    try:
        listed = (turn.services.content_file("places.yaml").load() or {}).get("cities") or []
    except Exception:  # the membership content is optional here: the 11 city names still work
        listed = []
    for entry in listed:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        short = str(entry["name"]).removesuffix("市")
        if short not in CITIES:
            continue
        for alias in entry.get("aliases") or []:
            if re.search(r"[\u4e00-\u9fff]", str(alias)):
                words.append((str(alias), short))
        for district in entry.get("districts") or []:
            district = str(district)
            words.append((district, short))
            if district.endswith("市") and len(district) >= 3:
                words.append((district[:-1], short))  # 义乌市 is mostly called 义乌
    return sorted(words, key=lambda pair: -len(pair[0]))


def _dates_in(text: str, today: date) -> tuple[date, date, str] | None:
    """A span of China-time days named in text: 今天, 明天, 这周, 周末, 下周, 这个月, 下个月."""
    monday = today - timedelta(days=today.weekday())
    if "下周末" in text:
        return monday + timedelta(days=12), monday + timedelta(days=13), "下周末"
    if "周末" in text or "星期六" in text or "星期天" in text:
        saturday = monday + timedelta(days=5)
        return max(saturday, today), saturday + timedelta(days=1), "本周末"
    if "下周" in text or "下个星期" in text:
        return monday + timedelta(days=7), monday + timedelta(days=13), "下周"
    if any(word in text for word in ("这周", "本周", "这个星期", "这星期")):
        return today, monday + timedelta(days=6), "本周"
    if "明天" in text:
        return today + timedelta(days=1), today + timedelta(days=1), "明天"
    if "今天" in text:
        return today, today, "今天"
    if "下个月" in text:
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1), "下个月"
    if any(word in text for word in ("这个月", "本月")):
        return today, (today.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1), "本月"
    return None


# ---- small helpers ------------------------------------------------------------------------

def _cancel_by_text(turn: Turn) -> Reply:
    """取消报名 typed: the activity just shown, the only sign-up, or a choice among them."""
    mine = turn.services.activities.my_sign_ups(turn.worker.person_id)
    live = [s for s in mine if s.activity_status != SHOWN_CANCELLED]
    shown = turn.state.context.get(SHOWN_KEY)
    chosen = [s for s in live if s.activity_id == shown] or (live if len(live) == 1 else [])
    if chosen:
        return _cancel_sign_up(turn, str(chosen[0].activity_id))
    return my_activities(turn)


def _is_bare_sign_up(text: str) -> bool:
    """"报名" / "我要报名" / "加入候补" without naming another activity."""
    stripped = re.sub(r"[我要想帮给个一下吧呀啊了！!。.，, ]", "", text)
    return stripped in SIGN_UP_WORDS or stripped in ("报名参加", "报名这个", "就报这个", "报这个")


def _already(turn: Turn, mine: SignUpView) -> Reply:
    what = f"您已经在「{mine.activity_title}」的候补名单里了，排第 {mine.position} 位。" if mine.status == WAITING \
        else f"您已经报上「{mine.activity_title}」了，不用重复报名。"
    return turn.offer(what, [("我的活动", "@action:my_activities:"), ("看看其他活动", _back_target(turn))])


def _closed(turn: Turn, exc: ActivityClosed) -> Reply:
    reason = {SHOWN_ENDED: "这个活动已经开始或结束了，不能再报名。", SHOWN_CANCELLED: "这个活动已经取消了。"}.get(
        exc.reason, "这个活动的报名已经截止了。")
    return turn.offer(reason, [("看看其他活动", _back_target(turn)), ("我的活动", "@action:my_activities:")])


def _gone(turn: Turn) -> Reply:
    return turn.offer("这个活动已经找不到了，可能已取消。", [("看看近期活动", "@action:activity:all")])


def _back_target(turn: Turn) -> str:
    offset = int((turn.state.context.get(LIST_KEY) or {}).get("offset") or 0)
    return f"@action:activity:list:{offset}"


def _int(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _date(value) -> date | None:
    return date.fromisoformat(value) if value else None
