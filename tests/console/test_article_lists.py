"""An editor pastes an openid list on the 图文 page and the article is scheduled to the followers on it."""
from __future__ import annotations

import io

from bot.push import campaigns
from bot.storage.models import Follower

from tests.console.conftest import csrf_token
from tests.console.test_articles import write_article


def push_to_list(editor, **fields):
    return editor.post("/console/articles/1/push", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(editor, "/console/articles"), "channel": "mass", "audience_kind": "list", **fields})


def test_an_editor_pastes_a_list_and_the_article_is_scheduled_to_its_followers(sign_in, runtime, clock):
    with runtime.database.session() as session:
        session.add_all(Follower(openid=f"o_dock{i}", subscribed=True) for i in range(3))
    editor = sign_in("editor")
    write_article(editor, title="港区职工夏季防暑指南")
    answer = push_to_list(editor, openids="o_dock0\no_dock1\no_dock1\no_stranger\n")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    campaign = campaigns.get(runtime, int(answer.headers["Location"].rsplit("/", 1)[1]))
    assert campaign.audience.startswith("list:") and campaign.audience_size == 2 and "mpnews_media_id" in campaign.payload
    page = editor.get(answer.headers["Location"]).get_data(as_text=True)
    assert "名单已保存：2 位粉丝将收到（1 个不是本公众号粉丝" in page

    uploaded = push_to_list(editor, openids_file=(io.BytesIO(b"openid\r\no_dock2\r\no_dock0\r\n"), "list.csv", "text/csv"))
    assert uploaded.status_code == 302 and campaigns.get(
        runtime, int(uploaded.headers["Location"].rsplit("/", 1)[1])).audience_size == 2


def test_a_list_of_one_follower_is_refused_in_words(sign_in, runtime, clock):
    with runtime.database.session() as session:
        session.add(Follower(openid="o_alone", subscribed=True))
    editor = sign_in("editor")
    write_article(editor)
    answer = push_to_list(editor, openids="o_alone")
    assert answer.status_code == 422 and "至少要有 2 位仍关注公众号的粉丝，现在只有 1 位" in answer.get_data(as_text=True)
    hangzhou = sign_in("editor", city="杭州")
    assert push_to_list(hangzhou, openids="o_alone\no_x").status_code == 422
