"""Editing the content files from the staff console: structured edits, the content checks, versions and rollback.

Where versions live, and how every process gets them
-----------------------------------------------------
The service runs as several web processes on several machines that share PostgreSQL but no disk, while
every reader of the content (the FAQ index, the benefits catalogue, the intent matcher, the replies) reads
files under content/ and already rebuilds itself when a file's modification time changes (ReloadingContent,
ContentFile, IntentMatcher.reload_if_changed). So:

1. a save is first checked on a scratch copy of the content directory with the checks of
   `python -m bot content check` (CONTENT_CHECKS), plus the menu's; a refusal changes nothing anywhere;
2. the new text is stored whole as a row of content_versions: the database is the record of every version
   (who, when, what changed, what was restored) and the one place all machines share;
3. then the file is written atomically (a temporary file in the same folder, then os.replace), so a reader
   never sees half a file, and this process's reloaders pick it up within a second;
4. every process runs sync() at most every SYNC_SECONDS, on its next request: one indexed query for the
   newest version id; when it grew, the newest version of each path is written to the local file the same
   way, and the local reloaders do the rest.

sync() only overwrites a file the database knows (one of its versions of that path): a deploy that changes a
content file (a reply a new feature needs) is not undone by an older edit. The first save of a path keeps
the file as it was as an "original" version, so that it can always be restored.

The learned intent model (content/nlu/model.json) is refused by the matcher as soon as content/nlu changes;
after a keyword save the model is retrained in the background on this process, and the new model is stored
as a version too, so the other machines get it by sync() like any edit.
"""
from __future__ import annotations

import difflib
import hashlib
import io
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString
from sqlalchemy import func, select

from bot.kv_store import LockNotAcquired
from bot.storage.models import ContentVersion

log = logging.getLogger(__name__)

SYNC_SECONDS = 5.0  # how stale another machine's copy of an edit may be
SAVE_WAIT_SECONDS = 30.0  # how long a save waits for another save of the same file (the checks take seconds)
FAQ = "legal/faq.yaml"
BENEFITS = "benefits/catalogue.yaml"
INTENTS = "nlu/intents.yaml"
MENU = "menu.yaml"
MODEL = "nlu/model.json"
TRAINING_KEY = "content:nlu_training"  # the retrain's state, shared by the processes through the store


class ContentRefused(ValueError):
    """A save the console refuses: reason is a reply key of content/replies/console.yaml; problems are the checks'."""

    def __init__(self, reason: str, problems: list[str] | None = None, **values):
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []
        self.values = values


@dataclass(frozen=True)
class Version:
    """One saved version of a content file, without its text."""

    id: int
    path: str
    kind: str
    summary: str | None
    restored_from: int | None
    saved_by: str
    saved_at: datetime


def digest(text: str) -> str:
    """The sha256 of a file's text (how versions and files are compared)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _yaml() -> YAML:
    # Round-trip mode keeps the editors' comments, order and quoting: a form edit changes only what it changes.
    yaml = YAML()
    yaml.width = 4096
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_duplicate_keys = True
    return yaml


def _scalar(text: str):
    """A string as YAML should write it: several lines as a | block, else as it is."""
    text = (text or "").replace("\r\n", "\n").strip()
    return LiteralScalarString(text + "\n") if "\n" in text else text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


def write_atomically(path: Path, text: str) -> None:
    """Replace a file in one step (temporary file in the same folder, then rename): no reader sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


class ContentEditing:
    """Structured edits of the content files, checked, versioned in the database and rolled back on request."""

    def __init__(self, database, content_dir: str | Path, clock: Callable[[], datetime], checks: list[Callable],
                 store, background, matcher: Callable[[], Any], legal_faq: Callable[[], Any], replies,
                 train: Callable[[Path], Any]):
        self.database = database
        self.content_dir = Path(content_dir)
        self.clock = clock
        self.checks = checks  # each takes a content directory and raises ValueError naming the problem
        self.store = store
        self.background = background
        self._matcher = matcher
        self._legal_faq = legal_faq
        self.replies = replies
        self._train = train  # (content_dir) -> writes content_dir/nlu/model.json
        self._seen_id: int | None = None
        self._synced_at = float("-inf")
        self._sync_lock = threading.Lock()
        self._train_lock = threading.Lock()
        self._training = False
        self._train_again = False

    # ---- the files ---------------------------------------------------------------------------------

    def documents(self) -> list[str]:
        """The editable files, relative to the content directory."""
        replies = sorted(p.relative_to(self.content_dir).as_posix() for p in (self.content_dir / "replies").glob("*.yaml"))
        return [FAQ, BENEFITS, INTENTS, MENU, "replies.yaml", *replies]

    def _checked_path(self, path: str) -> Path:
        if path not in self.documents() and path != MODEL:
            raise ContentRefused("content_unknown_file", path=path)
        return self.content_dir / path

    def read(self, path: str) -> str:
        """The file's text as this process serves it."""
        return self._checked_path(path).read_text(encoding="utf-8")

    def load(self, path: str) -> Any:
        """The file parsed for editing (comments and order kept)."""
        return _yaml().load(self.read(path))

    @staticmethod
    def dump(data: Any) -> str:
        """YAML text of an edited document."""
        out = io.StringIO()
        _yaml().dump(data, out)
        return out.getvalue()

    # ---- checks --------------------------------------------------------------------------------------

    def problems(self, changes: dict[str, str]) -> list[str]:
        """What the content checks find with these files changed (path -> new text); [] when all pass."""
        for path, text in changes.items():
            try:
                _yaml().load(text)
            except YAMLError as exc:
                return [f"{path}: {exc}"]
        with self.scratch(changes) as directory:
            found = []
            for check in self.checks:
                try:
                    check(directory)
                except ValueError as exc:
                    found.append(str(exc).replace(str(directory), "content"))
            return found

    def scratch(self, changes: dict[str, str]):
        """A temporary copy of the content directory with these files changed (a context manager)."""
        return _Scratch(self.content_dir, changes)

    # ---- saving, history, rollback ------------------------------------------------------------------

    def save(self, path: str, text: str, who: str, summary: str, *, base: str | None = None,
             kind: str = "edit", restored_from: int | None = None) -> Version:
        """Check and store a new version of a file, then serve it; raise ContentRefused and change nothing otherwise.

        base is the digest of the text the editor started from: a save over someone else's newer one is refused.
        """
        self._checked_path(path)
        try:
            # One save of a file at a time across every process, so "started from base" holds until it is written.
            with self.store.lock(f"content:save:{path}", ttl=120, wait=SAVE_WAIT_SECONDS):
                self.sync(force=True)
                current = self.read(path)
                if base is not None and base != digest(current):
                    raise ContentRefused("content_edit_conflict")
                if digest(text) == digest(current):
                    raise ContentRefused("content_no_change")
                found = self.problems({path: text})
                if found:
                    raise ContentRefused("content_check_failed", found)
                version = self._store(path, text, current, who, summary, kind, restored_from)
                write_atomically(self.content_dir / path, text)
        except LockNotAcquired:
            raise ContentRefused("content_edit_busy") from None
        log.info("content %s: version %d saved by %s (%s)", path, version.id, who, kind)
        if path.startswith("nlu/"):
            self.start_training(who)
        return version

    def _store(self, path: str, text: str, current: str, who: str, summary: str | None, kind: str,
               restored_from: int | None) -> Version:
        now = self.clock()
        with self.database.session() as session:
            newest = session.scalars(select(ContentVersion).where(ContentVersion.path == path)
                                     .order_by(ContentVersion.id.desc()).limit(1)).first()
            if newest is None or newest.digest != digest(current):
                # The file as it was before the console first changed it (or as a deploy left it): restorable.
                session.add(ContentVersion(path=path, text=current, digest=digest(current), kind="original",
                                           saved_by="-", saved_at=now))
            row = ContentVersion(path=path, text=text, digest=digest(text), kind=kind, summary=(summary or "")[:300],
                                 restored_from=restored_from, saved_by=who, saved_at=now)
            session.add(row)
            session.flush()
            self._seen_id = max(self._seen_id or 0, row.id)
            return _view(row)

    def versions(self, path: str, limit: int = 50) -> list[Version]:
        """The saved versions of a file, newest first."""
        with self.database.session() as session:
            rows = session.scalars(select(ContentVersion).where(ContentVersion.path == path)
                                   .order_by(ContentVersion.id.desc()).limit(limit))
            return [_view(row) for row in rows]

    def version(self, version_id: int) -> tuple[Version, str] | None:
        """One version and its text, or None."""
        with self.database.session() as session:
            row = session.get(ContentVersion, version_id)
            return (_view(row), row.text) if row is not None else None

    def diff(self, version_id: int) -> list[str]:
        """What a version changed, as unified diff lines against the version before it of the same file."""
        with self.database.session() as session:
            row = session.get(ContentVersion, version_id)
            if row is None:
                return []
            before = session.scalars(select(ContentVersion.text).where(
                ContentVersion.path == row.path, ContentVersion.id < row.id)
                .order_by(ContentVersion.id.desc()).limit(1)).first()
            if before is None:
                return []
            return list(difflib.unified_diff(before.splitlines(), row.text.splitlines(), lineterm="", n=2))[2:]

    def restore(self, version_id: int, who: str, summary: str) -> Version:
        """Serve an earlier version again, as a new version (checked like any save)."""
        found = self.version(version_id)
        if found is None or found[0].path == MODEL:
            raise ContentRefused("content_unknown_version")
        old, text = found
        return self.save(old.path, text, who, summary, kind="restore", restored_from=old.id)

    # ---- every process serves the newest version ----------------------------------------------------

    def sync(self, force: bool = False) -> list[str]:
        """Write to local files the newest saved versions this process does not serve yet; return the paths written.

        Cheap when nothing changed (one query for the newest id, at most every SYNC_SECONDS unless forced).
        """
        if not force and time.monotonic() - self._synced_at < SYNC_SECONDS:
            return []
        with self._sync_lock:
            self._synced_at = time.monotonic()
            with self.database.session() as session:
                newest_id = session.scalar(select(func.max(ContentVersion.id)))
                if newest_id is None or newest_id == self._seen_id:
                    return []
                latest = select(func.max(ContentVersion.id)).group_by(ContentVersion.path)
                rows = session.scalars(select(ContentVersion).where(ContentVersion.id.in_(latest))).all()
                known = {(p, d) for p, d in session.execute(select(ContentVersion.path, ContentVersion.digest))}
                written = []
                for row in rows:
                    path = self.content_dir / row.path
                    try:
                        on_disk = digest(path.read_text(encoding="utf-8"))
                    except FileNotFoundError:
                        on_disk = None
                    if on_disk == row.digest:
                        continue
                    if on_disk is not None and (row.path, on_disk) not in known:
                        log.warning("content %s changed outside the console (a deploy?): version %d not applied",
                                    row.path, row.id)
                        continue
                    write_atomically(path, row.text)
                    written.append(row.path)
                    log.info("content %s: version %d applied on this process", row.path, row.id)
            self._seen_id = newest_id
            return written

    # ---- the learned model after a keyword edit ------------------------------------------------------

    def start_training(self, who: str) -> None:
        """Retrain the learned model in the background (once at a time; again at the end if edits came meanwhile)."""
        with self._train_lock:
            if self._training:
                self._train_again = True
                return
            self._training = True
        self.store.set_json(TRAINING_KEY, {"state": "running", "by": who, "started_at": self.clock().isoformat()})
        self.background.submit(self._training_loop, who)

    def _training_loop(self, who: str) -> None:
        from bot.nlu.model import content_version

        before = self.read(MODEL) if (self.content_dir / MODEL).exists() else None
        try:
            while True:
                version = content_version(self.content_dir)
                self._train(self.content_dir)
                with self._train_lock:
                    again = self._train_again or content_version(self.content_dir) != version
                    self._train_again = False
                    if not again:
                        self._training = False
                if not again:
                    break
            text = self.read(MODEL)
            self._store(MODEL, text, before if before is not None else text, who, None, "model", None)
            self.store.set_json(TRAINING_KEY, {"state": "done", "by": who, "finished_at": self.clock().isoformat()})
        except Exception:  # a failed training must not pass silently: the page says so, the log has why
            log.exception("retraining the learned model failed")
            with self._train_lock:
                self._training = False
                self._train_again = False
            self.store.set_json(TRAINING_KEY, {"state": "failed", "by": who, "finished_at": self.clock().isoformat()})

    def model_status(self) -> dict:
        """Is the learned model in step with the keywords (else the rules answer alone), and is a retrain running?"""
        from bot.nlu.model import content_version, load_model

        training = self.store.get_json(TRAINING_KEY) or {}
        try:
            model_version = load_model(self.content_dir).content_version if (self.content_dir / MODEL).exists() else None
        except Exception:  # a model that does not load is simply not in use
            model_version = None
        current = content_version(self.content_dir)
        return {"in_step": model_version == current, "training": training.get("state"), "by": training.get("by"),
                "model_version": model_version, "content_version": current}

    # ---- the test box --------------------------------------------------------------------------------

    def try_message(self, text: str, drafts: dict[str, str] | None = None) -> dict:
        """What the bot would make of a worker's message: intent, topic, the FAQ entry and its answer.

        With drafts (path -> unsaved text) the message is read with those files as if saved.
        """
        from bot.nlu.match import LEGAL_INTENTS

        drafts = {p: t for p, t in (drafts or {}).items() if p in (FAQ, INTENTS)}
        if drafts:
            from bot.nlu.matcher import IntentMatcher
            from bot.services.legal_faq import LegalFAQ

            with self.scratch(drafts) as directory:
                matcher = IntentMatcher.from_content(directory) if INTENTS in drafts else self._matcher()
                faq = (LegalFAQ.load(directory, tokenize=matcher.tokenizer.tokens, replies=self.replies)
                       if FAQ in drafts else self._legal_faq())
                return _reading(text, matcher, faq, LEGAL_INTENTS)
        return _reading(text, self._matcher(), self._legal_faq(), LEGAL_INTENTS)

    # ---- structured edits: each returns the file's new text ------------------------------------------

    def faq_entries(self) -> list[dict]:
        """The FAQ entries (id, topic, question), in file order."""
        data = self.load(FAQ)
        return [{"id": e["id"], "topic": e.get("topic"), "question": e.get("question", "")} for e in data["entries"]]

    def faq_entry(self, entry_id: str) -> dict | None:
        """One FAQ entry's editable fields, lists as lines."""
        for entry in self.load(FAQ)["entries"]:
            if entry["id"] == entry_id:
                return {"id": entry_id, "topic": entry.get("topic"), "question": entry.get("question", ""),
                        "aliases": "\n".join(entry.get("aliases") or []), "answer": str(entry.get("answer", "")).strip(),
                        "citations": "\n".join(entry.get("citations") or [])}
        return None

    def edited_faq(self, entry_id: str, form: dict) -> str:
        """The FAQ file with one entry's question, aliases, answer and citations changed."""
        data = self.load(FAQ)
        entry = next((e for e in data["entries"] if e["id"] == entry_id), None)
        if entry is None:
            raise ContentRefused("content_unknown_entry", entry=entry_id)
        _set_text(entry, "question", form.get("question"))
        _set_text(entry, "answer", form.get("answer"))
        _set_lines(entry, "aliases", form.get("aliases"))
        _set_lines(entry, "citations", form.get("citations"))
        return self.dump(data)

    BENEFIT_TEXTS = ("name", "summary", "eligibility", "where", "contact")

    def benefit_items(self) -> list[dict]:
        """The benefits (id, name, category), in file order."""
        return [{"id": i["id"], "name": i.get("name", ""), "category": i.get("category")}
                for i in self.load(BENEFITS)["items"]]

    def benefit_item(self, item_id: str) -> dict | None:
        """One benefit's editable fields, lists as lines."""
        for item in self.load(BENEFITS)["items"]:
            if item["id"] == item_id:
                fields = {name: str(item.get(name) or "").strip() for name in self.BENEFIT_TEXTS}
                return {"id": item_id, "category": item.get("category"), **fields,
                        "aliases": "\n".join(item.get("aliases") or []), "how_to": "\n".join(item.get("how_to") or [])}
        return None

    def edited_benefit(self, item_id: str, form: dict) -> str:
        """The catalogue with one benefit's words changed."""
        data = self.load(BENEFITS)
        item = next((i for i in data["items"] if i["id"] == item_id), None)
        if item is None:
            raise ContentRefused("content_unknown_entry", entry=item_id)
        for name in self.BENEFIT_TEXTS:
            _set_text(item, name, form.get(name))
        _set_lines(item, "aliases", form.get("aliases"))
        _set_lines(item, "how_to", form.get("how_to"))
        return self.dump(data)

    def intents(self) -> list[dict]:
        """The intents (name, label, how many keywords)."""
        return [{"name": name, "label": spec.get("label", name), "count": len(spec.get("keywords") or {})}
                for name, spec in self.load(INTENTS)["intents"].items()]

    def intent_keywords(self, name: str) -> dict | None:
        """An intent's keywords and counter-words as (phrase, weight) pairs."""
        spec = self.load(INTENTS)["intents"].get(name)
        if spec is None:
            return None
        return {"name": name, "label": spec.get("label", name),
                "keywords": [(str(k), v) for k, v in (spec.get("keywords") or {}).items()],
                "against": [(str(k), v) for k, v in (spec.get("against") or {}).items()]}

    def edited_intent(self, name: str, keywords: list[tuple[str, str]], against: list[tuple[str, str]]) -> str:
        """intents.yaml with an intent's keywords and counter-words replaced; a weight that is not a number is refused."""
        data = self.load(INTENTS)
        spec = data["intents"].get(name)
        if spec is None:
            raise ContentRefused("content_unknown_entry", entry=name)
        for field, pairs in (("keywords", keywords), ("against", against)):
            wanted: dict[str, float] = {}
            for phrase, weight in pairs:
                phrase = (phrase or "").strip()
                if not phrase:
                    continue
                try:
                    number = float(weight)
                except (TypeError, ValueError):
                    raise ContentRefused("content_bad_weight", phrase=phrase, weight=weight) from None
                wanted[phrase] = int(number) if number.is_integer() else number
            if field not in spec:
                if not wanted:
                    continue
                spec[field] = {}
            # In place: the comments between phrases stay where the editors wrote them.
            mapping = spec[field]
            for phrase in [p for p in mapping if str(p) not in wanted]:
                del mapping[phrase]
            for phrase, weight in wanted.items():
                if mapping.get(phrase) != weight:
                    mapping[phrase] = weight
        return self.dump(data)

    def reply_texts(self, path: str) -> list[tuple[str, str]]:
        """The sentences of a replies file as (key, text)."""
        if not (path == "replies.yaml" or path.startswith("replies/")):
            raise ContentRefused("content_unknown_file", path=path)
        return [(str(k), str(v).strip()) for k, v in (self.load(path) or {}).items()]

    def edited_replies(self, path: str, texts: dict[str, str]) -> str:
        """A replies file with the given sentences changed (the others as they are)."""
        data = self.load(path)
        for key, text in texts.items():
            if key in data and str(data[key]).strip() != (text or "").replace("\r\n", "\n").strip():
                data[key] = _scalar(text)
        return self.dump(data)


def _set_text(mapping, field: str, text: str | None) -> None:
    """Change a text field only when its words changed: an untouched field keeps its layout in the file."""
    if text is None:
        return
    if " ".join(str(mapping.get(field) or "").split()) != " ".join(text.split()):
        mapping[field] = _scalar(text)


def _set_lines(mapping, field: str, text: str | None) -> None:
    """Change a list field (one item a line in the form) only when its items changed."""
    if text is None:
        return
    items = _lines(text)
    if [str(x) for x in (mapping.get(field) or [])] != items:
        mapping[field] = items


def _view(row: ContentVersion) -> Version:
    return Version(row.id, row.path, row.kind, row.summary, row.restored_from, row.saved_by, row.saved_at)


def _reading(text: str, matcher, faq, legal_intents) -> dict:
    match = matcher.classify(text)
    topic = match.topic if match.intent in legal_intents and match.topic else matcher.topic_of(text)
    hit = faq.best_answer(text, topic_prior=topic)
    return {"text": text, "intent": match.intent, "intent_label": matcher.label(match.intent),
            "confident": match.confident, "score": round(match.score, 2), "keywords": list(match.keywords),
            "topic": topic, "topic_label": matcher.label(topic) if topic else None,
            "faq_id": hit.entry.id if hit else None, "faq_question": hit.entry.question if hit else None,
            "answer": faq.format_answer(hit.entry) if hit else None}


class _Scratch:
    """A temporary copy of the content directory with some files changed; removed on exit."""

    def __init__(self, content_dir: Path, changes: dict[str, str]):
        self.content_dir = content_dir
        self.changes = changes

    def __enter__(self) -> Path:
        self._temp = tempfile.TemporaryDirectory(prefix="zgzj-content-")
        directory = Path(self._temp.name) / "content"
        # The learned model is not needed by the checks (it is retrained after a keyword edit).
        shutil.copytree(self.content_dir, directory, ignore=shutil.ignore_patterns("model.json", ".*.tmp"))
        for path, text in self.changes.items():
            (directory / path).write_text(text, encoding="utf-8")
        return directory

    def __exit__(self, *exc) -> None:
        self._temp.cleanup()
