"""The account's custom menu: content/menu.yaml loaded, checked against WeChat's limits, turned into API JSON."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_TOP_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_TOP_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024

# button type -> the fields WeChat requires besides name
REQUIRED_FIELDS = {
    "click": ("key",),
    "view": ("url",),
    "miniprogram": ("url", "appid", "pagepath"),
    "scancode_push": ("key",),
    "scancode_waitmsg": ("key",),
    "pic_sysphoto": ("key",),
    "pic_photo_or_album": ("key",),
    "pic_weixin": ("key",),
    "location_select": ("key",),
}


class MenuError(ValueError):
    """The menu breaks one of WeChat's rules or ours; the message lists every problem."""


@dataclass(frozen=True)
class Menu:
    """A checked menu: the API JSON to publish and what each click key stands for."""

    api_json: dict[str, Any]
    click_keys: dict[str, dict[str, str]]

    def keys(self) -> list[str]:
        """Return the keys of the menu's buttons, in order."""
        found = []
        for top in self.api_json["button"]:
            for button in [top, *top.get("sub_button", [])]:
                if "key" in button:
                    found.append(button["key"])
        return found


def default_menu_path(config: Any = None) -> Path:
    """Return content/menu.yaml under the configured content directory."""
    from bot.config import PROJECT_ROOT

    content_dir = getattr(config, "content_dir", None) if config is not None else None
    return Path(content_dir or PROJECT_ROOT / "content") / "menu.yaml"


def load_menu(path: str | Path | None = None, config: Any = None) -> Menu:
    """Read and check a menu file; raise MenuError naming every problem."""
    path = Path(path) if path else default_menu_path(config)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MenuError(f"{path}: file is missing") from None
    except yaml.YAMLError as exc:
        raise MenuError(f"{path}: not valid YAML: {exc}") from exc
    # Without a configuration (a content check), the mini-program placeholder is left as it is.
    miniprogram_app_id = (getattr(config, "miniprogram_app_id", "") or "") if config is not None else None
    try:
        return build_menu(data, miniprogram_app_id=miniprogram_app_id)
    except MenuError as exc:
        raise MenuError(f"{path}: {exc}") from None


def build_menu(data: Any, miniprogram_app_id: str | None = "") -> Menu:
    """Check a parsed menu document and return the Menu; raise MenuError naming every problem.

    miniprogram_app_id replaces "{miniprogram_app_id}" in mini-program buttons; None leaves it.
    """
    problems: list[str] = []
    if not isinstance(data, dict):
        raise MenuError("expected a mapping with 'buttons' and 'click_keys'")
    buttons = data.get("buttons")
    click_keys = data.get("click_keys") or {}
    if not isinstance(buttons, list) or not buttons:
        raise MenuError("'buttons' must be a non-empty list")
    if len(buttons) > MAX_TOP_BUTTONS:
        problems.append(f"{len(buttons)} top-level buttons; WeChat allows at most {MAX_TOP_BUTTONS}")
    if not isinstance(click_keys, dict):
        problems.append("'click_keys' must be a mapping of KEY: {intent, text}")
        click_keys = {}

    api_buttons = []
    seen_keys: set[str] = set()
    for number, top in enumerate(buttons, 1):
        where = f"button {number}"
        if not isinstance(top, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        where = f"button {number} ({top.get('name', '?')})"
        subs = top.get("sub_buttons")
        if subs is not None:
            if top.get("type"):
                problems.append(f"{where}: a button with sub_buttons has no type of its own")
            _check_name(top, MAX_TOP_NAME_BYTES, where, problems)
            if not isinstance(subs, list) or not subs:
                problems.append(f"{where}: sub_buttons must be a non-empty list")
                continue
            if len(subs) > MAX_SUB_BUTTONS:
                problems.append(f"{where}: {len(subs)} sub-buttons; WeChat allows at most {MAX_SUB_BUTTONS}")
            converted = []
            for sub_number, sub in enumerate(subs, 1):
                sub_where = f"{where} > {sub_number}"
                if not isinstance(sub, dict):
                    problems.append(f"{sub_where}: expected a mapping")
                    continue
                sub_where = f"{where} > {sub.get('name', sub_number)}"
                converted.append(_leaf(sub, MAX_SUB_NAME_BYTES, sub_where, problems, seen_keys, miniprogram_app_id))
            api_buttons.append({"name": top.get("name", ""), "sub_button": converted})
        else:
            api_buttons.append(_leaf(top, MAX_TOP_NAME_BYTES, where, problems, seen_keys, miniprogram_app_id))

    for key in sorted(seen_keys):
        if key not in click_keys:
            problems.append(f"key {key} is in the menu but not in click_keys (what does it stand for?)")
    for key, meaning in click_keys.items():
        if not isinstance(meaning, dict) or not meaning.get("intent") or not meaning.get("text"):
            problems.append(f"click_keys.{key}: needs both intent and text")
    if problems:
        raise MenuError("; ".join(problems))
    return Menu({"button": api_buttons},
                {str(k): {"intent": str(v["intent"]), "text": str(v["text"])} for k, v in click_keys.items()})


def _check_name(button: dict, limit: int, where: str, problems: list[str]) -> None:
    name = button.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: needs a name")
    elif len(name.encode("utf-8")) > limit:
        problems.append(f"{where}: name {name!r} is {len(name.encode('utf-8'))} bytes; WeChat allows {limit}")


def _leaf(button: dict, name_limit: int, where: str, problems: list[str], seen_keys: set[str],
          miniprogram_app_id: str | None) -> dict:
    _check_name(button, name_limit, where, problems)
    kind = button.get("type")
    if kind not in REQUIRED_FIELDS:
        problems.append(f"{where}: type {kind!r} is not one of {', '.join(REQUIRED_FIELDS)}")
        return {}
    result: dict[str, Any] = {"type": kind, "name": button.get("name", "")}
    for field in REQUIRED_FIELDS[kind]:
        value = button.get(field)
        if isinstance(value, str) and field == "appid" and miniprogram_app_id is not None:
            value = value.replace("{miniprogram_app_id}", miniprogram_app_id)
        if not isinstance(value, str) or not value.strip():
            hint = " (set MINIPROGRAM_APP_ID)" if field == "appid" else ""
            problems.append(f"{where}: a {kind} button needs {field}{hint}")
            continue
        result[field] = value
    key = result.get("key")
    if key is not None:
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            problems.append(f"{where}: key is longer than {MAX_KEY_BYTES} bytes")
        if key in seen_keys:
            problems.append(f"{where}: key {key} is used twice")
        seen_keys.add(key)
    url = result.get("url")
    if url is not None:
        if len(url.encode("utf-8")) > MAX_URL_BYTES:
            problems.append(f"{where}: url is longer than {MAX_URL_BYTES} bytes")
        if not url.startswith(("http://", "https://")):
            problems.append(f"{where}: url must start with http:// or https://")
    return result


def check_content(content_dir: str | Path) -> None:
    """Content check: content/menu.yaml keeps WeChat's limits and says what each click key stands for."""
    load_menu(Path(content_dir) / "menu.yaml")
