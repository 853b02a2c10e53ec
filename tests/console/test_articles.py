"""Articles in pushes: an editor writes an article with a cover, sends it as WeChat news (media uploaded once)
and as a template message whose tracked link counts clicks per campaign."""
from __future__ import annotations

import io
import json
from datetime import timedelta

from bot.push import campaigns
from bot.stats.aggregate import aggregator_for, china_day
from bot.stats.report import Dashboard

from tests.console.conftest import csrf_token, post

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def write_article(editor, title="2026年职工疗休养新政策解读") -> None:
    answer = editor.post("/console/articles", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(editor, "/console/articles"), "title": title, "author": "省总工会",
        "body": "今年起，全省职工疗休养每人每年不少于5天。\n\n报名请联系所在单位工会。",
        "cover": (io.BytesIO(PNG), "cover.png", "image/png")})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def test_an_article_goes_out_as_news_with_its_media_uploaded_once(sign_in, runtime, fake_wechat, clock):
    editor = sign_in("editor")
    write_article(editor)
    for _ in range(2):  # two campaigns with the same article
        answer = post(editor, "/console/articles/1/push", {"channel": "mass", "audience_kind": "all"})
        assert answer.status_code == 302, answer.get_data(as_text=True)
    assert len(fake_wechat.calls("/cgi-bin/material/add_material")) == 1
    [draft] = fake_wechat.calls("/cgi-bin/draft/add")
    [article] = draft["json"]["articles"]
    assert article["title"] == "2026年职工疗休养新政策解读" and article["thumb_media_id"].startswith("IMG_")
    assert "<p>报名请联系所在单位工会。</p>" in article["content"] and "/a/" in article["content_source_url"]
    campaign_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    campaigns.start(runtime, campaign_id)
    [sent] = fake_wechat.calls("/cgi-bin/message/mass/sendall")
    assert sent["json"]["msgtype"] == "mpnews" and sent["errcode"] == 0
    assert campaigns.get(runtime, campaign_id).state == "done"


def test_a_template_push_links_to_the_article_page_and_counts_its_clicks(sign_in, runtime, fake_wechat, clock, app):
    editor = sign_in("editor")
    write_article(editor, title="本周工会活动预告")
    answer = post(editor, "/console/articles/1/push", {"channel": "template", "audience_kind": "all"})
    campaign = campaigns.get(runtime, int(answer.headers["Location"].rsplit("/", 1)[1]))
    link = json.loads(campaign.payload)["url"]
    assert f"/r/{campaign.id}/" in link
    worker = app.test_client()  # no console session: workers open it from WeChat
    for _ in range(3):
        opened = worker.get(link.split("localhost", 1)[1])
        assert opened.status_code == 302
    page = worker.get(opened.headers["Location"])
    assert page.status_code == 200 and "本周工会活动预告" in page.get_data(as_text=True)
    assert worker.get(page.get_data(as_text=True).split('class="cover" src="')[1].split('"')[0]).data == PNG
    assert worker.get("/r/1/no-such-article").status_code == 404
    day = china_day(clock.now)
    aggregator_for(runtime).run_day(day)
    [row] = Dashboard(runtime.database).tables(day, day)["campaigns"].rows
    assert row[0] == str(campaign.id) and row[-1] == 3
    clock.advance(days=1)


def test_an_article_without_a_cover_is_refused(sign_in):
    editor = sign_in("editor")
    answer = editor.post("/console/articles", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(editor, "/console/articles"), "title": "没有封面", "body": "正文"})
    assert answer.status_code == 422 and "请上传封面图片" in answer.get_data(as_text=True)
    assert sign_in("reviewer").get("/console/articles").status_code == 403
