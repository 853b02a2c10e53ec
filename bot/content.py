"""Editor-owned content files (content/*.yaml): loaded once, re-read when an editor changes them."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import yaml

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
    """The bot's fixed sentences (content/replies.yaml), with {placeholders}."""

    def __init__(self, content_dir: str | Path):
        self._file = ContentFile(Path(content_dir) / "replies.yaml")

    def get(self, key: str, **values: Any) -> str:
        """Return the reply text for key, formatted with values."""
        data = self._file.load() or {}
        if key not in data:
            raise ContentFileError(f"{self._file.path}: no reply named {key!r}")
        text = str(data[key]).strip()
        return text.format(**values) if values else text

    def keys(self) -> list[str]:
        """Return every reply name."""
        return list((self._file.load() or {}).keys())


REQUIRED_REPLIES = ("welcome", "welcome_back", "help_greeting", "clarify", "clarify_outro", "form_paused", "handler_error", "unsupported_message")


def check_replies(content_dir: str | Path) -> None:
    """Raise ContentFileError when replies.yaml lacks a reply the bot needs."""
    replies = Replies(content_dir)
    missing = [key for key in REQUIRED_REPLIES if key not in replies.keys()]
    if missing:
        raise ContentFileError(f"{Path(content_dir) / 'replies.yaml'}: missing replies {', '.join(missing)}")


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
