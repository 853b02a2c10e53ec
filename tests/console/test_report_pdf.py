"""The monthly report of a city union as a PDF: it parses, carries the city's figures (attendance included),
and follows the same role and city limits as the printable page."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pypdf
import pytest

from bot.services.people import OFFICIAL
from bot.stats.aggregate import aggregator_for, china_day


@pytest.fixture
def month(runtime, clock, application):
    """A Hangzhou activity held on 10 November with two of three signed up arriving, and applications in two cities."""
    clock.now = datetime(2026, 11, 10, 1, 0)  # 09:00 China time: the day cannot turn during the test
    application("o_hz", city="杭州")
    application("o_nb", city="宁波", district="海曙区")
    activity = runtime.activities.create(title="职工篮球赛", city="杭州", place="杭州市体育馆", capacity=10,
                                         starts_at=clock.now + timedelta(minutes=30))
    people = [runtime.people.person_id(OFFICIAL, f"o_player{n}") for n in range(3)]
    for person_id in people:
        runtime.activities.sign_up(person_id, activity.id)
    clock.advance(minutes=40)
    for person_id in people[:2]:
        runtime.attendance.check_in(activity.id, person_id, "door-zhang")
    day = china_day(clock.now)
    aggregator_for(runtime).rebuild(day, day)
    return day


def text_of(answer) -> str:
    assert answer.status_code == 200 and answer.mimetype == "application/pdf", answer.status_code
    reader = pypdf.PdfReader(io.BytesIO(answer.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_of_hangzhou_has_its_figures_and_attendance(sign_in, runtime, month):
    client = sign_in("editor")
    page = client.get(f"/console/dashboard/report?month={month:%Y-%m}&city=杭州").get_data(as_text=True)
    assert 'data-testid="report-pdf"' in page and "/console/dashboard/report.pdf?" in page
    text = text_of(client.get(f"/console/dashboard/report.pdf?month={month:%Y-%m}&city=杭州"))
    assert f"杭州工会网上工作月度通报（{month.year}年{month.month}月）" in text
    lines = text.splitlines()
    assert "职工篮球赛" in lines and "66.7" in lines  # two of three arrived
    assert "宁波" not in text and "待审核" in lines  # the Hangzhou application, not Ningbo's


def test_a_city_limited_editor_gets_their_city_whatever_they_ask(sign_in, month):
    text = text_of(sign_in("editor", city="宁波").get(f"/console/dashboard/report.pdf?month={month:%Y-%m}&city=杭州"))
    assert f"宁波工会网上工作月度通报（{month.year}年{month.month}月）" in text
    assert "杭州" not in text and "职工篮球赛" not in text


def test_the_pdf_is_for_the_dashboard_roles_only(sign_in, month):
    assert sign_in("reviewer").get(f"/console/dashboard/report.pdf?month={month:%Y-%m}").status_code == 403
    assert sign_in("counsellor").get("/console/dashboard/report.pdf").status_code == 403
