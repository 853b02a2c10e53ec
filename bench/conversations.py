"""First-sight conversation quality: the share of turns that got what a person would expect.

    .venv/bin/python bench/conversations.py [--dir tests/conversations/firstsight] [-v]

Plays every script of the folder through the real webhook (signed and encrypted, SQLite and the
in-process store, the fake WeChat API in a thread) and counts, per turn, whether the reply holds
one of the turn's `expect_any` words (and all `expect`, none of `expect_not`). Unlike the
conversation tests, a miss does not stop the script: the rest of the conversation is still scored.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import create_app  # noqa: E402
from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_MINIPROGRAM_APP_ID, DEMO_TOKEN, load_config  # noqa: E402
from bot.demo import load_demo_content  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.storage import Database  # noqa: E402
from bot.kv_store import MemoryStore  # noqa: E402
from bot.wechat.fake import create_fake_app  # noqa: E402
from bot.wechat.simulator import WeChatSimulator, flask_transport  # noqa: E402


def _runtime(workdir: Path, fake_url: str) -> Runtime:
    config = load_config(environ={}, path=workdir / "absent.yaml", overrides={
        "wechat.token": DEMO_TOKEN, "wechat.app_id": DEMO_APP_ID, "wechat.app_secret": "bench",
        "wechat.encoding_aes_key": DEMO_AES_KEY, "wechat.api_base_url": fake_url,
        "wechat.reply_deadline_seconds": 30.0, "miniprogram.app_id": DEMO_MINIPROGRAM_APP_ID,
        "miniprogram.app_secret": "bench", "database_url": f"sqlite:///{workdir}/bench.db",
        "secret_key": "bench-secret-key-0123456789", "var_dir": str(workdir / "var")})
    database = Database(config.database_url)
    database.upgrade()
    return Runtime(config, database, MemoryStore())


def _ok(turn: dict, text: str) -> bool:
    return (all(str(e) in text for e in turn.get("expect", []))
            and (not turn.get("expect_any") or any(str(e) in text for e in turn["expect_any"]))
            and not any(str(e) in text for e in turn.get("expect_not", [])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "tests" / "conversations" / "firstsight")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every missed turn with the reply")
    args = parser.parse_args()
    fake = create_fake_app()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    total = good = 0
    latencies = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(args.dir.glob("*.yaml")):
            script = yaml.safe_load(path.read_text(encoding="utf-8"))
            workdir = Path(tmp) / path.stem
            workdir.mkdir()
            runtime = _runtime(workdir, f"http://127.0.0.1:{server.server_port}")
            if "demo_content" in script.get("setup", []):
                load_demo_content(runtime)
            client = create_app(runtime.config, runtime=runtime).test_client()
            worker = WeChatSimulator(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY, mode="safe", openid=f"o_{path.stem}",
                                     url="http://localhost/wechat", transport=flask_transport(client))
            hits = 0
            for number, turn in enumerate(script["turns"], 1):
                started = time.perf_counter()
                reply = worker.send_text(str(turn["send"]))
                latencies.append(time.perf_counter() - started)
                text = reply.text or reply.kind
                if _ok(turn, text):
                    hits += 1
                elif args.verbose:
                    print(f"  miss {path.stem} turn {number}: {turn['send']}\n    -> {text[:200]!r}")
            total += len(script["turns"])
            good += hits
            print(f"{path.stem:32s} {hits}/{len(script['turns'])}")
            runtime.close()
    server.shutdown()
    latencies.sort()
    print(f"\nturns as a person would expect: {good}/{total} = {good / total:.2f}")
    print(f"reply latency p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
          f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.0f} ms (first message of each script loads content)")


if __name__ == "__main__":
    main()
