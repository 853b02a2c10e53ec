"""The QR channels page: an editor makes a code for a poster in their city and downloads it."""
from __future__ import annotations

from tests.console.conftest import post


def test_staff_make_a_channel_in_the_console_and_download_its_code(sign_in, fake_wechat):
    editor = sign_in("editor", city="杭州")
    answer = post(editor, "/console/channels", {"name": "西湖区快递站", "scene": "hz_express", "city": "宁波"})
    assert answer.status_code == 302
    page = editor.get("/console/channels").get_data(as_text=True)
    assert "西湖区快递站" in page and "hz_express" in page and "杭州" in page  # the editor's city, not the one asked
    image = editor.get("/console/channels/1.png?download=1")
    assert image.mimetype == "image/png" and "qr-hz_express.png" in image.headers["Content-Disposition"]
    other = sign_in("editor", city="宁波")
    assert "西湖区快递站" not in other.get("/console/channels").get_data(as_text=True)
    assert other.get("/console/channels/1.png").status_code == 403
    assert sign_in("reviewer").get("/console/channels").status_code == 403
    fake_wechat.inject("/cgi-bin/qrcode/create", errcode=-1)
    refused = post(editor, "/console/channels", {"name": "失败的码"}, follow_redirects=True)
    assert "微信接口暂时无法生成二维码" in refused.get_data(as_text=True)
