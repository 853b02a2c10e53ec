"""Activity endpoints: the same exact-capacity rules as the chat, from ActivityService."""
from __future__ import annotations

from bot.services.activities import (ActivityClosed, ActivityFull, ActivityNotFound, AlreadySignedUp, MembersOnly,
                                     NotSignedUp, PartyTooLarge, TooManyCompanions)
from miniprogram_api.auth import current_member
from miniprogram_api.errors import ApiError, not_found
from miniprogram_api.schemas.activities import ActivityQuery, CompanionsRequest, MySignUpQuery, SignUpRequest
from miniprogram_api.schemas.common import page_of
from miniprogram_api.services import activities

CLOSED_MESSAGES = {
    "ended": "这个活动已经开始或结束了，不能再报名。",
    "cancelled": "这个活动已经取消了。",
    "closed": "这个活动的报名已经截止了。",
}


def _summary(view) -> dict:
    return {name: getattr(view, name) for name in (
        "id", "title", "summary", "city", "place", "starts_at", "ends_at", "signup_deadline", "capacity",
        "places_left", "waiting_count", "status", "members_only", "waiting_list_open", "mode", "max_companions")}


def listing(query: ActivityQuery) -> dict:
    """List upcoming activities with the member's filters."""
    views, total = activities().upcoming(city=query.city, date_from=query.date_from, date_to=query.date_to,
                                         has_places=query.has_places, keyword=query.keyword,
                                         offset=query.offset, limit=query.limit)
    return page_of([_summary(v) for v in views], query, total)


def detail(activity_id: int) -> dict:
    """Show one activity and the member's own sign-up for it."""
    service = activities()
    view = service.get(activity_id)
    if view is None:
        raise not_found("没有找到这个活动。")
    mine = service.sign_up_of(current_member().person_id, activity_id)
    return {**_summary(view), "eligibility": view.eligibility, "organizer": view.organizer, "my_sign_up": mine}


def _refusal(exc: Exception) -> ApiError:
    """The member-facing error for a sign-up the rules refuse."""
    if isinstance(exc, ActivityNotFound):
        return not_found("没有找到这个活动。")
    if isinstance(exc, AlreadySignedUp):
        state = "候补" if exc.sign_up.status == "waiting" else "报名"
        return ApiError(409, "already_signed_up", f"您已经{state}过这个活动了，不用重复提交。")
    if isinstance(exc, TooManyCompanions):
        message = (f"这个活动每位报名人最多可带 {exc.allowed} 位同行人。" if exc.allowed else
                   "这个活动不能带同行人，每位参加的人需要自己报名。")
        return ApiError(422, "too_many_companions", message, {"companions": message})
    if isinstance(exc, PartyTooLarge):
        then = "或者一起加入候补。" if exc.waiting_list_open else "候补名单放不下这么多人。"
        return ApiError(409, "not_enough_places",
                        f"只剩 {exc.places_left} 个名额，不够您一行 {exc.seats} 人。您可以少报几位同行人，{then}")
    if isinstance(exc, ActivityFull):
        if exc.waiting_list_open:
            return ApiError(409, "activity_full", "名额已经报满了。您可以加入候补，有人取消时按顺序递补。")
        return ApiError(409, "activity_full", "名额已经报满了，候补名单也满了。")
    if isinstance(exc, MembersOnly):
        return ApiError(403, "members_only", "这个活动仅限工会会员参加。入会后就可以报名。")
    if isinstance(exc, ActivityClosed):
        return ApiError(409, f"activity_{exc.reason}", CLOSED_MESSAGES.get(exc.reason, "这个活动现在不能报名。"))
    if isinstance(exc, NotSignedUp):
        return not_found("您没有报名这个活动。")
    raise exc


def _result(view, message: str) -> dict:
    return {**{name: getattr(view, name) for name in (
        "activity_id", "activity_title", "status", "position", "created_at", "starts_at", "city", "place",
        "activity_status", "promoted", "mode", "join_url", "companions", "seats")}, "message": message}


def _party(view) -> str:
    """"您和 2 位同行人共 3 人" when the member brings companions, else ""."""
    return f"（您和 {view.companions} 位同行人共 {view.seats} 人）" if view.companions else ""


def sign_up(activity_id: int, body: SignUpRequest) -> dict:
    """Take a place in an activity, with a seat for each companion."""
    try:
        view = activities().sign_up(current_member().person_id, activity_id, companions=body.companions)
    except (ActivityNotFound, AlreadySignedUp, ActivityFull, ActivityClosed, TooManyCompanions) as exc:
        raise _refusal(exc) from None
    return _result(view, f"报名成功{_party(view)}！活动前一天会提醒您。")


def change_companions(activity_id: int, body: CompanionsRequest) -> dict:
    """Change how many companions come with the member's sign-up (freed seats go to the waiting list)."""
    try:
        view = activities().change_companions(current_member().person_id, activity_id, body.companions)
    except PartyTooLarge as exc:
        raise ApiError(409, "not_enough_places", f"只剩 {exc.places_left} 个空余名额，不够再加这么多人。") from None
    except (ActivityNotFound, NotSignedUp, ActivityFull, ActivityClosed, TooManyCompanions) as exc:
        raise _refusal(exc) from None
    if view.companions:
        return _result(view, f"已改为您和 {view.companions} 位同行人共 {view.seats} 人。")
    return _result(view, "已改为只有您本人参加。")


def join_waiting_list(activity_id: int, body: SignUpRequest) -> dict:
    """Join the waiting list of a full activity as a party (free seats enough are taken at once instead)."""
    try:
        view = activities().join_waiting_list(current_member().person_id, activity_id, companions=body.companions)
    except (ActivityNotFound, AlreadySignedUp, ActivityFull, ActivityClosed, TooManyCompanions) as exc:
        raise _refusal(exc) from None
    if view.status == "confirmed":
        return _result(view, "正好有空出的名额，已为您直接报名成功。")
    return _result(view, f"已加入候补，您排第 {view.position} 位。有人取消时会按顺序递补并通知您。")


def cancel(activity_id: int) -> dict:
    """Cancel the member's sign-up (a freed place goes to the first on the waiting list)."""
    try:
        view = activities().cancel(current_member().person_id, activity_id)
    except (ActivityNotFound, NotSignedUp, ActivityClosed) as exc:
        raise _refusal(exc) from None
    return _result(view, "已取消报名。")


def my_sign_ups(query: MySignUpQuery) -> dict:
    """List the member's own sign-ups."""
    views = activities().my_sign_ups(current_member().person_id, include_past=query.include_past)
    return page_of(views, query)
