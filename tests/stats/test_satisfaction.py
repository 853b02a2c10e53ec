"""Satisfaction: a worker rates the answer to their ticket in the chat; the dashboard shows it per department."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.services.people import OFFICIAL
from bot.stats.report import Dashboard
from bot.storage.models import TicketRating


def open_and_answer(runtime, openid: str):
    person = runtime.people.person_id(OFFICIAL, openid)
    ticket = runtime.tickets.open(person, "complaint", "公司拖欠我三个月工资，一共一万二，老板说没钱",
                                  employer="杭州某某电子有限公司", contact_phone="13812345678")
    runtime.tickets.answer(ticket.number, "已联系企业。", staff="张老师")
    return ticket


def test_a_worker_rates_the_answer_and_the_department_figure_shows_it(runtime, clock, wechat, aggregator):
    assert "还没有已答复的工单" in wechat.text("o_rater", "评分 5")
    ticket = open_and_answer(runtime, "o_rater")
    assert f"工单 {ticket.number} 的答复您打了 5 分" in wechat.text("o_rater", "评分 5")
    assert "很抱歉没能让您满意" in wechat.text("o_rater", f"评价 {ticket.number} 2分 电话一直打不通")
    with runtime.database.session() as session:
        [rating] = session.scalars(select(TicketRating)).all()  # the second rating replaced the first
        assert (rating.score, rating.comment) == (2, "电话一直打不通")
    assert "没有找到您名下的这个工单" in wechat.text("o_someone_else", f"评价 {ticket.number} 5")

    other = open_and_answer(runtime, "o_happy")
    wechat.text("o_happy", "满意度5")
    aggregator.run_day(date(2026, 11, 2))
    [row] = Dashboard(runtime.database).tables(date(2026, 11, 2), date(2026, 11, 2))["satisfaction"].rows
    department = runtime.tickets.staff_view(other.number).department
    assert row == [department, 2, 3.5, 50.0, 50.0]
