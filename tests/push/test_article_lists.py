"""Articles pushed to an uploaded or pasted openid list: the list is bounded, checked and kept to followers,
and the article reaches the fake WeChat API as news by mass send to openid lists of 2 to 10,000."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.push import campaigns
from bot.push.articles import Articles
from bot.push.audience_lists import LIST_MAX, AudienceLists, ListRefused
from bot.storage.models import Follower

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def lists(runtime) -> AudienceLists:
    return AudienceLists(runtime.database, runtime.clock)


def test_a_pasted_list_keeps_each_follower_once_and_says_what_it_left_out(push_runtime, add_followers):
    fans = add_followers(3)
    add_followers(1, prefix="gone", subscribed=False)
    pasted = f"openid\n{fans[0]}\n{fans[1]}, {fans[1]}；{fans[2]}\n不是openid!\ngone00000\no_never_followed\n"
    stored = lists(push_runtime).store("杭州某厂职工", pasted, created_by="wang")
    assert (stored.size, stored.duplicates, stored.malformed, stored.not_followers) == (3, 1, 1, 2)


@pytest.mark.parametrize("raw, reason", [
    ("fan00000", "audience_list_too_small"),  # WeChat's mass send needs two
    ("o_never_1\no_never_2\no_never_3", "audience_list_too_small"),  # nobody follows the account
    ("\n".join(f"o_many{i:06d}" for i in range(LIST_MAX + 1)), "audience_list_too_big"),
])
def test_lists_outside_wechats_bounds_are_refused(push_runtime, add_followers, raw, reason):
    add_followers(2)
    with pytest.raises(ListRefused) as refused:
        lists(push_runtime).store("名单", raw)
    assert refused.value.reason == reason


def test_an_article_reaches_a_list_as_news_in_openid_batches_and_not_those_who_left(push_runtime, inline,
                                                                                   add_followers, fake_wechat):
    fans = add_followers(121)
    add_followers(5, prefix="other")  # followers not on the list
    stored = lists(push_runtime).store("宁波港职工", "\n".join(fans))
    with push_runtime.database.session() as session:  # one unfollows after the list was uploaded
        session.execute(update(Follower).where(Follower.openid == fans[0]).values(subscribed=False))
    articles = Articles(push_runtime.database, push_runtime.wechat, push_runtime.clock)
    article = articles.create("港区职工夏季防暑指南", "高温天气请注意防暑。\n\n工会送清凉。", cover=PNG, cover_type="image/png")
    campaign = articles.push(push_runtime, article.id, channel="mass", audience=f"list:{stored.id}",
                             at=push_runtime.clock(), page_url="http://localhost/a/x", tracked_url=lambda cid: f"http://localhost/r/{cid}/x")
    assert campaign.audience_size == 120
    report = campaigns.report(push_runtime, campaigns.start(push_runtime, campaign.id, inline))
    assert report["counts"]["sent"] == 120

    calls = fake_wechat.calls("/cgi-bin/message/mass/send")
    assert all(c["errcode"] == 0 and c["json"]["msgtype"] == "mpnews" for c in calls)
    assert all(2 <= len(c["json"]["touser"]) <= 10000 for c in calls)
    assert sorted(o for c in calls for o in c["json"]["touser"]) == fans[1:]
    assert len(fake_wechat.calls("/cgi-bin/draft/add")) == 1
    media_ids = {c["json"]["mpnews"]["media_id"] for c in calls}
    assert media_ids == {articles.get(article.id).news_media_id}  # the one draft, added once
    assert len(fake_wechat.calls("/cgi-bin/material/add_material")) == 1
    assert not fake_wechat.calls("/cgi-bin/message/mass/sendall")


def test_the_fake_refuses_a_mass_send_to_one_openid_like_wechat(push_runtime):
    from bot.wechat.client import WeChatError

    with pytest.raises(WeChatError) as refused:
        push_runtime.wechat.mass_send_to_openids(["fan00000"], "通知")
    assert refused.value.errcode == 40130


def test_a_list_that_shrank_below_two_followers_is_refused_for_a_mass_send(push_runtime, add_followers):
    fans = add_followers(2)
    stored = lists(push_runtime).store("两人", "\n".join(fans))
    with push_runtime.database.session() as session:
        session.execute(update(Follower).where(Follower.openid == fans[0]).values(subscribed=False))
    with pytest.raises(campaigns.CampaignError, match="至少需要 2 位"):
        campaigns.create(push_runtime, title="通知", text="请查收", channel="mass", audience=f"list:{stored.id}",
                         at=push_runtime.clock() + timedelta(minutes=5))


def test_a_list_stored_from_the_command_line_is_a_campaigns_audience(push_runtime, inline, add_followers, fake_wechat):
    from click.testing import CliRunner

    from bot.cli import Services, cli

    fans = add_followers(4)
    services = Services()
    services._config, services._runtime = push_runtime.config, push_runtime
    result = CliRunner().invoke(cli, ["lists", "add", "--name", "宁波港", "-"], input="\n".join(fans) + "\nnobody_here\n",
                                obj=services)
    assert result.exit_code == 0, result.output
    assert "4 位粉丝将收到（1 个不是本公众号粉丝" in result.output
    audience = result.output.strip().splitlines()[-1]
    report = campaigns.report(push_runtime, campaigns.start(push_runtime, campaigns.create(
        push_runtime, title="通知", text="明早九点港区体检", channel="mass", audience=audience).id, inline))
    assert report["counts"]["sent"] == 4
    [call] = fake_wechat.calls("/cgi-bin/message/mass/send")
    assert sorted(call["json"]["touser"]) == fans and call["json"]["text"]["content"].endswith("明早九点港区体检")
