"""Cross-validate the learned model and the combining rules, grouped by labelled file (first-sight estimate).

Each labelled file (tests/nlu/*.jsonl and the development set) is a group: a fold's test files were never seen by
the model trained for it, as a fresh set is not. The rules (content/nlu) were tuned on most of these files, so the
rules' and the combined figures are optimistic everywhere except the first-sight set, printed apart.

Run: .venv/bin/python bench/nlu_cv.py [--folds 5] [--configs c12,c13 ...]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEV = Path("/work/shared/eval/intents_dev.jsonl")

# name -> (character n-gram sizes, word-boundary n-grams, model family, C, class weight)
CONFIGS = {
    "c12-lr": ((1, 2), False, "lr", 10.0, None),
    "c13-lr": ((1, 3), False, "lr", 10.0, None),
    "c14-lr": ((1, 4), False, "lr", 10.0, None),
    "c13-lr-bal": ((1, 3), False, "lr", 10.0, "balanced"),
    "wb14-lr-bal": ((1, 4), True, "lr", 10.0, "balanced"),
    "c13-svm-bal": ((1, 3), False, "svm", 0.5, "balanced"),
    "c14-svm-bal": ((1, 4), False, "svm", 0.5, "balanced"),
    "wb14-svm-bal": ((1, 4), True, "svm", 0.5, "balanced"),
}


def main() -> None:
    """Print grouped cross-validation figures per model configuration and per combining rule."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from bot.nlu.combining import RULES, combine
    from bot.nlu.features import features
    from bot.nlu.match import INTENTS, LEGAL_INTENTS
    from bot.nlu.matcher import IntentMatcher
    from bot.nlu.scoring import rule_opinion
    from bot.nlu.training import fit_head, make_vectorizer, phrase_examples, read_jsonl

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    args = parser.parse_args()

    content = ROOT / "content"
    matcher = IntentMatcher(content, use_model=False)
    files = sorted((ROOT / "tests" / "nlu").glob("*.jsonl")) + ([DEV] if DEV.exists() else [])
    rows, groups = [], []
    for g, path in enumerate(files):
        for row in read_jsonl(path):
            rows.append(row)
            groups.append(g)
    firstsight = [i for i, g in enumerate(groups) if files[g].name.startswith("firstsight_")]
    groups = np.array(groups)
    generated = phrase_examples(content)
    norms = [matcher.normalize(r["text"]) for r in rows]
    words = [matcher.segmenter.words(n) for n in norms]
    gen_norms = [matcher.normalize(r["text"]) for r in generated]
    gen_words = [matcher.segmenter.words(n) for n in gen_norms]
    snap = matcher._content
    opinions = [rule_opinion(snap, r["text"], n, matcher._boundaries) for r, n in zip(rows, norms)]
    y = np.array([r["intent"] for r in rows])
    print(f"{len(rows)} labelled messages in {len(files)} files (+{len(generated)} phrase examples), "
          f"{args.folds} folds grouped by file; first-sight set: {len(firstsight)}", flush=True)
    print(f"{'config':<14}{'rule':<10}{'intent':>8}{'topic':>7}{'cw':>7}{'asked':>7}{'F1':>7}   first-sight: "
          f"intent  topic  cw  asked")
    for name in args.configs.split(","):
        ngrams, wb, family, C, weight = CONFIGS[name]
        docs = [features(n, w, ngrams, wb) for n, w in zip(norms, words)]
        gen_docs = [features(n, w, ngrams, wb) for n, w in zip(gen_norms, gen_words)]
        intent_p = [None] * len(rows)
        topic_p = [None] * len(rows)
        started = time.perf_counter()
        for train_idx, test_idx in GroupKFold(args.folds).split(docs, y, groups):
            train_rows = [rows[i] for i in train_idx] + generated
            vectorizer = make_vectorizer()
            X = vectorizer.fit_transform([docs[i] for i in train_idx] + gen_docs)
            intent_model = fit_head(X, [r["intent"] for r in train_rows], family, C, weight)
            legal = [k for k, r in enumerate(train_rows) if r["intent"] in LEGAL_INTENTS and r.get("topic")]
            topic_model = fit_head(X[legal], [train_rows[k]["topic"] for k in legal], family, C, weight)
            X_test = vectorizer.transform([docs[i] for i in test_idx])
            pi, pt = intent_model.predict_proba(X_test), topic_model.predict_proba(X_test)
            for k, i in enumerate(test_idx):
                intent_p[i] = sorted(zip(intent_model.classes_, pi[k]), key=lambda kv: -kv[1])
                topic_p[i] = sorted(zip(topic_model.classes_, pt[k]), key=lambda kv: -kv[1])
        seconds = time.perf_counter() - started
        for rule in RULES:
            out = [combine(op, ip, tp, snap, rule=rule) for op, ip, tp in zip(opinions, intent_p, topic_p)]
            topics = [m.topic or op.topic or snap.default_topic for m, op in zip(out, opinions)]
            whole = _figures(rows, out, topics, range(len(rows)), INTENTS, LEGAL_INTENTS)
            fresh = _figures(rows, out, topics, firstsight, INTENTS, LEGAL_INTENTS)
            print(f"{name:<14}{rule:<10}{whole[0]:>8.3f}{whole[1]:>7.3f}{whole[2]:>7.1%}{whole[3]:>7.1%}"
                  f"{whole[4]:>7.3f}   {fresh[0]:>17.3f}{fresh[1]:>7.3f}{fresh[2]:>6.1%}{fresh[3]:>6.1%}")
        print(f"  ({seconds:.0f} s)", flush=True)


def _figures(rows, out, topics, index, intents, legal_intents):
    """Return intent accuracy, topic accuracy, confident-wrong share, asked share, macro-F1 over index."""
    index = list(index)
    right = sum(out[i].intent == rows[i]["intent"] for i in index)
    cw = sum(out[i].confident and out[i].intent != rows[i]["intent"] for i in index)
    asked = sum(not out[i].confident for i in index)
    legal = [i for i in index if rows[i]["intent"] in legal_intents and rows[i].get("topic")]
    topic = sum(topics[i] == rows[i]["topic"] for i in legal) / max(len(legal), 1)
    f1s = []
    for label in intents:
        tp = sum(out[i].intent == label and rows[i]["intent"] == label for i in index)
        pred = sum(out[i].intent == label for i in index)
        gold = sum(rows[i]["intent"] == label for i in index)
        if gold:
            p, r = tp / pred if pred else 0.0, tp / gold
            f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    n = max(len(index), 1)
    return right / n, topic, cw / n, asked / n, sum(f1s) / max(len(f1s), 1)


if __name__ == "__main__":
    main()
