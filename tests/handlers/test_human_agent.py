"""转人工: a human agent during the configured hours, a callback ticket with a number outside them."""
from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest

from bot import dialogue
from bot.config import PROJECT_ROOT, ConfigError, load_config
from bot.content import Replies
from bot.messages import Inbound, TextReply, TransferToAgentReply
from bot.services.service_hours import ServiceHours, Span, parse_holidays, parse_hours

NUMBER = re.compile(r"(HD\d{8}-\d{3,})")
OPENID = "o_agent_worker"
# Naive UTC moments; China is UTC+8.
TUESDAY_10AM_CHINA = datetime(2026, 12, 1, 2, 0)
TUESDAY_8PM_CHINA = datetime(2026, 12, 1, 12, 0)
SATURDAY_10AM_CHINA = datetime(2026, 12, 5, 2, 0)
REPLIES = Replies(PROJECT_ROOT / "content")


def hours(text: str, holidays=()) -> ServiceHours:
    return ServiceHours(parse_hours(text), frozenset(holidays), text)


# ---- service hours ------------------------------------------------------------------------

def test_weekday_office_hours_are_read_as_staff_write_them():
    office = hours("周一至周五 09:00-17:30")
    assert office.is_open(TUESDAY_10AM_CHINA)
    assert not office.is_open(TUESDAY_8PM_CHINA)
    assert not office.is_open(SATURDAY_10AM_CHINA)
    assert not office.is_open(datetime(2026, 12, 1, 9, 30))  # 17:30 China: closing time is closed
    assert office.is_open(datetime(2026, 12, 1, 9, 29))


def test_several_days_and_ranges_with_a_lunch_break():
    spans = parse_hours("周一到周五 09:00-12:00 13:30-17:30；周六 9:00-12:00")
    assert Span(0, time(9), time(12)) in spans and Span(4, time(13, 30), time(17, 30)) in spans
    assert Span(5, time(9), time(12)) in spans and not any(s.weekday == 6 for s in spans)
    lunch = ServiceHours(spans)
    assert not lunch.is_open(datetime(2026, 12, 1, 4, 30))  # 12:30 China
    assert lunch.is_open(SATURDAY_10AM_CHINA)


def test_every_day_until_midnight_and_no_agent_at_all():
    assert hours("每天 00:00-24:00").is_open(datetime(2026, 12, 6, 15, 59))  # Sunday 23:59 China
    assert parse_hours("工作日 08:00-18:00") == parse_hours("周一至周五 08:00-18:00")
    never = hours("无")
    assert not never.ever_open and not never.is_open(TUESDAY_10AM_CHINA)
    assert never.describe(REPLIES) == "暂无人工服务时间"


def test_holidays_close_the_whole_day_and_are_mentioned():
    national_day = hours("周一至周五 09:00-17:30", holidays=[date(2026, 12, 1)])
    assert not national_day.is_open(TUESDAY_10AM_CHINA)
    assert "节假日除外" in national_day.describe(REPLIES)
    assert parse_holidays("2026-10-01, 2026-10-02") == (date(2026, 10, 1), date(2026, 10, 2))
    assert parse_holidays([date(2027, 1, 1)]) == (date(2027, 1, 1),)


@pytest.mark.parametrize("text, problem", [
    ("09:00-17:30", "no days"),
    ("周一至周五", "no time range"),
    ("周五至周一 09:00-17:00", "backwards"),
    ("周一 17:00-09:00", "not after"),
    ("周一 25:00-26:00", "not a time of day"),
])
def test_hours_that_cannot_be_read_say_why(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_hours(text)


def test_configuration_rejects_bad_hours_naming_the_setting(tmp_path):
    with pytest.raises(ConfigError, match="human_agent.hours.*HUMAN_AGENT_HOURS"):
        load_config(environ={"HUMAN_AGENT_HOURS": "上班时间"}, path=tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="human_agent.holidays"):
        load_config(environ={"HUMAN_AGENT_HOLIDAYS": "十月一日"}, path=tmp_path / "absent.yaml")
    config = load_config(environ={"HUMAN_AGENT_HOLIDAYS": "2026-10-01,2026-10-02"}, path=tmp_path / "absent.yaml")
    assert config.human_agent_holidays == (date(2026, 10, 1), date(2026, 10, 2))
    assert config.human_agent_hours == "周一至周五 09:00-17:30"


# ---- the conversation ---------------------------------------------------------------------

@pytest.fixture
def say(runtime):
    def send(text: str, openid: str = OPENID):
        return dialogue.respond(runtime, Inbound(openid, "text", text=text)).reply
    return send


def _at(runtime, moment: datetime, **settings) -> None:
    runtime.clock = lambda: moment
    runtime.config = runtime.config.with_overrides(**settings)


def test_during_service_hours_the_worker_is_transferred(say, runtime):
    _at(runtime, TUESDAY_10AM_CHINA, human_agent_kf_account="kf2001@zgzj")
    for words in ("转人工", "人工客服", "我要找真人"):
        reply = say(words)
        assert isinstance(reply, TransferToAgentReply) and reply.account == "kf2001@zgzj", words


def test_without_a_configured_account_wechat_picks_any_agent(say, runtime):
    _at(runtime, TUESDAY_10AM_CHINA)
    assert say("转人工") == TransferToAgentReply(account="")


def test_outside_hours_a_callback_is_booked_with_the_question_asked_before(say, runtime):
    _at(runtime, TUESDAY_8PM_CHINA)
    say("公司每天逼我们加班到晚上十点，不加就扣钱")
    reply = say("转人工")
    assert isinstance(reply, TextReply)
    text = reply.as_text()
    assert "周一至周五 09:00-17:30" in text and "12351" in text
    number = NUMBER.search(text).group(1)
    view = runtime.tickets.get(runtime.people.person_id("official", OPENID), number)
    assert view.kind == "callback" and "加班到晚上十点" in view.text and view.topic == "overtime_hours"
    # A second request the same evening points to the same booking.
    again = say("人工").as_text()
    assert f"已经预约过人工回复，编号：{number}" in again
    assert runtime.tickets.list_for(runtime.people.person_id("official", OPENID), kind="callback")[1] == 1


def test_outside_hours_the_request_itself_can_carry_the_question(say, runtime):
    _at(runtime, SATURDAY_10AM_CHINA)
    number = NUMBER.search(say("转人工，我的事情比较复杂，打字说不清楚").as_text()).group(1)
    view = runtime.tickets.get(runtime.people.person_id("official", OPENID), number)
    assert "打字说不清楚" in view.text


def test_on_a_holiday_the_agent_is_closed(say, runtime):
    _at(runtime, TUESDAY_10AM_CHINA, human_agent_holidays=(date(2026, 12, 1),))
    text = say("转人工").as_text()
    assert NUMBER.search(text) and "节假日除外" in text


def test_with_no_human_agent_configured_every_request_is_a_callback(say, runtime):
    _at(runtime, TUESDAY_10AM_CHINA, human_agent_hours="无")
    text = say("转人工").as_text()
    assert "人工客服暂时没有开通" in text and NUMBER.search(text)
