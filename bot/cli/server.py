"""Commands that run the service: `run` (everything, for a newcomer), `serve` (web), `healthcheck`."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlparse

import click

from bot.cli.context import Services, pass_services

# Access log without query strings (the openid), every line masked: bot/gunicorn_conf.py.
GUNICORN_CONFIG = "python:bot.gunicorn_conf"


def _local_fake_port(config) -> int | None:
    """The port of our fake WeChat API when the configuration points at it on this machine."""
    url = urlparse(config.wechat_api_base_url)
    if url.hostname in ("127.0.0.1", "localhost") and "weixin.qq.com" not in url.netloc:
        return url.port or 80
    return None


@click.command("run")
@click.option("--no-fake", is_flag=True, help="Do not start the fake WeChat API.")
@pass_services
def run(services: Services, no_fake: bool) -> None:
    """Upgrade the database, load demo content and run everything: web, scheduler, fake WeChat."""
    config = services.config
    from bot.demo import load_demo_content
    from bot.logging_setup import configure

    configure(config.log_level)
    runtime = services.runtime
    runtime.database.upgrade()
    if config.demo:
        for line in load_demo_content(runtime):
            click.echo(f"demo content: {line}")
    children: list[subprocess.Popen] = []
    python = sys.executable
    fake_port = None if no_fake else _local_fake_port(config)
    if fake_port:
        children.append(subprocess.Popen([python, "-m", "bot", "fake-wechat", "--port", str(fake_port)]))
    children.append(subprocess.Popen([python, "-m", "bot", "scheduler"]))
    if config.redis_url:  # with Redis, pushes fan out on RQ workers; without it the scheduler sends itself
        children.append(subprocess.Popen([python, "-m", "bot", "worker"]))
    workers = "1" if not config.redis_url else str(max(2, os.cpu_count() or 2))
    children.append(subprocess.Popen([
        python, "-m", "gunicorn", "bot.wsgi:app", "--bind", f"{config.host}:{config.port}",
        "--workers", workers, "--threads", "8", "--timeout", "30", "--access-logfile", "-",
        "--config", GUNICORN_CONFIG]))
    _print_banner(config, fake_port)

    def stop(*_args):
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        for child in children:
            if child.poll() is not None:
                click.echo(f"process {' '.join(child.args[2:4])} exited with {child.returncode}; stopping", err=True)
                stop()
        time.sleep(0.5)


def _print_banner(config, fake_port) -> None:
    base = f"http://{config.host}:{config.port}"
    lines = [
        "",
        "浙工之家 is running" + (" on the embedded default (demo)" if config.demo else ""),
        f"  webhook          {base}/wechat",
        f"  health           {base}/healthz",
        f"  mini-program API {base}/api/v1/docs",
    ]
    if fake_port:
        lines.append(f"  fake WeChat API  {config.wechat_api_base_url}/_fake/calls")
    if config.demo:
        lines += [
            "  demo WeChat token: " + config.wechat_token,
            "  demo AppID: " + config.wechat_app_id,
            "  demo EncodingAESKey: " + config.wechat_encoding_aes_key,
        ]
    lines += ["", "Chat with it in another terminal:  make chat", ""]
    click.echo("\n".join(lines))


@click.command("serve")
@click.option("--workers", default=2, show_default=True)
@pass_services
def serve(services: Services, workers: int) -> None:
    """Run the web app alone under gunicorn (production: behind nginx)."""
    config = services.config
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "bot.wsgi:app",
                              "--bind", f"{config.host}:{config.port}", "--workers", str(workers),
                              "--threads", "4", "--timeout", "30", "--config", GUNICORN_CONFIG])


@click.command("healthcheck")
@pass_services
def healthcheck(services: Services) -> None:
    """Probe the database, the store and the WeChat API; exit 1 if one is down."""
    from bot.health import check

    report = check(services.runtime)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    sys.exit(0 if report["ok"] else 1)
