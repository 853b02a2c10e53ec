"""Train the learned second opinion (`python -m bot nlu train`) with scikit-learn and write content/nlu/model.json.

Training data:
- the labelled sets in tests/nlu (*.jsonl), except the first-sight sets (firstsight_*.jsonl), which are kept for
  measuring and never trained on;
- examples generated from the content's own phrases (an intent's keywords of weight 3 or more, a topic's words as
  a legal question on that topic);
- any further labelled file given with --data (the development set).

scikit-learn is imported here only: the service reads the weights with bot/nlu/model.py.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from bot.nlu.features import CHAR_NGRAMS, features
from bot.nlu.match import INTENTS, LEGAL_INTENTS
from bot.nlu.model import MODEL_FORMAT, LearnedModel, content_version
from bot.nlu.normalize import normalize
from bot.nlu.phrasebook import load_content, topic_names

FIRST_SIGHT_PREFIX = "firstsight_"  # sets written to measure, never trained or tuned on
PHRASE_MIN_WEIGHT = 3.0  # a content phrase that "says it" on its own becomes an example of its own
C_INTENT = 10.0  # inverse regularisation of the logistic regressions (chosen by cross-validation on the training sets)
C_TOPIC = 10.0
MIN_DF = 3  # a feature seen in one or two examples only is noise and bloats the file
DECIMALS = 3  # weights rounded in the file: keeps it small, changes no probability by more than 0.01


def read_jsonl(path: str | Path) -> list[dict]:
    """Return the rows of a labelled JSONL file ({"text", "intent", "topic"} a line)."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def default_sets(repo_root: str | Path) -> list[Path]:
    """Return the repository's labelled sets to train on: tests/nlu/*.jsonl except the first-sight ones."""
    return sorted(p for p in (Path(repo_root) / "tests" / "nlu").glob("*.jsonl")
                  if not p.name.startswith(FIRST_SIGHT_PREFIX))


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
        return features(norm, matcher.segmenter.words(norm))

    return read


def _head(labels: list[str], X, y: list[str], C: float) -> tuple[dict, object]:
    """Fit one calibrated logistic regression; return its part of the model file and the fitted scikit-learn model."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    model = CalibratedClassifierCV(LogisticRegression(C=C, max_iter=3000), method="sigmoid", cv=5, ensemble=False)
    model.fit(X, y)
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
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [read(row["text"]) for row in rows]
    vectorizer = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True, min_df=MIN_DF, lowercase=False)
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
        "sublinear_tf": True,
        "trained": {"at": time.strftime("%Y-%m-%d"), "examples": len(rows), "sources": sources,
                    "C": [C_INTENT, C_TOPIC], "min_df": MIN_DF},
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
    rows, sources = training_rows(content_dir, [*sets, *map(Path, extra_sets)], phrases)
    topics = topic_names(load_content(content_dir))
    data = fit(rows, _reader(content_dir), topics, content_version(content_dir), sources)
    out_path = Path(out_path)
    features_count = len(data["features"])
    write_model(data, out_path)
    return {"examples": len(rows), "features": features_count, "bytes": out_path.stat().st_size,
            "seconds": time.perf_counter() - started}


def write_model(data: dict, out_path: Path) -> None:
    """Write a model file atomically, one feature a line (small diffs in review, still one json.load at start-up)."""
    data = dict(data)
    partial = out_path.with_name(out_path.name + ".tmp")
    lines = ",\n".join(f"{json.dumps(name, ensure_ascii=False)}:{json.dumps(row, separators=(',', ':'))}"
                       for name, row in sorted(data.pop("features").items()))
    head = json.dumps(data, ensure_ascii=False, indent=1)
    partial.write_text(head[:-2] + ',\n"features": {\n' + lines + "\n}\n}\n", encoding="utf-8")
    LearnedModel.load(partial)  # never replace a working model with a file that does not load
    partial.replace(out_path)


def cross_validate(content_dir: str | Path, sets: list[Path], folds: int = 5, seed: int = 0) -> dict:
    """Return the model's own cross-validated intent and topic accuracy on the labelled sets (phrases always train)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold

    content_dir = Path(content_dir)
    read = _reader(content_dir)
    labelled = [row for path in sets for row in read_jsonl(path)]
    generated = phrase_examples(content_dir)
    topics = topic_names(load_content(content_dir))
    docs = [read(row["text"]) for row in labelled]
    gen_docs = [read(row["text"]) for row in generated]
    y = np.array([row["intent"] for row in labelled])
    right = topic_right = topic_n = 0
    confident_wrong = 0
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(docs, y):
        rows = [labelled[i] for i in train_idx] + generated
        vectorizer = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True, min_df=MIN_DF, lowercase=False)
        X = vectorizer.fit_transform([docs[i] for i in train_idx] + gen_docs)
        intent_model = _head(list(INTENTS), X, [r["intent"] for r in rows], C_INTENT)[1][0]
        legal = [i for i, r in enumerate(rows) if r["intent"] in LEGAL_INTENTS and r.get("topic")]
        topic_model = _head(list(topics), X[legal], [rows[i]["topic"] for i in legal], C_TOPIC)[1][0]
        X_test = vectorizer.transform([docs[i] for i in test_idx])
        proba = intent_model.predict_proba(X_test)
        predicted = intent_model.classes_[proba.argmax(axis=1)]
        topic_predicted = topic_model.predict(X_test)
        for k, i in enumerate(test_idx):
            ok = predicted[k] == labelled[i]["intent"]
            right += ok
            confident_wrong += (not ok) and proba[k].max() >= 0.5
            if labelled[i]["intent"] in LEGAL_INTENTS and labelled[i].get("topic"):
                topic_n += 1
                topic_right += topic_predicted[k] == labelled[i]["topic"]
    return {"n": len(labelled), "intent_accuracy": right / len(labelled),
            "topic_accuracy": topic_right / max(topic_n, 1), "confident_wrong": confident_wrong / len(labelled)}

