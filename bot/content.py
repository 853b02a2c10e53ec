"""Editor-owned content files (content/*.yaml): loaded once, re-read when an editor changes them."""
from __future__ import annotations

import ast
import functools
import logging
import string
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.config import PROJECT_ROOT

log = logging.getLogger(__name__)


class ContentFileError(ValueError):
    """A content file is missing or invalid; the message names the file."""


class ContentFile:
    """One YAML file, re-read at most once a second when its modification time changes."""

    def __init__(self, path: Path, check_interval: float = 1.0):
        self.path = Path(path)
        self.check_interval = check_interval
        self._data: Any = None
        self._mtime: float | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def load(self) -> Any:
        """Return the parsed file, reloading it when it was edited."""
        now = time.monotonic()
        if self._data is not None and now - self._checked_at < self.check_interval:
            return self._data
        with self._lock:
            self._checked_at = now
            try:
                mtime = self.path.stat().st_mtime
            except FileNotFoundError:
                raise ContentFileError(f"{self.path}: file is missing") from None
            if self._data is None or mtime != self._mtime:
                try:
                    data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
                except yaml.YAMLError as exc:
                    if self._data is not None:  # keep serving the last good version
                        log.error("content %s has a YAML error, keeping the previous version: %s", self.path, exc)
                        return self._data
                    raise ContentFileError(f"{self.path}: not valid YAML: {exc}") from exc
                self._data, self._mtime = data, mtime
            return self._data


class Replies:
    """The bot's sentences, keyed by name: content/replies.yaml plus one file per domain in content/replies/."""

    def __init__(self, content_dir: str | Path):
        directory = Path(content_dir)
        self._main = ContentFile(directory / "replies.yaml")
        self._domain_dir = directory / "replies"
        self._domain_files: dict[Path, ContentFile] = {}
        self._listed_at = -1.0
        self._lock = threading.Lock()  # services ask from many threads at once, the first time too
        self._merged_cache: tuple[list, dict[str, Any]] | None = None

    def _files(self) -> list[ContentFile]:
        with self._lock:
            now = time.monotonic()
            if now - self._listed_at >= 1.0:  # a file an editor adds is seen within a second
                present = set(self._domain_dir.glob("*.yaml"))
                self._domain_files = {p: self._domain_files.get(p) or ContentFile(p) for p in sorted(present)}
                self._listed_at = now
            return [self._main, *self._domain_files.values()]

    def _merged(self) -> dict[str, Any]:
        # Every reply asks for this: merge again only when a file was (re)loaded since the last time.
        loaded = [file.load() or {} for file in self._files()]
        cached = self._merged_cache
        if cached is not None and len(cached[0]) == len(loaded) and all(
                a is b for a, b in zip(cached[0], loaded)):
            return cached[1]
        merged: dict[str, Any] = {}
        for data in loaded:
            merged.update(data)
        self._merged_cache = (loaded, merged)  # holding the loaded objects keeps their identity unique
        return merged

    def get(self, key: str, **values: Any) -> str:
        """Return the reply text for key, formatted with values."""
        text = self.raw(key)
        return text.format(**values) if values else text

    def raw(self, key: str) -> str:
        """The sentence for key as an editor wrote it, {placeholders} unfilled."""
        data = self._merged()
        if key not in data:
            raise ContentFileError(f"{self._main.path.parent}: no reply named {key!r} in replies.yaml or replies/")
        return str(data[key]).strip()

    def keys(self) -> list[str]:
        """Return every reply name."""
        return list(self._merged().keys())

    def duplicates(self) -> list[str]:
        """Reply names defined in more than one file (an editor would not know which one is used)."""
        seen: dict[str, Path] = {}
        clashes = []
        for file in self._files():
            for key in (file.load() or {}):
                if key in seen:
                    clashes.append(f"{key} ({seen[key].name}, {file.path.name})")
                seen[key] = file.path
        return clashes


REQUIRED_REPLIES = ("welcome", "welcome_back", "help_greeting", "clarify", "clarify_outro", "form_paused", "handler_error", "unsupported_message")

# The code that asks for replies by name; every name it asks for must be in the content.
CODE_DIRS = tuple(PROJECT_ROOT / name for name in ("bot", "handlers", "miniprogram_api"))


@dataclass(frozen=True)
class ReplyUse:
    """One place in the code that asks for a reply by name: `say("key", ...)` or `replies.get("key", ...)`."""

    key: str
    where: str  # "path:line"
    values: frozenset[str] | None  # the {placeholders} it fills; None when passed as **values (unknown)


def reply_uses(directories=CODE_DIRS) -> list[ReplyUse]:
    """Every literal reply name the Python code under directories asks for."""
    uses = []
    for path in sorted(p for directory in directories for p in Path(directory).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: n.lineno):
            if not (isinstance(node.func, ast.Attribute) and node.args):
                continue
            owner, method = node.func.value, node.func.attr
            asks = method == "say" or (method == "get" and (
                isinstance(owner, ast.Name) and owner.id == "replies"
                or isinstance(owner, ast.Attribute) and owner.attr == "replies"))
            key = node.args[0]
            if asks and isinstance(key, ast.Constant) and isinstance(key.value, str):
                names = [k.arg for k in node.keywords]
                values = None if None in names else frozenset(names)
                where = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
                uses.append(ReplyUse(key.value, f"{where}:{node.lineno}", values))
    return uses


def reply_use_problems(replies: Replies, uses: list[ReplyUse]) -> list[str]:
    """What would fail at run time: names missing from the content, {placeholders} the code does not fill."""
    sentences = {key: replies.raw(key) for key in replies.keys()}
    problems = []
    for use in uses:
        if use.key not in sentences:
            problems.append(f"{use.where} asks for reply {use.key!r}, which is not in the content")
            continue
        try:
            wanted = {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(sentences[use.key])
                      if name is not None}
        except ValueError as exc:  # a lone { or }
            problems.append(f"reply {use.key!r} has a broken placeholder: {exc}")
            continue
        if use.values is None:
            continue
        unfilled = wanted - use.values  # given no values, get() leaves every {placeholder} as it is
        if unfilled:
            problems.append(f"reply {use.key!r} has {', '.join('{' + name + '}' for name in sorted(unfilled))}, "
                            f"which {use.where} does not fill")
    return problems


@functools.lru_cache(maxsize=1)
def _code_reply_uses() -> tuple[ReplyUse, ...]:
    # The code does not change while a process runs: the console's checks of each save read it once.
    return tuple(reply_uses())


def check_replies(content_dir: str | Path) -> None:
    """Raise ContentFileError when the replies lack a sentence the bot asks for, or name one twice."""
    replies = Replies(content_dir)
    clashes = replies.duplicates()
    if clashes:
        raise ContentFileError(f"{Path(content_dir) / 'replies'}: replies named twice: {', '.join(clashes)}")
    missing = [key for key in REQUIRED_REPLIES if key not in replies.keys()]
    if missing:
        raise ContentFileError(f"{Path(content_dir) / 'replies.yaml'}: missing replies {', '.join(missing)}")
    problems = reply_use_problems(replies, _code_reply_uses())
    if problems:
        raise ContentFileError(f"{Path(content_dir) / 'replies'}: " + "; ".join(problems))


class ReloadingContent:
    """An object built from content files, rebuilt when an editor changes one of them.

    The files' modification times are checked at most once a second; a rebuild that fails
    (a broken edit) is logged and the previous version keeps serving.
    """

    def __init__(self, build, paths_of, check_interval: float = 1.0):
        self._build = build  # () -> the object
        self._paths_of = paths_of  # () -> the files it is built from
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._value = build()
        self._stamp = self._fingerprint()
        self._checked_at = time.monotonic()

    def _fingerprint(self) -> tuple:
        stamps = []
        for path in sorted(self._paths_of()):
            try:
                stamps.append((str(path), path.stat().st_mtime_ns))
            except FileNotFoundError:
                stamps.append((str(path), None))
        return tuple(stamps)

    def get(self):
        """The current object, rebuilt first if its files changed."""
        if time.monotonic() - self._checked_at < self.check_interval:
            return self._value
        with self._lock:
            self._checked_at = time.monotonic()
            stamp = self._fingerprint()
            if stamp != self._stamp:
                try:
                    self._value = self._build()
                    log.info("content reloaded after an edit")
                except ValueError as exc:  # ContentError and YAML errors are ValueErrors
                    log.error("content edit rejected, keeping the previous version: %s", exc)
                self._stamp = stamp
        return self._value
