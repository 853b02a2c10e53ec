"""The custom menu: content/menu.yaml is valid, publishes to the fake, and bad menus are refused clearly."""
from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import Services
from bot.config import PROJECT_ROOT
from bot.kv_store import MemoryStore
from bot.wechat.client import WeChatClient
from bot.cli.wechat import menu
from bot.wechat.menu import MenuError, build_menu, load_menu

MENU_FILE = PROJECT_ROOT / "content" / "menu.yaml"


def services_for(config) -> Services:
    services = Services()
    services._config = config
    return services


def test_the_menu_file_is_valid(wechat_config):
    loaded = load_menu(MENU_FILE, wechat_config)

    buttons = loaded.api_json["button"]
    assert [b["name"] for b in buttons] == ["入会服务", "维权服务", "服务大厅"]
    assert {"JOIN_UNION", "LEGAL_CONSULT", "HUMAN_AGENT", "MEMBER_CARD"} <= set(loaded.keys())
    mini = [s for s in buttons[2]["sub_button"] if s["type"] == "miniprogram"][0]
    assert mini["appid"] == wechat_config.miniprogram_app_id
    assert loaded.click_keys["JOIN_UNION"] == {"intent": "join_union", "text": "我要入会"}


def test_every_click_key_routes_to_a_known_intent():
    loaded = load_menu(MENU_FILE)
    intents = yaml.safe_load((PROJECT_ROOT / "content" / "nlu" / "intents.yaml").read_text(encoding="utf-8"))
    known = set(intents["intents"])
    assert {meaning["intent"] for meaning in loaded.click_keys.values()} <= known


def test_the_menu_publishes_to_the_fake(wechat_config, fake_wechat):
    result = CliRunner().invoke(menu, ["publish"], obj=services_for(wechat_config))

    assert result.exit_code == 0, result.output
    assert "menu published" in result.output
    published = fake_wechat.calls("/cgi-bin/menu/create")[0]["json"]
    assert published == load_menu(MENU_FILE, wechat_config).api_json
    assert WeChatClient(wechat_config, MemoryStore()).get_menu()["menu"] == published

    shown = CliRunner().invoke(menu, ["show", "--remote"], obj=services_for(wechat_config))
    assert shown.exit_code == 0 and "在线入会" in shown.output


def test_show_prints_the_api_json_and_the_keys(wechat_config):
    result = CliRunner().invoke(menu, ["show"], obj=services_for(wechat_config))
    assert result.exit_code == 0, result.output
    assert '"name": "入会服务"' in result.output
    assert "JOIN_UNION: 我要入会 (join_union)" in result.output


def click(name: str, key: str) -> dict:
    return {"name": name, "type": "click", "key": key}


def keys(*names: str) -> dict:
    return {k: {"intent": "x", "text": "y"} for k in names}


def test_four_top_buttons_are_refused_with_a_clear_message(tmp_path, wechat_config, fake_wechat):
    bad = {"buttons": [click(f"按钮{i}", f"K{i}") for i in range(4)], "click_keys": keys("K0", "K1", "K2", "K3")}
    path = tmp_path / "menu.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")

    with pytest.raises(MenuError, match="4 top-level buttons; WeChat allows at most 3"):
        load_menu(path)
    result = CliRunner().invoke(menu, ["publish", "--file", str(path)], obj=services_for(wechat_config))
    assert result.exit_code != 0
    assert "4 top-level buttons" in result.output
    assert fake_wechat.calls("/cgi-bin/menu/create") == []


@pytest.mark.parametrize("document, message", [
    ({"buttons": [{"name": "服务", "sub_buttons": [click(f"子{i}", f"K{i}") for i in range(6)]}],
      "click_keys": keys(*[f"K{i}" for i in range(6)])}, "6 sub-buttons"),
    ({"buttons": [click("一二三四五六", "K")], "click_keys": keys("K")}, "18 bytes; WeChat allows 16"),
    ({"buttons": [click("入会", "K" * 129)], "click_keys": keys("K" * 129)}, "longer than 128 bytes"),
    ({"buttons": [click("入会", "JOIN")], "click_keys": {}}, "JOIN is in the menu but not in click_keys"),
    ({"buttons": [{"name": "网站", "type": "view"}], "click_keys": {}}, "a view button needs url"),
    ({"buttons": [{"name": "网站", "type": "view", "url": "ftp://x"}], "click_keys": {}}, "must start with http"),
    ({"buttons": [click("甲", "K"), click("乙", "K")], "click_keys": keys("K")}, "key K is used twice"),
    ({"buttons": [{"name": "小程序", "type": "miniprogram", "appid": "{miniprogram_app_id}",
                   "pagepath": "pages/index", "url": "https://example.invalid"}], "click_keys": {}},
     "needs appid (set MINIPROGRAM_APP_ID)"),
    ({"buttons": [{"name": "怪", "type": "teleport"}], "click_keys": {}}, "type 'teleport' is not one of"),
])
def test_bad_menus_are_refused(document, message):
    with pytest.raises(MenuError) as caught:
        build_menu(document)
    assert message in str(caught.value)
