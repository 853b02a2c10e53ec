"""Staff actions that conversation scenarios take between a worker's turns (`- staff: name`).

Each takes the runtime and the scenario's saved variables. Domains add theirs here.
"""
from __future__ import annotations


# ---- tickets -------------------------------------------------------------------------------------


def answer_ticket(runtime, variables: dict) -> None:
    """维权部 answers the ticket saved as {ticket} and closes it."""
    runtime.tickets.answer(variables["ticket"], "您好，我们已联系贵公司人事部门，公司承诺本月底前补发拖欠的工资。",
                           staff="维权部")


def expect_answer_by_customer_service_message(runtime, variables: dict) -> None:
    """The worker wrote within 48 hours, so the answer went by customer-service message, not a template."""
    import requests

    base = runtime.config.wechat_api_base_url

    def sent(path):
        calls = requests.get(base + "/_fake/calls", params={"path": path}, timeout=5).json()
        return [call["json"] for call in calls]

    messages = [m for m in sent("/cgi-bin/message/custom/send") if variables["ticket"] in m["text"]["content"]]
    assert len(messages) == 1, messages
    assert "补发" in messages[0]["text"]["content"]
    assert sent("/cgi-bin/message/template/send") == []


def expect_ticket_flagged(runtime, variables: dict) -> None:
    """The ticket saved as {ticket} failed the content check: kept for staff, flagged."""
    view = runtime.tickets.staff_view(variables["ticket"])
    assert view.flagged and view.check_status == "risky", view


def expect_ticket_anonymous(runtime, variables: dict) -> None:
    """The report saved as {ticket} is anonymous: staff see neither who sent it nor a phone number."""
    view = runtime.tickets.staff_view(variables["ticket"])
    assert view.anonymous and view.person_id is None and view.contact_phone == "", view


def expect_latest_ticket_details(runtime, variables: dict) -> None:
    """Staff see the facts the worker told in their own words, not only the story."""
    view = runtime.tickets.staff_view(variables["ticket"])
    assert view.details.get("amount") == "约80000元", view.details
    assert view.details.get("headcount") == "约20人", view.details
    assert "讨回欠薪" in view.details.get("wants", ""), view.details
    assert view.details.get("city") == "杭州" and view.details.get("district") == "萧山区", view.details
    assert view.employer == "杭州恒达纺织有限公司" and view.contact_phone == "158****3345"  # revealed on request only


# ---- benefits ------------------------------------------------------------------------------------


def make_member_in_ningbo(runtime, variables: dict) -> None:
    """Approve a membership for the follower variables['member_openid'] (default o_benefit_member), in 宁波."""
    from tests.handlers.member_factory import make_member

    make_member(runtime, variables.get("member_openid", "o_benefit_member"), city="宁波")


# ---- membership ----------------------------------------------------------------------------------


def _application_to_review(runtime, variables: dict) -> str:
    """The application saved as {application}, else the oldest one waiting for review."""
    if variables.get("application"):
        return variables["application"]
    pending = runtime.membership.pending(limit=1)
    assert pending, "no application is waiting for review"
    return pending[0].application_no


def approve_application(runtime, variables: dict) -> None:
    """Staff approve the application saved as {application} (or the oldest pending); saves {member_no}."""
    view = runtime.membership.review(_application_to_review(runtime, variables), "approve", reviewer="组织部")
    variables["member_no"] = view.member_no


def reject_application(runtime, variables: dict) -> None:
    """Staff reject the application saved as {application} (or the oldest pending)."""
    runtime.membership.review(_application_to_review(runtime, variables), "reject",
                              "工作单位不在浙江省内，请向工作所在地工会申请", reviewer="组织部")


def ask_for_more_information(runtime, variables: dict) -> None:
    """Staff send the application saved as {application} back: the employer's full name is needed."""
    runtime.membership.review(_application_to_review(runtime, variables), "need_info",
                              "请填写工作单位的全称（与营业执照一致）", reviewer="组织部")


def expect_application_news_in_chat(runtime, variables: dict) -> None:
    """The worker, who wrote within 48 hours, was told of the decision by customer-service message."""
    import requests

    base = runtime.config.wechat_api_base_url
    calls = requests.get(base + "/_fake/calls", params={"path": "/cgi-bin/message/custom/send"}, timeout=5).json()
    texts = [c["json"]["text"]["content"] for c in calls if c.get("json") and "text" in c["json"]]
    assert any(variables["application"] in t for t in texts), texts


# ---- activities ----------------------------------------------------------------------------------


def load_demo_activities(runtime, variables: dict) -> None:
    """The demo activities of content/demo/activities.yaml, counted from today."""
    from bot.services.activities import load_demo_activities as load

    load(runtime)


def create_full_calligraphy_class(runtime, variables: dict) -> None:
    """职工书法体验课 in 杭州 in four days, one place, a waiting list; its id saved as {activity_id}."""
    from datetime import timedelta

    starts_at = runtime.clock().replace(minute=0, second=0, microsecond=0) + timedelta(days=4)
    view = runtime.activities.create(title="职工书法体验课", city="杭州", place="拱墅区职工文化中心二楼",
                                     starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), capacity=1,
                                     eligibility="所有职工", summary="书法老师手把手教写毛笔字，笔墨纸砚免费提供。")
    variables["activity_id"] = str(view.id)


def expect_promotion_notified(runtime, variables: dict) -> None:
    """The worker who waited (o_waiting_worker) was told of their place by customer-service message."""
    import time

    import requests

    base = runtime.config.wechat_api_base_url
    deadline = time.monotonic() + 5
    while True:  # the notice is sent off the request path
        calls = requests.get(base + "/_fake/calls", params={"path": "/cgi-bin/message/custom/send"}, timeout=5).json()
        notices = [c["json"] for c in calls if c["json"]["touser"] == "o_waiting_worker"]
        if notices or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(notices) == 1, calls
    assert "职工书法体验课" in notices[0]["text"]["content"] and "有名额了" in notices[0]["text"]["content"]
    view = runtime.activities.get(int(variables["activity_id"]))
    assert (view.confirmed_count, view.waiting_count) == (1, 0), view


def warm_up_legal_faq(runtime, variables: dict) -> None:
    """Build the legal FAQ index and jieba before a scenario asks a legal question mid-form.

    Each test gets a fresh runtime, so the first legal question pays for loading jieba and the
    index; on a busy machine that passes WeChat's deadline and the answer arrives later by
    customer-service message, which is not what a scenario about the form is testing.
    """
    runtime.legal_faq.search("加班费怎么算")


def _next_week_day(runtime, weekday: int, hour: int, weeks: int = 1):
    """Naive UTC of `hour` o'clock China time on `weekday` (0 Monday) of the week `weeks` after this one."""
    from datetime import datetime, timedelta

    from bot.services.activities import from_local, to_local

    today = to_local(runtime.clock()).date()
    day = today - timedelta(days=today.weekday()) + timedelta(days=7 * weeks + weekday)
    return from_local(datetime(day.year, day.month, day.day, hour))


def create_book_club_sessions(runtime, variables: dict) -> None:
    """职工读书会 on the next three Sundays after this week: the first full (a waiting list), the others open."""
    from datetime import timedelta

    for weeks, capacity in ((1, 1), (2, 20), (3, 20)):
        starts_at = _next_week_day(runtime, 6, 14, weeks)
        view = runtime.activities.create(title="职工读书会", city="杭州", place="杭州图书馆二楼报告厅", capacity=capacity,
                                         starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                                         summary="每月共读一本书，带上您的读后感。")
        if capacity == 1:
            runtime.activities.sign_up(runtime.people.person_id("official", "o_book_club_early"), view.id)


def create_next_weekend_activities(runtime, variables: dict) -> None:
    """Next week: Saturday morning in 杭州, Saturday afternoon in 宁波, Sunday morning in 杭州."""
    from datetime import timedelta

    for title, city, weekday, hour in (("职工羽毛球友谊赛", "杭州", 5, 9), ("职工插花体验课", "宁波", 5, 14),
                                       ("职工环湖健步走", "杭州", 6, 9)):
        starts_at = _next_week_day(runtime, weekday, hour)
        runtime.activities.create(title=title, city=city, place="职工文化中心", capacity=30,
                                  starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))


def expect_answer_asks_whether_satisfied(runtime, variables: dict) -> None:
    """The answer's customer-service message ends with the three-choice question."""
    import requests

    calls = requests.get(runtime.config.wechat_api_base_url + "/_fake/calls",
                         params={"path": "/cgi-bin/message/custom/send"}, timeout=5).json()
    [message] = [c["json"]["text"]["content"] for c in calls if variables["ticket"] in c["json"]["text"]["content"]]
    assert "您对这次答复满意吗" in message and "1 满意" in message and "2 基本满意" in message and "3 不满意" in message


def expect_ticket_reopened_with_reason(runtime, variables: dict) -> None:
    """The unsatisfied rating put the ticket back in the queue, with the worker's sentence kept as the reason."""
    from sqlalchemy import select

    from bot.storage.models import Ticket, TicketRating

    view = runtime.tickets.staff_view(variables["ticket"])
    assert view.status == "open" and view.reopened_at is not None, view
    with runtime.database.session() as session:
        rating = session.scalar(select(TicketRating).join(Ticket).where(Ticket.number == variables["ticket"]))
        assert (rating.score, rating.comment) == (1, "到现在一分钱都没补发")


def create_family_day(runtime, variables: dict) -> None:
    """职工亲子游园 next Saturday: 5 places, a sign-up may bring 2 family members; a neighbour already took 2 seats."""
    from datetime import timedelta

    starts_at = _next_week_day(runtime, 5, 9)
    view = runtime.activities.create(title="职工亲子游园", city="杭州", place="杭州动物园", capacity=5, max_companions=2,
                                     starts_at=starts_at, ends_at=starts_at + timedelta(hours=3),
                                     summary="带上家人一起逛动物园。")
    runtime.activities.sign_up(runtime.people.person_id("official", "o_family_day_early"), view.id, companions=1)
