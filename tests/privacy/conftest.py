"""A worker who has used every front door: the chat (through the real webhook) and the mini-program API."""
from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from sqlalchemy import String, Text, inspect, select, text

from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN
from bot.logging_setup import masked_handler
from bot.services.people import OFFICIAL
from bot.storage.models import Base
from bot.wechat.simulator import WeChatSimulator, flask_transport

# A real-looking openid: "o" and 27 URL-safe characters.
OPENID = "oPrivacyTestWorkerAbCdEf1234"
NAME = "钱多多"
PHONE = "13857612340"
ID_NUMBER = "330102199506151232"
EMPLOYER = "杭州钱塘精密机械有限公司"
STORY_PHONE = "13957123456"
STORY = "我要维权，钱塘精密拖欠我三个月工资了，一共一万二，老板的电话是139 5712 3456"
API_STORY = "公司让我每天加班到晚上十点却不给加班费，我的身份证330102-1995-0615-1232"


def chat(client, openid: str = OPENID) -> WeChatSimulator:
    """A follower writing to the service account through the real webhook."""
    return WeChatSimulator(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY, mode="safe", openid=openid,
                           url="http://localhost/wechat", transport=flask_transport(client))


@pytest.fixture
def captured_logs():
    """Everything logged during the test, as the service's own (masked) handler writes it."""
    stream = io.StringIO()
    handler = masked_handler(stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def say(worker: WeChatSimulator, message: str, *expected: str) -> str:
    """Send a message and check the reply holds every expected piece."""
    reply = worker.send_text(message)
    content = reply.text or ""
    for piece in expected:
        assert piece in content, (message, content)
    return content


def fill_every_table(app, runtime, client) -> dict:
    """Join, complain, sign up, upload, consent: the chat through the webhook, the rest through the API."""
    worker = chat(client)
    say(worker, "我要入会", "同意")
    say(worker, "同意", "姓名")
    say(worker, NAME, "手机号")
    say(worker, "138-5761-2340", "身份证")
    say(worker, ID_NUMBER, "工作单位")
    say(worker, EMPLOYER, "杭州市", "钱塘区", "行业")  # the city and district are read from the employer's name
    say(worker, "1", "职业")
    say(worker, "车间操作工", "请核对")
    application = say(worker, "1", "提交成功")
    say(worker, STORY, "同意")
    say(worker, "同意")
    asked = say(worker, EMPLOYER)
    if "什么时候" in asked:  # the complaint asks for what the story did not say
        asked = say(worker, "跳过")
    if "希望工会" in asked:
        say(worker, "讨回工资")
    say(worker, PHONE, "请核对")
    ticket = say(worker, "1", "工单号")
    say(worker, "我要入会")  # a form left half-way would sit in Redis: this one is answered by "already applied"

    # The mini-program: the same person (WeChat gives both sides the same unionid).
    login = client.post("/api/v1/auth/login", json={"code": "privacy-union-code"}).get_json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    from bot.storage.models import Identity, Person
    with runtime.database.session() as session:
        mp_openid, unionid = session.execute(
            select(Identity.openid, Person.unionid).join(Person, Person.id == Identity.person_id)
            .where(Identity.channel == "miniprogram")).one()
    person_id = runtime.people.person_id(OFFICIAL, OPENID, unionid=unionid)
    activity = runtime.activities.create(title="职工健步走", city="杭州", place="西湖文化广场", capacity=30,
                                         starts_at=runtime.clock() + timedelta(days=4)).id
    assert client.post(f"/api/v1/activities/{activity}/sign-up", headers=headers).status_code == 201
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    upload = client.post("/api/v1/uploads", headers=headers,
                         data={"file": (io.BytesIO(png), "payslip.png", "image/png")},
                         content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    filed = client.post("/api/v1/tickets", headers=headers, json={
        "kind": "consultation", "text": API_STORY, "contact_phone": PHONE, "attachments": [upload.get_json()["id"]]})
    assert filed.status_code == 201, filed.get_json()
    assert client.post("/api/v1/consents", headers=headers,
                       json={"results": {"SUB_ACTIVITY_NOTICE": "accept"}}).status_code == 200
    return {"person_id": person_id, "mp_openid": mp_openid, "unionid": unionid, "headers": headers, "refresh_token": login["refresh_token"],
            "application": application, "ticket": ticket, "activity": activity,
            "upload": upload.get_json()["id"]}


def text_values(database) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text column of every row of every table, read raw."""
    found = []
    with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c.name for c in table.columns if isinstance(c.type, (String, Text)) or
                       c.type.__class__.__name__ in ("JSON", "Unicode")]
            if not columns:
                continue
            quoted = ", ".join(f'CAST("{c}" AS TEXT)' for c in columns)
            for row in connection.execute(text(f'SELECT {quoted} FROM "{table.name}"')):
                found += [(table.name, c, v) for c, v in zip(columns, row) if v]
    return found


def store_values(store) -> list[str]:
    """Every key and value in the store."""
    values = []
    for key in store.keys(""):
        values += [key, str(store.get(key) or "")]
    return values
