"""After an activity: those checked in are asked 满意 / 基本满意 / 不满意 once (customer-service message, inside
the 48-hour window), answer in the chat with a number or words and maybe a sentence; erasure unlinks them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.config import DEMO_TOKEN
from bot.services.people import OFFICIAL
from bot.storage.models import ActivityRating

from tests.webhook.signing import post as post_to_webhook, text_xml


def chat(client, openid: str, text: str) -> str:
    """What a follower reads after writing `text` to the account (through the signed webhook)."""
    answer = post_to_webhook(client, DEMO_TOKEN, text_xml(openid, text))
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def questions(fake_wechat, openid: str) -> list[str]:
    """The satisfaction questions the follower was sent by customer-service message."""
    return [c["json"]["text"]["content"] for c in fake_wechat.calls("/cgi-bin/message/custom/send")
            if c["json"]["touser"] == openid and "您对这次活动满意吗" in c["json"]["text"]["content"]]


def ratings(runtime) -> list[tuple]:
    with runtime.database.session() as session:
        return sorted((r.person_id is not None, r.score, r.comment) for r in session.scalars(select(ActivityRating)))


def held_activity(runtime, clock, client, openids: list[str], arrived: list[str], city: str = "杭州"):
    """An activity the followers signed up for (having written to us), those in `arrived` checked in; now it is over."""
    starts = clock.now + timedelta(hours=2)
    activity = runtime.activities.create(title=f"{city}职工读书会", city=city, place="职工之家", starts_at=starts,
                                         ends_at=starts + timedelta(hours=2), capacity=10)
    for openid in openids:
        chat(client, openid, "你好")
        runtime.activities.sign_up(runtime.people.person_id(OFFICIAL, openid), activity.id)
    clock.now = starts
    for openid in arrived:
        runtime.attendance.check_in(activity.id, runtime.people.person_id(OFFICIAL, openid), "door")
    clock.now = starts + timedelta(hours=3)
    return activity


def test_those_checked_in_are_asked_once_and_answer_with_a_number_and_a_sentence(runtime, clock, client, fake_wechat):
    held_activity(runtime, clock, client, ["o_reader1", "o_reader2", "o_absent"], arrived=["o_reader1", "o_reader2"])
    assert runtime.activity_satisfaction.ask_attended()["asked"] == 2
    assert runtime.activity_satisfaction.ask_attended()["asked"] == 0  # a second run sends nothing
    [question] = questions(fake_wechat, "o_reader1")
    assert "杭州职工读书会" in question and "1 满意" in question and "2 基本满意" in question and "3 不满意" in question
    assert len(questions(fake_wechat, "o_reader2")) == 1 and questions(fake_wechat, "o_absent") == []

    assert "谢谢您对「杭州职工读书会」的评价" in chat(client, "o_reader1", "2")
    assert "意见已转给活动组织者" in chat(client, "o_reader1", "希望下次多安排一些讨论时间")
    assert "谢谢您对「杭州职工读书会」的评价" in chat(client, "o_reader2", "不满意，场地太小了")
    assert ratings(runtime) == [(True, 1, "场地太小了"), (True, 4, "希望下次多安排一些讨论时间")]
    assert "谢谢您对" not in chat(client, "o_reader2", "满意")  # the question was answered: 满意 is an ordinary message


def test_outside_the_48_hour_window_nobody_is_asked_and_old_activities_are_left_alone(runtime, clock, client,
                                                                                    fake_wechat):
    held_activity(runtime, clock, client, ["o_quiet"], arrived=["o_quiet"])
    clock.advance(hours=49)  # the follower's last message is now too old for a customer-service message
    counts = runtime.activity_satisfaction.ask_attended()
    assert (counts["asked"], counts["outside_window"]) == (0, 1)
    assert fake_wechat.calls("/cgi-bin/message/template/send") == [] and ratings(runtime) == []
    chat(client, "o_quiet", "你好")  # writing again opens the window while the activity is recent
    assert runtime.activity_satisfaction.ask_attended()["asked"] == 1
    clock.advance(days=4)
    held_activity(runtime, clock, client, ["o_late"], arrived=["o_late"])
    clock.advance(days=4)
    chat(client, "o_late", "你好")
    assert runtime.activity_satisfaction.ask_attended()["asked"] == 0  # ended more than three days ago


def test_erasure_unlinks_the_answer_and_drops_the_sentence(runtime, clock, client):
    held_activity(runtime, clock, client, ["o_erased"], arrived=["o_erased"])
    runtime.activity_satisfaction.ask_attended()
    chat(client, "o_erased", "满意，王老师讲得很好")
    assert ratings(runtime) == [(True, 5, "王老师讲得很好")]
    runtime.personal_data.erase(runtime.people.person_id(OFFICIAL, "o_erased"), actor="admin")
    assert ratings(runtime) == [(False, 5, None)]  # the score stays for the figures
