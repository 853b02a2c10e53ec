"""The intent matcher: content/nlu loaded (and reloaded on edits) and a worker's message scored against it.

The pieces live beside it: match.py (the labels and the Match type), phrasebook.py (reading, compiling and checking
content/nlu), scoring.py (the rules' scan and scores), model.py (the learned second opinion, trained by training.py)
and combining.py (the one rule that combines the two opinions).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.nlu.combining import combine, rules_win
from bot.nlu.match import INTENTS, LEGAL_INTENTS, TOPIC_PREFIX, Match
from bot.nlu.model import LearnedModel, ModelMismatch, load_model, model_path
from bot.nlu.normalize import normalize
from bot.nlu.phrasebook import Phrasebook, check_content, content_files, dictionary_words, load_content, topic_names
from bot.nlu.scoring import best_topic, rule_opinion, scan

if TYPE_CHECKING:
    from bot.nlu.tokenizer import DomainTokenizer

__all__ = ["INTENTS", "LEGAL_INTENTS", "TOPIC_PREFIX", "IntentMatcher", "Match", "check_content"]

log = logging.getLogger(__name__)

_RELOAD_CHECK_SECONDS = 1.0
_JIEBA_MIN_FREQ = 10  # jieba's words seen at least 10 times: the same matches as the whole dictionary, loaded 3x faster
_PHRASE_FREQ = 20000  # as dictionary.txt: high enough that jieba keeps a content phrase whole, and no slow guessing


class IntentMatcher:
    """Scores a worker's message against the intents and legal topics kept in content/nlu."""

    def __init__(self, content_dir: str | Path, cache_dir: str | Path | None = None, use_model: bool = True):
        self.content_dir = Path(content_dir)
        self.use_model = use_model
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._lock = threading.Lock()
        self._tokenizer: "DomainTokenizer | None" = None
        self._segmenter: "DomainTokenizer | None" = None
        self._content = load_content(self.content_dir)
        self._model: LearnedModel | None = None
        self.model_status = "not used"  # why the learned model is or is not in use (for logs and health checks)
        # The model is read on first use, not here: start-up stays well under a second (its file is a few MB).
        self._model_lock = threading.Lock()
        self._model_pending = use_model
        if use_model:
            self.model_status = "learned model not loaded yet (read on first use)"
        self._stamp = self._files_stamp()
        self._refused: tuple | None = None  # the files' stamp last refused (logged once)
        self._next_check = time.monotonic() + _RELOAD_CHECK_SECONDS

    @classmethod
    def from_content(cls, content_dir: str | Path, cache_dir: str | Path | None = None,
                     use_model: bool = True) -> "IntentMatcher":
        """Build a matcher from a content directory (the one holding nlu/)."""
        return cls(content_dir, cache_dir, use_model)

    def _load_model(self, content: Phrasebook) -> tuple[LearnedModel | None, str]:
        """Load content/nlu/model.json if it belongs to this content; otherwise refuse it, loudly, and use rules alone."""
        path = model_path(self.content_dir)
        try:
            model = load_model(self.content_dir, topic_names(content))
        except FileNotFoundError:
            status = f"no learned model at {path}: the rules answer alone (run `python -m bot nlu train`)"
        except ModelMismatch as exc:
            status = f"learned model refused, the rules answer alone: {exc}"
        except (OSError, ValueError, KeyError, TypeError) as exc:
            status = f"learned model unreadable, the rules answer alone: {path}: {exc}"
        else:
            return model, f"learned model in use (content version {model.content_version})"
        log.warning("%s", status)
        return None, status

    @property
    def model(self) -> LearnedModel | None:
        """The learned model in use (read on first use), or None when the rules answer alone (see model_status)."""
        if self._model_pending:
            self._load_pending_model()
        return self._model

    def _load_pending_model(self) -> None:
        with self._model_lock:
            if not self._model_pending:
                return
            content = self._content
            model, status = self._load_model(content)
            with self._lock:
                if self._content is content:  # a reload in between leaves the model to its own next first use
                    self._model, self.model_status, self._model_pending = model, status, False

    # -- content -----------------------------------------------------------------------------------

    @property
    def tokenizer(self) -> "DomainTokenizer":
        """jieba with jieba's whole dictionary, ours and every content phrase kept whole (for the misses report)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = self._build_tokenizer(min_freq=0)
        return self._tokenizer

    @property
    def segmenter(self) -> "DomainTokenizer":
        """jieba as the matcher reads a message: our words and jieba's everyday words (built on first use)."""
        if self._segmenter is None:
            with self._lock:
                if self._segmenter is None:
                    self._segmenter = self._build_tokenizer(min_freq=_JIEBA_MIN_FREQ)
        return self._segmenter

    def _build_tokenizer(self, min_freq: int) -> "DomainTokenizer":
        from bot.nlu.tokenizer import DomainTokenizer

        return DomainTokenizer(self.content_dir / "nlu" / "dictionary.txt", self.cache_dir,
                               words=dictionary_words(self._content), word_freq=_PHRASE_FREQ, min_freq=min_freq)

    @property
    def phrases(self) -> frozenset[str]:
        """Every phrase the content knows (for the unmatched-words report)."""
        return frozenset(self._content.phrases)

    @property
    def threshold(self) -> float:
        """Confidence below which the dialogue asks a clarifying question (also marks a message unplaced)."""
        return self._content.settings["threshold"]

    @property
    def default_topic(self) -> str:
        """The topic given to a legal message that names none."""
        return self._content.default_topic

    def label(self, intent_or_topic: str) -> str:
        """Return the Chinese name of an intent or a topic, for questions to the worker."""
        return self._content.labels.get(intent_or_topic) or self._content.labels.get(
            TOPIC_PREFIX + intent_or_topic, intent_or_topic)

    def _files_stamp(self) -> tuple:
        stamp = []
        for path in [*content_files(self.content_dir), model_path(self.content_dir)]:
            try:
                info = os.stat(path)
                stamp.append((info.st_mtime_ns, info.st_size))
            except FileNotFoundError:
                stamp.append(None)
        return tuple(stamp)

    def reload_if_changed(self) -> bool:
        """Reload content/nlu when a file changed (checked at most once a second); return True if reloaded."""
        now = time.monotonic()
        if now < self._next_check:
            return False
        self._next_check = now + _RELOAD_CHECK_SECONDS
        stamp = self._files_stamp()
        if stamp == self._stamp or stamp == self._refused:
            return False
        # An editor's save caught half-way (an empty or cut file) or a broken edit would leave the bot
        # understanding nothing: keep the content in use until the files are sound again.
        problems = check_content(self.content_dir)
        try:
            content = None if problems else load_content(self.content_dir)
        except (yaml.YAMLError, ValueError, KeyError, TypeError) as exc:
            problems, content = [str(exc)], None
        if content is None or self._files_stamp() != stamp:  # changed again while being read: next check
            if problems:
                log.warning("content/nlu not reloaded, the files have problems: %s", "; ".join(problems[:3]))
                self._refused = stamp
            return False
        with self._lock:
            self._model = None  # never the old model with the new content, even for a moment
            self._content = content
            if self.use_model:  # read (and checked against the new content) on its next first use
                self._model_pending = True
                self.model_status = "learned model not loaded yet (read on first use)"
            self._stamp = stamp
            for tokenizer in (self._tokenizer, self._segmenter):
                if tokenizer is None:
                    continue
                dictionary = self.content_dir / "nlu" / "dictionary.txt"
                if dictionary.exists():
                    tokenizer.load_dictionary(dictionary)
                for phrase in dictionary_words(content):
                    tokenizer.add_word(phrase, _PHRASE_FREQ)
        return True

    # -- matching ----------------------------------------------------------------------------------

    def normalize(self, text: str) -> str:
        """Normalise text with this content's correction table."""
        return normalize(text or "", self._content.corrections)

    def _boundaries(self, norm: str) -> frozenset[int]:
        """Return the offsets in norm where jieba's tokens start or end."""
        return self.segmenter.boundaries(norm)

    def warm_up(self) -> None:
        """Compile every pattern, read the learned model and load jieba now, off the first messages' path."""
        for pattern in self._content.patterns:
            pattern.compile()
        self.classify("老板拖欠工资三个月了怎么办")  # a message the model scores: reads it and warms jieba

    def classify(self, text: str, in_form: bool = False) -> Match:
        """Return the intent (and legal topic) of a worker's message; see Match.confident for when to ask."""
        if self._model_pending:
            self._load_pending_model()
        content = self._content  # one snapshot: a reload in another thread does not mix two versions
        model = self._model
        norm = normalize(text or "", content.corrections)
        opinion = rule_opinion(content, text, norm, self._boundaries, in_form)
        if model is None or not opinion.probs or rules_win(opinion, in_form):
            return opinion.match
        intents = model.predict_intents(norm, self.segmenter.words(norm))
        return combine(opinion, intents, [], content, in_form)

    def rules_only(self, text: str, in_form: bool = False) -> Match:
        """Return what the keyword rules alone say (for measuring the learned model's contribution)."""
        content = self._content
        norm = normalize(text or "", content.corrections)
        return rule_opinion(content, text, norm, self._boundaries, in_form).match

    def topic_of(self, text: str) -> str | None:
        """Return the legal topic of any text, or None when it names none."""
        content = self._content
        norm = normalize(text or "", content.corrections)
        if not norm:
            return None
        scores = scan(norm, content, self._boundaries)[0]
        return best_topic(scores)[0]
