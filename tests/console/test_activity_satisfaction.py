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


def test_those_checked_in_are_asked_once_and_answer_with_a_number_and_a_sentence(runtime, clock, client, fake_wechat,
                                                                                  monkeypatch):
    from bot.push import scheduler

    assert any(job.func is scheduler.activity_satisfaction_job for job in scheduler.PERIODIC_JOBS)
    monkeypatch.setattr(scheduler, "active", lambda: type("Active", (), {"runtime": runtime})())
    held_activity(runtime, clock, client, ["o_reader1", "o_reader2", "o_absent"], arrived=["o_reader1", "o_reader2"])
    scheduler.activity_satisfaction_job()  # as the scheduler runs it
    scheduler.activity_satisfaction_job()  # a second run (or a second scheduler) sends nothing more
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
    person_id = runtime.people.person_id(OFFICIAL, "o_erased")
    [sign_up] = runtime.personal_data.held(person_id).sign_ups  # what the worker sees under 我的信息
    assert (sign_up["satisfaction"], sign_up["satisfaction_comment"]) == (5, "王老师讲得很好")
    runtime.personal_data.erase(person_id, actor="admin")
    assert ratings(runtime) == [(False, 5, None)]  # the score stays for the figures


def test_the_dashboard_shows_the_answers_per_activity_and_city_beside_ticket_satisfaction(
        runtime, clock, client, sign_in):
    from bot.stats.aggregate import aggregator_for, china_day

    held_activity(runtime, clock, client, ["o_hz1", "o_hz2"], arrived=["o_hz1", "o_hz2"], city="杭州")
    held_activity(runtime, clock, client, ["o_nb1"], arrived=["o_nb1"], city="宁波")
    runtime.activity_satisfaction.ask_attended()
    chat(client, "o_hz1", "1")
    chat(client, "o_hz2", "3")
    chat(client, "o_nb1", "基本满意")
    day = china_day(clock.now)
    aggregator_for(runtime).run_day(day)

    editor = sign_in("admin")
    page = editor.get(f"/console/dashboard?from={day}&to={day}").get_data(as_text=True)
    assert "工单答复满意度（按部门）" in page and "活动满意度（按活动和城市" in page
    section = page.split('data-testid="stats-activity_satisfaction"')[1].split("</table>")[0]
    cells = [c.split(">", 1)[1] if ">" in c else c for c in section.split("<td")[1:]]
    text = " ".join(c.split("</td>")[0].strip() for c in cells)
    assert "杭州职工读书会 杭州 2 3.0 50.0 50.0" in text  # 满意 (5) and 不满意 (1)
    assert "全市合计 杭州 2 3.0 50.0 50.0" in text and "宁波职工读书会 宁波 1 4.0 100.0 0.0" in text
    only = editor.get(f"/console/dashboard?from={day}&to={day}&city=宁波").get_data(as_text=True)
    section = only.split('data-testid="stats-activity_satisfaction"')[1].split("</table>")[0]
    assert "宁波职工读书会" in section and "杭州" not in section
    csv = editor.get(f"/console/dashboard/activity_satisfaction.csv?from={day}&to={day}").get_data(as_text=True)
    assert "活动|城市" not in csv and "活动,城市,评价数" in csv and "杭州职工读书会,杭州,2,3.0,50.0,50.0" in csv


def test_a_sentence_about_an_activity_is_kept_as_long_as_message_text_and_the_score_stays(runtime, clock, client):
    held_activity(runtime, clock, client, ["o_kept"], arrived=["o_kept"])
    runtime.activity_satisfaction.ask_attended()
    chat(client, "o_kept", "基本满意，就是茶水不够")
    assert runtime.personal_data.enforce_retention()["rating_comments"] == 0  # written today
    clock.advance(days=runtime.config.retention_message_text_days + 1)
    assert runtime.personal_data.enforce_retention()["rating_comments"] == 1
    assert ratings(runtime) == [(True, 4, None)]
