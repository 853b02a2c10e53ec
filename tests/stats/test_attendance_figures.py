"""Attendance in the daily figures: per activity and city, the confirmed sign-ups and arrivals of the
activities held that day, checked against the sign-up rows; a rebuild gives the same; the dashboard's
table and overview read them back."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.services.people import OFFICIAL
from bot.stats.aggregate import china_day
from bot.stats.report import Dashboard
from bot.storage.models import ActivitySignUp, DailyFigure


def figures(database, metric: str, day) -> dict:
    with database.session() as session:
        return {(r.city, r.dim): r.value for r in session.scalars(select(DailyFigure).where(
            DailyFigure.metric == metric, DailyFigure.day == day))}


def test_attendance_figures_match_the_sign_up_rows(runtime, clock, aggregator):
    starts = clock.now + timedelta(hours=2)  # 11:00 China time on 2 November
    held = {city: runtime.activities.create(title=f"{city}职工读书会", city=city, place="职工之家", starts_at=starts,
                                            capacity=10) for city in ("杭州", "宁波")}
    called_off = runtime.activities.create(title="取消的讲座", city="杭州", place="职工之家", starts_at=starts, capacity=5)
    people = [runtime.people.person_id(OFFICIAL, f"o_reader{i}") for i in range(7)]
    for person_id in people[:4]:
        runtime.activities.sign_up(person_id, held["杭州"].id)
    for person_id in people[4:]:
        runtime.activities.sign_up(person_id, held["宁波"].id)
        runtime.activities.sign_up(person_id, called_off.id)
    runtime.activities.cancel(people[3], held["杭州"].id)  # gave the place back: not counted
    runtime.activities.cancel_activity(called_off.id)
    clock.now = starts
    for person_id in people[:2] + people[4:5]:
        runtime.attendance.check_in(held["杭州" if person_id in people[:4] else "宁波"].id, person_id, "door")

    day = china_day(starts)
    aggregator.run_day(day)
    signed_up, arrived = figures(runtime.database, "attendance.signed_up", day), figures(runtime.database, "attendance.arrived", day)
    with runtime.database.session() as session:
        for city, activity in held.items():
            raw = session.execute(select(func.count(), func.count(ActivitySignUp.attended_at)).where(
                ActivitySignUp.activity_id == activity.id, ActivitySignUp.status == "confirmed")).one()
            assert (signed_up[(city, str(activity.id))], arrived[(city, str(activity.id))]) == tuple(raw)
    assert signed_up == {("杭州", str(held["杭州"].id)): 3, ("宁波", str(held["宁波"].id)): 3}
    assert (arrived[("杭州", str(held["杭州"].id))], arrived[("宁波", str(held["宁波"].id))]) == (2, 1)

    aggregator.run_day(day)  # a rebuild gives the same
    assert figures(runtime.database, "attendance.arrived", day) == arrived

    tables = Dashboard(runtime.database).tables(day, day, city="杭州")
    assert tables["attendance"].rows == [["杭州职工读书会", "杭州", 3, 2, 66.7]]
    overview = dict(tables["overview"].rows)
    assert (overview["attendance_signed_up"], overview["attendance_arrived"], overview["attendance_rate"]) == (3, 2, 66.7)
