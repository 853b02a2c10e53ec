"""The daily figures, from a few days of followers, messages, applications, tickets and sign-ups made through the real services."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select

from bot.services.identity_checks import id_check_digit
from bot.services.people import OFFICIAL
from bot.storage.models import DailyFigure, MessageLog

NOV2, NOV3 = date(2026, 11, 2), date(2026, 11, 3)


def figures(database, day: date) -> dict:
    """{(metric, city, dim, dim2): value} of one day."""
    with database.session() as session:
        rows = session.scalars(select(DailyFigure).where(DailyFigure.day == day)).all()
        return {(r.metric, r.city, r.dim, r.dim2): r.value for r in rows}


def by(found: dict, metric: str) -> dict:
    """The figures of one metric, keyed by (city, dim, dim2), without zeros."""
    return {key[1:]: value for key, value in found.items() if key[0] == metric and value}


def submit_application(runtime, openid: str, city: str) -> str:
    person_id = runtime.people.person_id(OFFICIAL, openid)
    fields = {"name": "李建国", "phone": "13712345678", "id_number": "33010619850101123" + id_check_digit("33010619850101123"), "employer": "杭州某某快递有限公司",
              "no_fixed_employer": False, "city": city, "district": "西湖区", "industry": "交通运输业", "occupation": "快递员"}
    return runtime.membership.submit(person_id, fields, consent=True, channel="chat").application_no


def test_two_days_of_a_small_account_give_every_figure(runtime, clock, wechat, aggregator):
    # 2 November (China): three follow, two from the Hangzhou poster; they write; one applies, one complains.
    wechat.event("o_a", "subscribe", "qrscene_hz_poster")
    wechat.event("o_b", "subscribe")
    wechat.event("o_c", "subscribe", "qrscene_hz_poster")
    wechat.text("o_a", "公司拖欠工资三个月怎么办")
    clock.advance(hours=5)  # 14:00 China time
    wechat.text("o_b", "量子纠缠薛定谔")
    submit_application(runtime, "o_a", "杭州市")
    person_b = runtime.people.person_id(OFFICIAL, "o_b")
    ticket = runtime.tickets.open(person_b, "complaint", "公司拖欠我三个月工资，一共一万二，老板说没钱",
                                  employer="宁波某某电子有限公司", contact_phone="13812345678")
    activity = runtime.activities.create(title="职工篮球赛", city="杭州", place="杭州市体育馆",
                                         starts_at=clock.now + timedelta(days=5), capacity=10)
    runtime.activities.sign_up(runtime.people.person_id(OFFICIAL, "o_a"), activity.id)

    # 3 November: C leaves, D follows from a Ningbo factory's code, A comes back, the complaint is answered.
    clock.advance(days=1)
    wechat.event("o_c", "unsubscribe")
    wechat.event("o_d", "subscribe", "qrscene_nb_factory")
    wechat.text("o_a", "入会进度")
    runtime.tickets.answer(ticket.number, "已联系企业，请留意电话。", staff="张老师")

    assert aggregator.run_day(NOV2) > 0
    aggregator.run_day(NOV3)
    day1, day2 = figures(runtime.database, NOV2), figures(runtime.database, NOV3)

    assert by(day1, "followers.new") == {("", "hz_poster", ""): 2, ("", "", ""): 1}
    assert by(day1, "followers.left") == {}
    assert by(day1, "followers.total") == {("", "hz_poster", ""): 2, ("", "", ""): 1}
    assert by(day2, "followers.new") == {("", "nb_factory", ""): 1}
    assert by(day2, "followers.left") == {("", "hz_poster", ""): 1}
    assert by(day2, "followers.total") == {("", "hz_poster", ""): 1, ("", "", ""): 1, ("", "nb_factory", ""): 1}

    assert by(day1, "active.day") == {("", "", ""): 3}
    assert by(day2, "active.day") == {("", "", ""): 2}  # A wrote, D followed; C's unfollow is not activity
    assert by(day2, "active.week") == by(day2, "active.month") == {("", "", ""): 4}
    assert by(day2, "active.returning") == {("", "", ""): 1}  # A

    # Messages: the workers' own, by the intent the bot gave them and by China hour.
    with runtime.database.session() as session:
        intents = defaultdict(int)
        for (intent,) in session.execute(select(MessageLog.intent).where(MessageLog.direction == "in",
                                                                         MessageLog.kind == "text")):
            intents[intent or "unknown"] += 1
    assert sum(by(day1, "messages.intent").values()) == 2 and sum(by(day2, "messages.intent").values()) == 1
    merged = defaultdict(int)
    for found in (day1, day2):
        for (_, intent, _), n in by(found, "messages.intent").items():
            merged[intent] += n
    assert dict(merged) == dict(intents)
    assert by(day1, "messages.hour") == {("", "09", ""): 1, ("", "14", ""): 1}
    assert by(day1, "messages.unplaced") == {("", "", ""): 1}  # the nonsense, not the wage question
    words = {dim for (_, dim, _) in by(day1, "unplaced.word")}
    assert words and all(word in "量子纠缠薛定谔" for word in words)
    assert by(day2, "unplaced.word") == {}

    # Services: the application (杭州市 counts as 杭州), the complaint (B's city unknown), the sign-up.
    assert by(day1, "applications.new") == {("杭州", "submitted", ""): 1}
    department = runtime.tickets.staff_view(ticket.number).department
    assert by(day1, "tickets.new") == {("", "complaint", department): 1}
    assert by(day1, "signups.new") == {("杭州", "", ""): 1}
    assert by(day2, "answers.count") == {("", department, "complaint"): 1}
    assert by(day2, "answers.late") == {}
    assert by(day2, "answers.minutes") == {("", department, "complaint"): 24 * 60}  # opened 14:00, answered 14:00 the next day
    assert by(day1, "tickets.overdue") == by(day2, "tickets.overdue") == {}


def test_rebuilding_a_range_gives_the_same_figures(runtime, clock, wechat, aggregator):
    wechat.event("o_a", "subscribe", "qrscene_hz_poster")
    wechat.text("o_a", "你好")
    clock.advance(days=1)
    wechat.text("o_a", "我要入会")
    aggregator.rebuild(NOV2, NOV3)
    first = figures(runtime.database, NOV2), figures(runtime.database, NOV3)
    aggregator.rebuild(NOV2, NOV3)
    assert (figures(runtime.database, NOV2), figures(runtime.database, NOV3)) == first
    assert first[1][("active.returning", "", "", "")] == 1


def test_an_overdue_ticket_counts_against_its_department_until_answered(runtime, clock, aggregator):
    person = runtime.people.person_id(OFFICIAL, "o_late")
    ticket = runtime.tickets.open(person, "complaint", "公司拖欠我三个月工资，一共一万二，老板说没钱",
                                  employer="杭州某某电子有限公司", contact_phone="13812345678")
    view = runtime.tickets.staff_view(ticket.number)
    clock.now = view.due_at + timedelta(days=1)
    runtime.tickets.answer(ticket.number, "已处理。", staff="张老师")
    answered = (clock.now + timedelta(hours=8)).date()
    aggregator.rebuild(answered - timedelta(days=1), answered)
    assert by(figures(runtime.database, answered - timedelta(days=1)), "tickets.overdue") == {
        ("", view.department, "complaint"): 1}
    day = figures(runtime.database, answered)
    assert by(day, "answers.late") == {("", view.department, "complaint"): 1}
    assert by(day, "tickets.overdue") == {}


def test_the_rebuild_command_aggregates_the_range(invoke_stats, runtime):
    result = invoke_stats("stats", "rebuild", "--from", "2026-11-01", "--to", "2026-11-03")
    assert result.exit_code == 0, result.output
    assert "rebuilt 3 day(s)" in result.output
    refused = invoke_stats("stats", "rebuild", "--from", "2026-11-03", "--to", "2026-11-01")
    assert refused.exit_code != 0 and "--to is before --from" in refused.output
