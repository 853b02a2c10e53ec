"""The learned second opinion at run time: a linear model over character n-grams and jieba words, read from a
small JSON file written by `python -m bot nlu train` (bot/nlu/training.py). No scikit-learn here: the service
loads the weights in a few milliseconds and scores a message with one small matrix product.

The file (format 2) is JSON text, so that it is versioned like any content file (the console stores it as a
content version): the labels, intercepts and calibration as numbers; the vocabulary, one feature a line; and the
weight table (each feature's idf, then its weight for every intent and every topic, in thousandths) as 16-bit
integers, zlib-compressed and base64-encoded. Format 1 held the table as JSON numbers, 2.3 MB parsed in a tenth of a
second; the thousandths are the same numbers (training rounds every weight to 3 decimals), read in a few ms.

The file records the content version it was trained on (a hash of the content/nlu files the matcher reads). A
model whose content version, intents or topics differ from the content in use is refused: the matcher then
answers with its rules alone and says so in the log, and `python -m bot content check` fails until someone runs
`python -m bot nlu train`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

from bot.nlu.features import features
from bot.nlu.match import INTENTS
from bot.nlu.phrasebook import content_files, load_content, topic_names

MODEL_FORMAT = 2
MODEL_FILE = "model.json"  # in content/nlu, beside the files it was trained from
WEIGHT_DTYPE = "<i2"  # the weight table's cells: little-endian 16-bit integers, in 1/scale units


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
            raise ModelMismatch(f"model format {data.get('format')!r}, this code reads {MODEL_FORMAT}: "
                                "run `python -m bot nlu train`")
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
                            tuple(map(tuple, intent["calibration"])))
        self.topic = _Head(tuple(topic["labels"]), tuple(topic["intercept"]),
                           tuple(map(tuple, topic["calibration"])))
        import numpy

        self._numpy = numpy
        vocabulary = data["vocabulary"]
        columns = 1 + len(self.intent.labels) + len(self.topic.labels)
        try:
            cells = numpy.frombuffer(zlib.decompress(base64.b64decode(data["weights"], validate=True)),
                                     dtype=WEIGHT_DTYPE)
        except (binascii.Error, zlib.error) as exc:
            raise ModelMismatch(f"the model's weights do not decode: {exc}") from exc
        if cells.size != len(vocabulary) * columns:
            raise ModelMismatch(f"the model has {cells.size} weights for {len(vocabulary)} features x {columns}")
        # Integer thousandths / 1000 in float64 are exactly the 3-decimal numbers training rounded to.
        table = cells.reshape(len(vocabulary), columns) / float(data["scale"])
        self.vocabulary: tuple[str, ...] = tuple(vocabulary)
        self._index = dict(zip(vocabulary, range(len(vocabulary))))
        self._idf = table[:, 0].copy()
        self._intent_weights = table[:, 1:1 + len(self.intent.labels)].copy()
        self._intent_intercept = numpy.array(self.intent.intercept)
        self._topic_weights = table[:, 1 + len(self.intent.labels):].copy()
        self._topic_intercept = numpy.array(self.topic.intercept)

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

    def _values(self, norm: str, words):
        """Return the message's known features (row numbers) and their tf-idf values, L2-normalised; None if none."""
        numpy = self._numpy
        counts: dict[int, int] = {}
        index = self._index
        for feature in features(norm, words, self.char_ngrams, self.word_bounded):
            i = index.get(feature)
            if i is not None:
                counts[i] = counts.get(i, 0) + 1
        if not counts:
            return None
        found = numpy.fromiter(counts.keys(), dtype=numpy.int64, count=len(counts))
        tf = numpy.fromiter(counts.values(), dtype=numpy.float64, count=len(counts))
        if self.sublinear_tf:
            tf = 1.0 + numpy.log(tf)
        values = tf * self._idf[found]
        values /= numpy.sqrt(values @ values) or 1.0
        return found, values

    def predict(self, norm: str, words) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """Return (intent probabilities, topic probabilities), each best first, for a normalised message."""
        vector = self._values(norm, words)
        if vector is None:
            return (self.intent.probabilities(list(self.intent.intercept)),
                    self.topic.probabilities(list(self.topic.intercept)))
        found, values = vector
        return (self.intent.probabilities((values @ self._intent_weights[found] + self._intent_intercept).tolist()),
                self.topic.probabilities((values @ self._topic_weights[found] + self._topic_intercept).tolist()))

    def predict_intents(self, norm: str, words) -> list[tuple[str, float]]:
        """Return the intent probabilities, best first (the topic head is left out: the combining rule keeps the
        rules' topic, and scoring it would double the cost)."""
        vector = self._values(norm, words)
        if vector is None:
            return self.intent.probabilities(list(self.intent.intercept))
        found, values = vector
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
