"""Train the learned second opinion (`python -m bot nlu train`) with scikit-learn and write content/nlu/model.json.

Training data:
- every labelled set in tests/nlu (*.jsonl): the regression sets (heldout*.jsonl) and, since round 5, the
  first-sight sets too (firstsight_*.jsonl), once they have been measured (content/nlu/README.md records it);
- the corrections staff made (content/nlu/labels.jsonl, written by `python -m bot nlu label`);
- examples generated from the content's own phrases (an intent's keywords of weight 3 or more, a topic's words as
  a legal question on that topic);
- any further labelled file given with --data (the development set).

scikit-learn is imported here only: the service reads the weights with bot/nlu/model.py.
"""
from __future__ import annotations

import base64
import hashlib
import json
import time
import zlib
from pathlib import Path

from bot.nlu.features import CHAR_NGRAMS, WORD_BOUNDED, features
from bot.nlu.match import INTENTS, LEGAL_INTENTS
from bot.nlu.model import MODEL_FORMAT, WEIGHT_DTYPE, LearnedModel, content_version
from bot.nlu.normalize import normalize
from bot.nlu.phrasebook import load_content, topic_names

STAFF_LABELS = "labels.jsonl"  # in content/nlu: messages staff placed by hand (`python -m bot nlu label`)
PHRASE_MIN_WEIGHT = 3.0  # a content phrase that "says it" on its own becomes an example of its own
C_INTENT = 10.0  # inverse regularisation of the logistic regressions (chosen by cross-validation on the training sets)
C_TOPIC = 10.0
MIN_DF = 3  # a feature seen in one or two examples only is noise and bloats the file
# The configuration chosen by grouped cross-validation (bench/nlu_cv.py, content/nlu/README.md): a linear SVM with
# balanced class weights over character 1-3-grams and jieba words.
FAMILY = "svm"  # "lr" (logistic regression) or "svm" (linear SVM)
CLASS_WEIGHT = "balanced"  # rare intents (report, human_agent) weigh as much as common ones
C_SVM = 0.5
DECIMALS = 3  # weights rounded in the file (stored as integer thousandths): changes no probability by more than 0.01


def read_jsonl(path: str | Path) -> list[dict]:
    """Return the rows of a labelled JSONL file ({"text", "intent", "topic"} a line)."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def default_sets(repo_root: str | Path) -> list[Path]:
    """Return the repository's labelled sets to train on: every tests/nlu/*.jsonl."""
    return sorted((Path(repo_root) / "tests" / "nlu").glob("*.jsonl"))


def add_label(content_dir: str | Path, text: str, intent: str, topic: str | None) -> Path:
    """Append a message placed by staff to content/nlu/labels.jsonl (the next training uses it); return the file.

    A message already labelled is relabelled (the latest correction wins), so the file never holds two answers.
    """
    from bot.nlu.phrasebook import load_content, topic_names

    if intent not in INTENTS:
        raise ValueError(f"unknown intent {intent!r}; one of {', '.join(INTENTS)}")
    topics = topic_names(load_content(Path(content_dir)))
    if intent in LEGAL_INTENTS:
        if topic not in topics:
            raise ValueError(f"a legal message needs a topic, one of {', '.join(topics)}")
    elif topic:
        raise ValueError(f"only {' and '.join(LEGAL_INTENTS)} messages have a topic")
    text = " ".join(text.split())
    if not text:
        raise ValueError("the message is empty")
    path = Path(content_dir) / "nlu" / STAFF_LABELS
    rows = [row for row in (read_jsonl(path) if path.exists() else []) if row["text"] != text]
    rows.append({"text": text, "intent": intent, "topic": topic if intent in LEGAL_INTENTS else None})
    partial = path.with_name(path.name + ".tmp")
    partial.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    partial.replace(path)
    return path


def phrase_examples(content_dir: str | Path) -> list[dict]:
    """Return examples made from content/nlu's own phrases: strong intent keywords and every topic word."""
    import yaml

    nlu = Path(content_dir) / "nlu"
    intents = yaml.safe_load((nlu / "intents.yaml").read_text(encoding="utf-8")) or {}
    topics = yaml.safe_load((nlu / "topics.yaml").read_text(encoding="utf-8")) or {}
    rows = []
    for intent, spec in (intents.get("intents") or {}).items():
        for phrase, weight in ((spec or {}).get("keywords") or {}).items():
            if isinstance(weight, (int, float)) and weight >= PHRASE_MIN_WEIGHT:
                rows.append({"text": str(phrase), "intent": intent, "topic": None})
    for topic, spec in (topics.get("topics") or {}).items():
        for phrase, weight in ((spec or {}).get("keywords") or {}).items():
            if isinstance(weight, (int, float)) and weight >= PHRASE_MIN_WEIGHT:
                rows.append({"text": str(phrase), "intent": "legal_consult", "topic": topic})
    return rows


def _reader(content_dir: Path):
    """Return a function giving a message's normalised text and jieba words, exactly as the service reads them."""
    from bot.nlu.matcher import IntentMatcher

    matcher = IntentMatcher(content_dir, use_model=False)

    def read(text: str) -> list[str]:
        norm = matcher.normalize(text)
        return features(norm, matcher.segmenter.words(norm), CHAR_NGRAMS, WORD_BOUNDED)

    return read


def make_vectorizer():
    """Return the tf-idf vectoriser over already-extracted features (bot/nlu/features.py)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=MIN_DF, lowercase=False)


def _identity(doc):
    return doc


def fit_head(X, y: list[str], family: str = FAMILY, C: float | None = None, class_weight: str | None = CLASS_WEIGHT):
    """Fit one calibrated linear classifier (logistic regression or linear SVM, sigmoid calibration, 5-fold)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if family == "svm":
        base = LinearSVC(C=C if C is not None else C_SVM, class_weight=class_weight)
    else:
        base = LogisticRegression(C=C if C is not None else C_INTENT, max_iter=3000, class_weight=class_weight)
    model = CalibratedClassifierCV(base, method="sigmoid", cv=5, ensemble=False)
    model.fit(X, y)
    return model


def _head(labels: list[str], X, y: list[str], C: float) -> tuple[dict, object]:
    """Fit one calibrated linear head; return its part of the model file and the fitted scikit-learn model."""
    model = fit_head(X, y, FAMILY, C if FAMILY == "lr" else C_SVM, CLASS_WEIGHT)
    fitted = model.calibrated_classifiers_[0]
    order = [list(model.classes_).index(label) for label in labels]
    coef = fitted.estimator.coef_
    head = {
        "labels": labels,
        "intercept": [round(float(fitted.estimator.intercept_[k]), DECIMALS) for k in order],
        "calibration": [[round(float(fitted.calibrators[k].a_), DECIMALS), round(float(fitted.calibrators[k].b_),
                                                                                   DECIMALS)] for k in order],
    }
    return head, (model, coef, order)


def fit(rows: list[dict], read, topics: tuple[str, ...], version: str, sources: dict) -> dict:
    """Fit the vectoriser and both heads on rows; return the model file's content."""
    docs = [read(row["text"]) for row in rows]
    vectorizer = make_vectorizer()
    X = vectorizer.fit_transform(docs)
    intent_head, (_, intent_coef, intent_order) = _head(list(INTENTS), X, [row["intent"] for row in rows], C_INTENT)
    legal = [i for i, row in enumerate(rows) if row["intent"] in LEGAL_INTENTS and row.get("topic")]
    topic_head, (_, topic_coef, topic_order) = _head(list(topics), X[legal], [rows[i]["topic"] for i in legal],
                                                     C_TOPIC)
    names = vectorizer.get_feature_names_out()
    idf = vectorizer.idf_
    table = {}
    for j, name in enumerate(names):
        weights = [round(float(intent_coef[k, j]), DECIMALS) for k in intent_order]
        weights += [round(float(topic_coef[k, j]), DECIMALS) for k in topic_order]
        table[str(name)] = [round(float(idf[j]), DECIMALS)] + weights
    return {
        "format": MODEL_FORMAT,
        "content_version": version,
        "char_ngrams": list(CHAR_NGRAMS),
        "word_bounded": WORD_BOUNDED,
        "sublinear_tf": True,
        "trained": {"at": time.strftime("%Y-%m-%d"), "examples": len(rows), "sources": sources,
                    "family": FAMILY, "class_weight": CLASS_WEIGHT,
                    "C": [C_SVM] * 2 if FAMILY == "svm" else [C_INTENT, C_TOPIC], "min_df": MIN_DF},
        "intent": intent_head,
        "topic": topic_head,
        "features": table,
    }


def training_rows(content_dir: Path, sets: list[Path], phrases: bool = True) -> tuple[list[dict], dict]:
    """Return every training example and a description of where they came from (name -> count and hash)."""
    rows: list[dict] = []
    sources: dict[str, dict] = {}
    for path in sets:
        part = read_jsonl(path)
        rows += part
        sources[path.name] = {"rows": len(part), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:12]}
    if phrases:
        generated = phrase_examples(content_dir)
        rows += generated
        sources["content phrases"] = {"rows": len(generated)}
    for row in rows:
        if row["intent"] not in INTENTS:
            raise ValueError(f"unknown intent {row['intent']!r} in training row {row['text']!r}")
    return rows, sources


def train(content_dir: str | Path, out_path: str | Path, extra_sets: list[Path] = (),
          sets: list[Path] | None = None, phrases: bool = True) -> dict:
    """Train on sets (default: the repository's), the content's phrases and extra_sets; write the model to out_path.

    Returns a summary (examples, features, file size, seconds).
    """
    started = time.perf_counter()
    content_dir = Path(content_dir)
    if sets is None:
        sets = default_sets(content_dir.parent)
        staff = content_dir / "nlu" / STAFF_LABELS
        sets += [staff] if staff.exists() else []
    rows, sources = training_rows(content_dir, [*sets, *map(Path, extra_sets)], phrases)
    topics = topic_names(load_content(content_dir))
    data = fit(rows, _reader(content_dir), topics, content_version(content_dir), sources)
    out_path = Path(out_path)
    features_count = len(data["features"])
    write_model(data, out_path)
    return {"examples": len(rows), "features": features_count, "bytes": out_path.stat().st_size,
            "seconds": time.perf_counter() - started}


def write_model(data: dict, out_path: Path) -> None:
    """Write a model file atomically in the format bot/nlu/model.py reads (format 2: JSON, one feature a line,
    the weight table as compressed 16-bit thousandths); data holds the table as `features`: name -> numbers."""
    import numpy

    data = dict(data)
    table = data.pop("features")
    names = sorted(table)
    scale = 10 ** DECIMALS
    cells = numpy.rint(numpy.array([table[name] for name in names], dtype=numpy.float64) * scale)
    limit = numpy.iinfo(numpy.dtype(WEIGHT_DTYPE)).max
    if cells.size and numpy.abs(cells).max() > limit:
        raise ValueError(f"a weight of the model exceeds {limit / scale} (the file stores 16-bit thousandths)")
    data.update(format=MODEL_FORMAT, scale=scale)
    weights = base64.b64encode(zlib.compress(cells.astype(WEIGHT_DTYPE).tobytes(), 9)).decode("ascii")
    head = json.dumps(data, ensure_ascii=False, indent=1)
    vocabulary = ",\n".join(json.dumps(name, ensure_ascii=False) for name in names)
    partial = out_path.with_name(out_path.name + ".tmp")
    text = f'{head[:-2]},\n"vocabulary": [\n{vocabulary}\n],\n"weights": "{weights}"\n}}\n'
    partial.write_text(text, encoding="utf-8")
    LearnedModel.load(partial)  # never replace a working model with a file that does not load
    partial.replace(out_path)
