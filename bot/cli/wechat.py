"""WeChat commands: `fake-wechat` (the fake API), `chat` (the simulator), `menu publish|show`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli.context import Services, pass_services


@click.command("fake-wechat")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--latency-ms", default=0.0, show_default=True, type=float, help="Delay added to every API call.")
@click.option("--verbose", is_flag=True, help="Log every request.")
def fake_wechat(host: str, port: int, latency_ms: float, verbose: bool) -> None:
    """Serve the fake WeChat API (tests, demo, benchmarks)."""
    from bot.wechat.fake import serve

    click.echo(f"fake WeChat API on http://{host}:{port}  (calls: GET /_fake/calls, faults: POST /_fake/faults)")
    serve(host=host, port=port, latency_ms=latency_ms, quiet=not verbose)


def _default_url(config) -> str:
    host = config.host if config.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    return f"http://{host}:{config.port}/wechat"


def _send_line(simulator, line: str):
    """Send one chat line: text, or `event:NAME[:KEY]`, `voice:TEXT`, `location:LAT,LNG[,LABEL]`, `retry`."""
    if line.startswith("event:"):
        _, _, rest = line.partition(":")
        event, _, key = rest.partition(":")
        return simulator.send_event(event.strip(), key.strip())
    if line.startswith("voice:"):
        return simulator.send_voice(line[len("voice:"):].strip())
    if line.startswith("location:"):
        parts = [p.strip() for p in line[len("location:"):].split(",", 2)]
        return simulator.send_location(float(parts[0]), float(parts[1]), parts[2] if len(parts) > 2 else "")
    if line == "retry":
        return simulator.retry_last()
    return simulator.send_text(line)


@click.command("chat")
@click.option("--url", default=None, help="The webhook URL [default: http://HOST:PORT/wechat].")
@click.option("--openid", default="sim_worker_0001", show_default=True, help="The follower you play.")
@click.option("--mode", type=click.Choice(["safe", "plain", "compat"]), default=None,
              help="Message encryption [default: safe when an EncodingAESKey is configured].")
@click.option("--script", "script", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Send each non-empty line of FILE in turn and print the replies.")
@pass_services
def chat(services: Services, url: str | None, openid: str, mode: str | None, script: Path | None) -> None:
    """Chat with the running webhook as a follower would, through WeChat's protocol."""
    from bot.wechat.simulator import WeChatSimulator, format_reply

    config = services.config
    mode = mode or ("safe" if config.wechat_encoding_aes_key else "plain")
    try:
        simulator = WeChatSimulator(config.wechat_token, config.wechat_app_id, config.wechat_encoding_aes_key,
                                    mode=mode, openid=openid, url=url or _default_url(config))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc

    if script is not None:
        failures = 0
        for line in script.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            click.echo(f"你：{line}")
            try:
                reply = _send_line(simulator, line)
            except (ValueError, IndexError) as exc:
                click.echo(f"  （无法发送：{exc}）", err=True)
                failures += 1
                continue
            click.echo(f"浙工之家：{format_reply(reply)}")
            if not reply.ok:
                failures += 1
        if failures:
            click.echo(f"{failures} 条消息失败", err=True)
            sys.exit(1)
        return

    click.echo(f"正在与 {simulator.url} 对话（{mode} 模式，openid {openid}）。输入 exit 或按 Ctrl-D 结束；"
               "event:subscribe、event:CLICK:JOIN_UNION 发送事件。")
    while True:
        try:
            line = input("你：").strip()
        except (EOFError, KeyboardInterrupt):
            click.echo()
            return
        if line in ("exit", "quit"):
            return
        if not line:
            continue
        try:
            reply = _send_line(simulator, line)
        except (ValueError, IndexError) as exc:
            click.echo(f"（无法发送：{exc}）")
            continue
        click.echo(f"浙工之家：{format_reply(reply)}")


@click.group("menu")
def menu() -> None:
    """The account's custom menu (content/menu.yaml)."""


@menu.command("show")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Menu file [default: content/menu.yaml].")
@click.option("--remote", is_flag=True, help="Show the menu currently published at WeChat instead.")
@pass_services
def menu_show(services: Services, path: Path | None, remote: bool) -> None:
    """Check the menu file and print the API JSON it publishes (or the published menu)."""
    from bot.wechat.client import WeChatError
    from bot.wechat.menu import MenuError, load_menu

    if remote:
        try:
            published = _client(services).get_menu()
        except WeChatError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(json.dumps(published.get("menu", published), ensure_ascii=False, indent=2))
        return
    try:
        loaded = load_menu(path, services.config)
    except MenuError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(loaded.api_json, ensure_ascii=False, indent=2))
    for key, meaning in loaded.click_keys.items():
        click.echo(f"{key}: {meaning['text']} ({meaning['intent']})")


@menu.command("publish")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Menu file [default: content/menu.yaml].")
@pass_services
def menu_publish(services: Services, path: Path | None) -> None:
    """Check the menu file and publish it through the WeChat API."""
    from bot.wechat.client import WeChatError
    from bot.wechat.menu import MenuError, load_menu

    try:
        loaded = load_menu(path, services.config)
    except MenuError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        _client(services).create_menu(loaded.api_json)
    except WeChatError as exc:
        raise click.ClickException(f"WeChat refused the menu: {exc}") from exc
    click.echo(f"menu published to {services.config.wechat_api_base_url}: "
               f"{len(loaded.api_json['button'])} buttons, {len(loaded.keys())} keys")


def _client(services: Services):
    """The WeChat client on the configured store, so the token is shared with the running service."""
    from bot.kv_store import make_store
    from bot.wechat.client import WeChatClient

    config = services.config
    return WeChatClient(config, make_store(config.redis_url, timeout=config.redis_timeout_seconds))
