"""QR channels: the code is made at (the fake) WeChat through the one client, drawn as a PNG, and followers
who scan it count in their channel."""
from __future__ import annotations

import pytest

from bot.stats.channels import ChannelRefused, Channels, qr_png, welcome_for
from bot.wechat.client import WeChatError


@pytest.fixture
def channels(runtime, clock) -> Channels:
    return Channels(runtime.database, runtime.wechat, runtime.clock)


def test_a_channel_gets_a_permanent_code_with_its_scene_from_wechat(channels, fake_wechat):
    channel = channels.create("杭州火车站海报", city="杭州", scene="hz_station", welcome="欢迎来到浙工之家！")
    [call] = fake_wechat.calls("/cgi-bin/qrcode/create")
    assert call["json"] == {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "hz_station"}}}
    assert channel.ticket and channel.url.startswith("http://weixin.qq.com/q/")
    assert qr_png(channel.url).startswith(b"\x89PNG")
    assert welcome_for(channels.database, "hz_station") == "欢迎来到浙工之家！"


def test_wechat_refusing_the_code_stores_no_channel(channels, fake_wechat):
    fake_wechat.inject("/cgi-bin/qrcode/create", errcode=45009)
    with pytest.raises(WeChatError) as refused:
        channels.create("宁波某厂", scene="nb_plant")
    assert refused.value.errcode == 45009
    assert channels.figures() == []
    channels.create("宁波某厂", scene="nb_plant")  # the next try goes through
    with pytest.raises(ChannelRefused, match="channel_scene_taken"):
        channels.create("另一个", scene="nb_plant")
    with pytest.raises(ChannelRefused, match="channel_bad_scene"):
        channels.create("空格", scene="有 空格")


def test_the_fake_refuses_a_code_without_a_scene_like_wechat(runtime):
    with pytest.raises(WeChatError) as refused:
        runtime.wechat.create_qrcode("")
    assert refused.value.errcode == 40053


def test_followers_who_scan_count_in_their_channel(channels, wechat, runtime, clock):
    channels.create("杭州火车站海报", scene="hz_station")
    channels.create("没人扫的码", scene="quiet")
    wechat.event("o_one", "subscribe", "qrscene_hz_station")
    wechat.event("o_two", "subscribe", "qrscene_hz_station")
    wechat.event("o_other", "subscribe")
    wechat.text("o_one", "我要入会")
    wechat.event("o_two", "unsubscribe")
    clock.advance(days=31)
    by_scene = {c.scene: c for c in channels.figures()}
    station = by_scene["hz_station"]
    assert (station.gained, station.following, station.old_enough, station.kept_30_days) == (2, 1, 2, 1)
    assert station.active_30_days == 0  # one wrote, but 31 days ago
    assert (by_scene["quiet"].gained, by_scene["quiet"].following) == (0, 0)


def test_a_follower_from_a_channel_gets_its_own_welcome(app, runtime):
    """Scanning the poster's QR code greets the worker with that channel's welcome, others with the usual one."""
    from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN
    from bot.wechat.simulator import WeChatSimulator, flask_transport

    channels = Channels(runtime.database, runtime.wechat, runtime.clock)
    channels.create("义乌小商品城海报", city="金华", scene="yw_market", welcome="义乌的朋友您好！商户职工入会、维权都可以在这里办。")

    def follow(openid: str, key: str):
        worker = WeChatSimulator(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY, mode="safe", openid=openid,
                                 url="http://localhost/wechat", transport=flask_transport(app.test_client()))
        return worker.send_event("subscribe", key).text

    assert "义乌的朋友您好" in follow("o_from_poster", "qrscene_yw_market")
    assert "欢迎关注浙工之家" in follow("o_from_search", "")
