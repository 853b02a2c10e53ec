"""The learned second opinion at run time: a linear model over character n-grams and jieba words, read from a
small JSON file written by `python -m bot nlu train` (bot/nlu/training.py). No scikit-learn here: the service
loads a dictionary of weights in a few milliseconds and scores a message with a few dozen additions.

The file records the content version it was trained on (a hash of the content/nlu files the matcher reads). A
model whose content version, intents or topics differ from the content in use is refused: the matcher then
answers with its rules alone and says so in the log, and `python -m bot content check` fails until someone runs
`python -m bot nlu train`.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from bot.nlu.features import features
from bot.nlu.match import INTENTS
from bot.nlu.phrasebook import content_files, load_content, topic_names

MODEL_FORMAT = 1
MODEL_FILE = "model.json"  # in content/nlu, beside the files it was trained from


class ModelMismatch(ValueError):
    """The model file does not belong to the content in use (retrain with `python -m bot nlu train`)."""


def model_path(content_dir: str | Path) -> Path:
    """Return where the model for content_dir lives."""
    return Path(content_dir) / "nlu" / MODEL_FILE


def content_version(content_dir: str | Path) -> str:
    """Return a short hash of the content/nlu files the rules and the model's features and labels come from."""
    digest = hashlib.sha256()
    for path in content_files(Path(content_dir)):
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"(none)")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _topics_of(content_dir: Path) -> tuple[str, ...]:
    return topic_names(load_content(content_dir))


@dataclass(frozen=True)
class _Head:
    """One calibrated linear classifier: its labels, intercepts and per-label sigmoid (a, b)."""

    labels: tuple[str, ...]
    intercept: tuple[float, ...]
    calibration: tuple[tuple[float, float], ...]
    offset: int  # where this head's weights start in a feature's row

    def probabilities(self, scores: list[float]) -> list[tuple[str, float]]:
        """Return (label, calibrated probability), best first, from the raw decision scores."""
        probs = []
        for score, (a, b) in zip(scores, self.calibration):
            z = a * score + b  # scikit-learn's sigmoid calibration: 1 / (1 + exp(a * score + b))
            probs.append(1.0 / (1.0 + math.exp(min(z, 60.0))))
        total = sum(probs)
        if total <= 0:
            probs, total = [1.0] * len(probs), float(len(probs))
        return sorted(((label, p / total) for label, p in zip(self.labels, probs)), key=lambda kv: kv[1], reverse=True)


class LearnedModel:
    """Calibrated probabilities of the intents (and, for legal messages, the topics) of a normalised message."""

    def __init__(self, data: dict):
        if data.get("format") != MODEL_FORMAT:
            raise ModelMismatch(f"model format {data.get('format')!r}, this code reads {MODEL_FORMAT}")
        ngrams = tuple(data.get("char_ngrams") or ())
        if len(ngrams) != 2 or not 1 <= ngrams[0] <= ngrams[1] <= 6:
            raise ModelMismatch(f"model reads character n-grams {data.get('char_ngrams')!r}, this code 1 to 6")
        self.char_ngrams: tuple[int, int] = (int(ngrams[0]), int(ngrams[1]))
        self.word_bounded: bool = bool(data.get("word_bounded", False))
        self.content_version: str = data["content_version"]
        self.trained: dict = data.get("trained") or {}
        self.sublinear_tf: bool = bool(data["sublinear_tf"])
        intent, topic = data["intent"], data["topic"]
        self.intent = _Head(tuple(intent["labels"]), tuple(intent["intercept"]),
                            tuple(map(tuple, intent["calibration"])), 0)
        self.topic = _Head(tuple(topic["labels"]), tuple(topic["intercept"]),
                           tuple(map(tuple, topic["calibration"])), len(self.intent.labels))
        # feature -> (idf, weights of every intent then every topic)
        self.rows: dict[str, list[float]] = data["features"]
        # The intent head as arrays: a message's few hundred features become one small matrix product.
        import numpy

        self._numpy = numpy
        self._index = {feature: i for i, feature in enumerate(self.rows)}
        table = numpy.array(list(self.rows.values()), dtype=numpy.float64).reshape(len(self.rows), -1)
        self._idf = table[:, 0].copy()
        self._intent_weights = table[:, 1:1 + len(self.intent.labels)].copy()
        self._intent_intercept = numpy.array(self.intent.intercept)

    @classmethod
    def load(cls, path: str | Path) -> "LearnedModel":
        """Read a model file (raises OSError when missing, ModelMismatch when of another format)."""
        with open(path, encoding="utf-8") as handle:
            return cls(json.load(handle))

    def check(self, content_dir: str | Path, topics: tuple[str, ...] | None = None) -> None:
        """Raise ModelMismatch unless this model was trained on exactly the content in content_dir."""
        if tuple(self.intent.labels) != INTENTS:
            raise ModelMismatch(f"the model knows the intents {list(self.intent.labels)}, the code {list(INTENTS)}")
        if topics is not None and tuple(sorted(self.topic.labels)) != tuple(sorted(topics)):
            raise ModelMismatch(f"the model knows the topics {sorted(self.topic.labels)}, the content {sorted(topics)}")
        current = content_version(content_dir)
        if current != self.content_version:
            raise ModelMismatch(f"the model was trained on content version {self.content_version}, content/nlu is "
                                f"now {current}: run `python -m bot nlu train`")

    def _vector(self, norm: str, words) -> list[tuple[list[float], float]]:
        counts: dict[str, int] = {}
        for feature in features(norm, words, self.char_ngrams, self.word_bounded):
            counts[feature] = counts.get(feature, 0) + 1
        rows = self.rows
        found = []
        squares = 0.0
        log = math.log
        sublinear = self.sublinear_tf
        for feature, count in counts.items():
            row = rows.get(feature)
            if row is None:
                continue
            value = ((1.0 + log(count)) if sublinear else float(count)) * row[0]
            squares += value * value
            found.append((row, value))
        norm_l2 = math.sqrt(squares) or 1.0
        return [(row, value / norm_l2) for row, value in found]

    @staticmethod
    def _scores(vector, head: _Head) -> list[float]:
        # Column sums with one pass per label over the (few hundred) features found: no per-cell Python loop.
        first = 1 + head.offset
        return [intercept + sum(row[column] * value for row, value in vector)
                for column, intercept in enumerate(head.intercept, first)]

    def predict(self, norm: str, words) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """Return (intent probabilities, topic probabilities), each best first, for a normalised message."""
        vector = self._vector(norm, words)
        return (self.intent.probabilities(self._scores(vector, self.intent)),
                self.topic.probabilities(self._scores(vector, self.topic)))

    def predict_intents(self, norm: str, words) -> list[tuple[str, float]]:
        """Return the intent probabilities, best first (the topic head is left out: the combining rule keeps the
        rules' topic, and scoring it would double the cost)."""
        numpy = self._numpy
        counts: dict[int, int] = {}
        index = self._index
        for feature in features(norm, words, self.char_ngrams, self.word_bounded):
            i = index.get(feature)
            if i is not None:
                counts[i] = counts.get(i, 0) + 1
        if not counts:
            return self.intent.probabilities(list(self.intent.intercept))
        found = numpy.fromiter(counts.keys(), dtype=numpy.int64, count=len(counts))
        tf = numpy.fromiter(counts.values(), dtype=numpy.float64, count=len(counts))
        if self.sublinear_tf:
            tf = 1.0 + numpy.log(tf)
        values = tf * self._idf[found]
        values /= numpy.sqrt(values @ values) or 1.0
        scores = values @ self._intent_weights[found] + self._intent_intercept
        return self.intent.probabilities(scores.tolist())


def load_model(content_dir: str | Path, topics: tuple[str, ...] | None = None) -> LearnedModel:
    """Load content_dir's model and check it belongs to that content (OSError when absent, ModelMismatch)."""
    model = LearnedModel.load(model_path(content_dir))
    model.check(content_dir, topics)
    return model


def check_model(content_dir: str | Path) -> None:
    """Raise ValueError naming the problem when content/nlu has no model or its model is out of date."""
    path = model_path(content_dir)
    if not path.exists():
        raise ValueError(f"{path}: no learned model; run `python -m bot nlu train`")
    try:
        load_model(content_dir, _topics_of(Path(content_dir)))
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a model file ({exc}); run `python -m bot nlu train`") from exc
    except ModelMismatch as exc:
        raise ValueError(f"{path}: {exc}") from exc
