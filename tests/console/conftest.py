"""Fixtures for the staff console: accounts per role, signed-in clients, and the records staff work on."""
from __future__ import annotations

import re
import zlib
from datetime import datetime, timedelta

import pytest

from bot.console import accounts
from bot.services.identity_checks import id_check_digit
from bot.services.people import OFFICIAL
from bot.storage.models import Follower

PASSWORD = "correct-horse-9"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/console/sign-in") -> str:
    """The CSRF token of the client's session, read from a form page like a browser would."""
    page = client.get(path)
    found = CSRF.search(page.get_data(as_text=True))
    assert found, f"no csrf_token field on {path} ({page.status_code})"
    return found.group(1)


@pytest.fixture
def config(config):
    """The test configuration with the template ids the demo has (campaigns, answers, application news)."""
    return config.with_overrides(push_template_id_activity_notice="TPL_ACTIVITY_NOTICE",
                                 push_subscribe_template_id="SUB_ACTIVITY_NOTICE",
                                 tickets_template_id_answer="TPL_TICKET_ANSWER",
                                 membership_template_id="TPL_MEMBERSHIP_STATUS",
                                 staff_notices_template_id="TPL_STAFF_NOTICE")


class Clock:
    """A clock tests can move: the runtime and every service read the time from it."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(runtime):
    """The runtime's clock, now under the test's control."""
    moving = Clock(runtime.clock())
    runtime.clock = moving
    return moving


@pytest.fixture
def make_account(runtime):
    """Factory: an account with a role (and optional city or department); returns its username."""
    def make(role: str, username: str | None = None, city: str | None = None, department: str | None = None) -> str:
        name = username or f"{role}-{city or 'all'}-{department or 'all'}"
        accounts.create_account(runtime.database, name, PASSWORD, role, city=city, department=department)
        return name
    return make


@pytest.fixture
def sign_in(app, make_account):
    """Factory: a test client signed in through the form as a new account of the role."""
    def signed(role: str, city: str | None = None, department: str | None = None, username: str | None = None):
        name = make_account(role, username=username, city=city, department=department)
        client = app.test_client()
        token = csrf_token(client)
        answer = client.post("/console/sign-in", data={"username": name, "password": PASSWORD, "csrf_token": token})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        client.username = name
        return client
    return signed


def post(client, path: str, data: dict | None = None, **kwargs):
    """POST a console form with the session's CSRF token, like the page's form would."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/console/")}, **kwargs)


@pytest.fixture
def worker(runtime):
    """Factory: a follower who wrote a minute ago; returns their person id."""
    def make(openid: str = "o_console_worker") -> int:
        with runtime.database.session() as session:
            session.add(Follower(openid=openid, subscribed=True, last_message_at=runtime.clock() - timedelta(minutes=1)))
        return runtime.people.person_id(OFFICIAL, openid)
    return make


@pytest.fixture
def application(runtime, worker):
    """Factory: a submitted membership application of a new worker in a city; returns its number."""
    def make(openid: str = "o_applicant", city: str = "杭州", district: str = "西湖区", name: str = "李建国") -> str:
        person_id = worker(openid)
        seed = zlib.crc32(openid.encode()) % 100000
        first17 = f"33010619850{seed % 9 + 1}{seed % 28 + 1:02d}{seed % 1000:03d}"
        fields = {"name": name, "phone": f"137{seed:08d}", "id_number": first17 + id_check_digit(first17),
                  "employer": "杭州某某快递有限公司", "no_fixed_employer": False, "city": city, "district": district,
                  "industry": "交通运输业", "occupation": "快递员"}
        return runtime.membership.submit(person_id, fields, consent=True, channel="chat").application_no
    return make


@pytest.fixture
def ticket(runtime, worker):
    """Factory: a ticket of a kind opened by a new worker; returns its number."""
    def make(kind: str = "complaint", openid: str = "o_ticket_worker", anonymous: bool = False,
             text: str = "公司拖欠我三个月工资，一共一万二，老板说没钱", **extra) -> str:
        person_id = worker(openid)
        values = {"employer": "杭州某某电子有限公司", "contact_phone": None if anonymous else "13812345678"} | extra
        return runtime.tickets.open(person_id, kind, text, anonymous=anonymous, **values).number
    return make
