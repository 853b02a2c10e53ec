"""`python -m bot nlu ...`: classify messages, measure the matcher, list the words it could not place."""
from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import click

from bot.nlu.matcher import INTENTS, LEGAL_INTENTS, IntentMatcher

# Words that say nothing about what a worker wants; never worth adding to content/nlu.
STOP_WORDS = frozenset("""
的 了 吗 呢 啊 吧 呀 哦 嘛 哈 么 是 在 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 就 都 也 还 又 和 跟 与 及 或
有 没 没有 不 很 太 要 想 会 能 可以 一个 一下 什么 怎么 为什么 哪 哪里 谁 多少 几 个 给 让 把 被 对 从 到 向 为 上 下
里 中 后 前 说 问 知道 现在 今天 明天 已经 还是 但是 因为 所以 如果 然后 就是 这样 那样 一直 自己 老板 公司 单位
""".split())


def _default_matcher() -> IntentMatcher:
    """Build the matcher from the configured content directory (the embedded demo default works)."""
    from bot.config import load_config

    config = load_config()
    cache_dir = Path(config.var_dir) / "cache"
    return IntentMatcher.from_content(config.content_dir, cache_dir=cache_dir)


@click.group()
def nlu() -> None:
    """Understanding workers' messages: classify, evaluate, unmatched words."""


@nlu.command("classify")
@click.option("--in-form", is_flag=True, help="Classify as if the worker were filling in a form.")
def classify(in_form: bool) -> None:
    """Read messages one per line on standard input; write one JSON object per line."""
    matcher = _default_matcher()
    for line in sys.stdin:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        match = matcher.classify(text, in_form=in_form)
        click.echo(json.dumps({
            "text": text, "intent": match.intent, "topic": match.topic, "score": match.score,
            "confident": match.confident, "candidates": [list(c) for c in match.candidates],
            "keywords": list(match.keywords), "negated": match.negated,
        }, ensure_ascii=False))


def evaluate(matcher: IntentMatcher, rows: list[dict]) -> dict:
    """Return accuracy, macro F1, per-intent precision/recall, the confusion matrix and topic accuracy."""
    started, cpu_started = time.perf_counter(), time.process_time()
    predictions = [matcher.classify(row["text"]) for row in rows]
    elapsed, cpu_elapsed = time.perf_counter() - started, time.process_time() - cpu_started
    labels = list(INTENTS)
    confusion = {gold: Counter() for gold in labels}
    for row, match in zip(rows, predictions):
        confusion.setdefault(row["intent"], Counter())[match.intent] += 1
    per_intent = {}
    for label in labels:
        true_positive = confusion.get(label, Counter())[label]
        predicted = sum(confusion[g][label] for g in confusion)
        actual = sum(confusion.get(label, Counter()).values())
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[label] = {"precision": precision, "recall": recall, "f1": f1, "support": actual}
    present = [label for label in labels if per_intent[label]["support"]]
    legal = [(row, match) for row, match in zip(rows, predictions) if row["intent"] in LEGAL_INTENTS]
    return {
        "n": len(rows),
        "accuracy": sum(row["intent"] == m.intent for row, m in zip(rows, predictions)) / max(len(rows), 1),
        "macro_f1": sum(per_intent[label]["f1"] for label in present) / max(len(present), 1),
        "per_intent": per_intent,
        "confusion": confusion,
        "topic_n": len(legal),
        "topic_accuracy": (sum(_topic(matcher, row["text"], m) == row.get("topic") for row, m in legal)
                           / len(legal)) if legal else None,
        "unsure": sum(not m.confident for m in predictions),
        # answered without asking, and wrongly: worse than a clarifying question
        "confident_wrong": sum(m.confident and m.intent != row["intent"] for row, m in zip(rows, predictions)),
        # CPU time measures the matcher on one core even when the machine is busy; wall time is what a user sees.
        "msgs_per_second": len(rows) / cpu_elapsed if cpu_elapsed else float("inf"),
        "msgs_per_second_wall": len(rows) / elapsed if elapsed else float("inf"),
    }


def _topic(matcher: IntentMatcher, text: str, match) -> str | None:
    # Topic accuracy is measured on legal messages even when the intent was missed.
    return match.topic or matcher.topic_of(text) or matcher.default_topic


@nlu.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def eval_command(path: Path) -> None:
    """Measure the matcher on a labelled JSONL file ({"text", "intent", "topic"} a line)."""
    matcher = _default_matcher()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    matcher.warm_up()  # as the service does at start-up, so msg/s measures matching, not compiling
    result = evaluate(matcher, rows)
    labels = [label for label in INTENTS]
    short = {label: label[:6] for label in labels}
    click.echo(f"messages: {result['n']}   ({path})")
    click.echo(f"intent accuracy: {result['accuracy']:.3f}")
    click.echo(f"macro F1: {result['macro_f1']:.3f}")
    if result["topic_accuracy"] is not None:
        click.echo(f"topic accuracy: {result['topic_accuracy']:.3f}  (on {result['topic_n']} legal messages)")
    n = max(result["n"], 1)
    click.echo(f"not confident (would ask): {result['unsure']}  (asked share {result['unsure'] / n:.1%})")
    click.echo(f"confident and wrong: {result['confident_wrong']}  (confident-wrong rate {result['confident_wrong'] / n:.1%})")
    click.echo(f"speed: {result['msgs_per_second']:.0f} msg/s on one core (CPU time; wall clock "
               f"{result['msgs_per_second_wall']:.0f} msg/s)")
    click.echo("")
    click.echo(f"{'intent':<18}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>5}")
    for label in labels:
        row = result["per_intent"][label]
        click.echo(f"{label:<18}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}{row['support']:>5}")
    click.echo("")
    click.echo("confusion matrix (rows: gold, columns: predicted)")
    click.echo(" " * 18 + "".join(f"{short[label]:>7}" for label in labels))
    for gold in labels:
        counts = result["confusion"].get(gold, Counter())
        click.echo(f"{gold:<18}" + "".join(f"{counts[label] or '.':>7}" for label in labels))


@nlu.command("check")
@click.option("--content-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Content directory (default: the configured one).")
def check(content_dir: Path | None) -> None:
    """Check content/nlu for mistakes an editor can make; exit 1 when there are any."""
    from bot.nlu.matcher import check_content

    if content_dir is None:
        from bot.config import load_config

        content_dir = Path(load_config().content_dir)
    problems = check_content(content_dir)
    for problem in problems:
        click.echo(problem)
    if problems:
        raise SystemExit(1)
    matcher = IntentMatcher.from_content(content_dir)
    click.echo(f"content/nlu is sound: {len(matcher.phrases)} phrases")


def unplaced_words(matcher: IntentMatcher, texts: list[str], limit: int = 30) -> list[tuple[str, int]]:
    """Return the most frequent words of unplaced messages that are neither stop words nor known phrases."""
    known = matcher.phrases
    counts: Counter = Counter()
    for text in texts:
        words = set()
        for token in matcher.tokenizer.tokens(matcher.normalize(text)):
            if len(token) < 2:
                continue
            if token in STOP_WORDS or token in known or token.isdigit():
                continue
            words.add(token)
        counts.update(words)  # count a word once per message
    return counts.most_common(limit)


@nlu.command("misses")
@click.option("--limit", default=30, show_default=True, help="How many words to list.")
@click.option("--days", default=None, type=int, help="Only messages of the last N days.")
def misses(limit: int, days: int | None) -> None:
    """List the most frequent words in messages the bot could not place (to add to content/nlu)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import or_, select
    from sqlalchemy.exc import DBAPIError

    from bot.config import load_config
    from bot.storage import Database
    from bot.storage.models import MessageLog

    config = load_config()
    matcher = IntentMatcher.from_content(config.content_dir, cache_dir=Path(config.var_dir) / "cache")
    threshold = matcher.threshold
    database = Database(config.database_url)
    query = select(MessageLog.text).where(
        MessageLog.direction == "in", MessageLog.text.is_not(None),
        or_(MessageLog.intent == "unknown", MessageLog.intent.is_(None), MessageLog.score < threshold))
    if days:
        since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=days)
        query = query.where(MessageLog.created_at >= since)
    try:
        with database.session() as session:
            texts = [text for (text,) in session.execute(query)]
    except DBAPIError as exc:
        raise click.ClickException(
            f"cannot read the message log ({exc.orig}); create the schema with `python -m bot db upgrade`") from exc
    finally:
        database.dispose()
    click.echo(f"unplaced messages: {len(texts)}")
    for word, count in unplaced_words(matcher, texts, limit):
        click.echo(f"{count:>6}  {word}")


@nlu.command("train")
@click.option("--data", "extra", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A further labelled JSONL file to train on (the development set); may be repeated.")
def train_command(extra: tuple[Path, ...]) -> None:
    """Train the learned second opinion and write content/nlu/model.json (see bot/nlu/training.py)."""
    from bot.config import load_config
    from bot.nlu.model import model_path
    from bot.nlu.training import train

    content_dir = Path(load_config().content_dir)
    summary = train(content_dir, model_path(content_dir), list(extra))
    click.echo(f"{model_path(content_dir)}: {summary['examples']} examples, {summary['features']} features, "
               f"{summary['bytes'] / 1e6:.2f} MB, {summary['seconds']:.0f} s")


@nlu.command("label")
@click.argument("text")
@click.argument("intent", type=click.Choice(INTENTS))
@click.argument("topic", required=False)
def label_command(text: str, intent: str, topic: str | None) -> None:
    """Place a message by hand: TEXT is INTENT (and TOPIC for a legal one); the next `nlu train` learns it."""
    from bot.config import load_config
    from bot.nlu.training import add_label

    try:
        path = add_label(Path(load_config().content_dir), text, intent, topic)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{path}: {text} -> {intent}{' / ' + topic if topic else ''} (run `python -m bot nlu train` to learn it)")
