"""One person behind the service account and the mini-program: linking by unionid and by phone."""
from datetime import timedelta

from sqlalchemy import func, select

from bot.services.people import MINIPROGRAM, OFFICIAL
from bot.storage.models import Identity, Person


def test_the_same_openid_is_always_the_same_person(runtime):
    first = runtime.people.person_id(OFFICIAL, "o_a")
    assert runtime.people.person_id(OFFICIAL, "o_a") == first
    assert runtime.people.person_id(MINIPROGRAM, "o_a") != first  # openids are per channel


def test_a_unionid_links_the_two_channels(runtime):
    official = runtime.people.person_id(OFFICIAL, "o_official", unionid="u_1")
    assert runtime.people.person_id(MINIPROGRAM, "o_mp", unionid="u_1") == official
    assert runtime.people.openid(official, OFFICIAL) == "o_official"
    assert runtime.people.openid(official, MINIPROGRAM) == "o_mp"


def test_a_late_unionid_merges_two_records(runtime):
    chat = runtime.people.person_id(OFFICIAL, "o_chat", unionid="u_2")
    app = runtime.people.person_id(MINIPROGRAM, "o_app")  # no unionid at first login
    assert app != chat
    assert runtime.people.person_id(MINIPROGRAM, "o_app", unionid="u_2") == chat
    assert runtime.people.openid(chat, MINIPROGRAM) == "o_app"


def test_a_verified_phone_merges_and_moves_records_without_breaking_sign_up_rules(runtime):
    activity = runtime.activities.create(title="羽毛球赛", city="杭州", place="体育馆", capacity=5,
                                         starts_at=runtime.clock() + timedelta(days=3))
    chat = runtime.people.person_id(OFFICIAL, "o_phone_chat")
    app = runtime.people.person_id(MINIPROGRAM, "o_phone_app")
    runtime.activities.sign_up(chat, activity.id)
    runtime.activities.sign_up(app, activity.id)  # before the two were known to be one person
    assert runtime.people.link_phone(chat, "13812345678") == chat
    survivor = runtime.people.link_phone(app, "13812345678")
    assert survivor == chat
    assert runtime.people.person_id(MINIPROGRAM, "o_phone_app") == chat
    assert [s.status for s in runtime.activities.my_sign_ups(chat)] == ["confirmed"]
    assert runtime.activities.get(activity.id).confirmed_count == 1
    assert runtime.people.phone(chat) == "13812345678"
    with runtime.database.session() as session:
        stored = session.get(Person, chat)
        assert "13812345678" not in (stored.phone_encrypted or "")
        assert session.scalar(select(func.count()).select_from(Identity).where(Identity.person_id == chat)) == 2
