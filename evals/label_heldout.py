"""Clause labels measured on sentences no label model was trained or tuned on.

``calibrate``: per-category thresholds for the trained sentence classifier, chosen on
out-of-fold predictions over the *training* data (each fold model scores the platforms it
never saw): the lowest threshold whose precision reaches ``--precision`` (0.8), else the one
with the best F1 (flagged). ``score``: precision, recall and F1 per category and for the
High/Medium severity decision on the hand-labelled held-out set
(``evals/suites/labels/heldout.jsonl``), for the trained classifier, a TF-IDF + linear SVM
trained on the same training data, and (``--current CACHE``) the embedding + logistic
regression model ``train-labels`` builds.

    python -m evals.label_heldout calibrate --data DIR/label_examples.jsonl \
        --folds F0 F1 --out MODEL/thresholds.json
    python -m evals.label_heldout score --data DIR/label_examples.jsonl --model MODEL \
        [--current CACHE]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

import numpy as np

HELDOUT = Path(__file__).parent / "suites" / "labels" / "heldout.jsonl"
GRID = np.round(np.arange(0.2, 0.99, 0.02), 2)


def prf(pred: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    tp = int((pred & gold).sum())
    p = tp / pred.sum() if pred.sum() else 0.0
    r = tp / gold.sum() if gold.sum() else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3),
            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0, "support": int(gold.sum()),
            "predicted": int(pred.sum())}


def matrix(rows: list[dict[str, Any]], slugs: list[str], key: str = "labels") -> np.ndarray:
    idx = {s: i for i, s in enumerate(slugs)}
    y = np.zeros((len(rows), len(slugs)), dtype=bool)
    for r, row in enumerate(rows):
        for s in row[key]:
            if s in idx:
                y[r, idx[s]] = True
    return y


def calibrate(data: Path, folds: tuple[Path, Path], sample: int, target: float,
              cache: Path) -> dict[str, Any]:
    from assistant.label_model import SentenceLabeler
    from assistant.label_train import read_examples

    examples = read_examples(data)
    probs, golds = [], []
    slugs: list[str] = []
    for k in (0, 1):
        mine = [e for e in examples if e["fold"] == k]
        random.Random(k).shuffle(mine)
        mine = mine[:sample]
        model = SentenceLabeler(folds[k], cache_dir=cache, threads=2)
        slugs = model.slugs
        probs.append(model.proba([e["text"] for e in mine]))
        golds.append(matrix(mine, slugs))
    p, g = np.vstack(probs), np.vstack(golds)
    out: dict[str, Any] = {"thresholds": {}, "reached": {}, "oof": {}}
    for j, s in enumerate(slugs):
        best_f1, best_t, chosen = -1.0, 0.5, None
        for t in GRID:
            m = prf(p[:, j] >= t, g[:, j])
            if m["predicted"] and m["precision"] >= target and chosen is None:
                chosen = (float(t), m)
            if m["f1"] > best_f1:
                best_f1, best_t = m["f1"], float(t)
        if g[:, j].sum() == 0:
            out["thresholds"][s] = 0.99  # never seen in training: do not fire
            out["reached"][s] = False
            continue
        t, m = chosen if chosen else (best_t, prf(p[:, j] >= best_t, g[:, j]))
        out["thresholds"][s] = t
        out["reached"][s] = chosen is not None
        out["oof"][s] = m
    out["about"] = (f"chosen on out-of-fold predictions over {len(p)} training examples "
                    f"(platform-grouped folds): lowest threshold with precision >= {target}, "
                    "else best F1 (reached: false)")
    return out


def svm_baseline(data: Path, slugs: list[str], texts: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from assistant.label_train import read_examples

    ex = read_examples(data)
    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2, max_features=100_000)
    x = vec.fit_transform([e["text"] for e in ex])
    y = matrix(ex, slugs)
    w = np.array([e["w"] for e in ex])
    xt = vec.transform(texts)
    pred = np.zeros((len(texts), len(slugs)), dtype=bool)
    for j in range(len(slugs)):
        if y[:, j].sum() < 2:
            continue
        clf = LinearSVC(C=0.5, class_weight="balanced").fit(x, y[:, j], sample_weight=w)
        pred[:, j] = clf.decision_function(xt) > 0
    return pred


def severity_pred(slugs: list[str], pred: np.ndarray, conf: np.ndarray, current: Any,
                  vectors: np.ndarray) -> np.ndarray:
    """High/Medium by the project's severity rule (nearest ToS;DR assessments of the label's
    category), with the assessments the ``train-labels`` model holds."""
    from corpus.severity import severity

    index = {s: j for j, s in enumerate(current.slugs)}
    out = np.zeros(len(pred), dtype=bool)
    for j, s in enumerate(slugs):
        rows = np.flatnonzero(pred[:, j])
        if not len(rows) or s not in index:
            continue
        near = current.near_ratings(vectors[rows], index[s])
        for r, nr in zip(rows, near, strict=True):
            if severity(nr, float(conf[r, j])) in ("High", "Medium"):
                out[r] = True
    return out


def score(data: Path, model_dir: Path, current_cache: Path | None, cache: Path
          ) -> dict[str, Any]:
    from assistant.label_model import SentenceLabeler

    rows = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    texts = [r["text"] for r in rows]
    labeler = SentenceLabeler(model_dir, cache_dir=cache, threads=2)
    slugs = labeler.slugs
    gold = matrix(rows, slugs)
    gold_sev = np.array([r["severity"] in ("high", "medium") for r in rows])
    proba = labeler.proba(texts)
    systems: dict[str, tuple[np.ndarray, np.ndarray]] = {
        "trained (MiniLM-L3 fine-tuned)": (labeler.decide(proba), proba)}
    svm = svm_baseline(data, slugs, texts)
    systems["TF-IDF + linear SVM"] = (svm, svm.astype(np.float32))
    current = vectors = None
    if current_cache is not None:
        from assistant.embedder_factory import make_embedder
        from assistant.labels import label_texts, load_model

        current = load_model(current_cache)
        emb = make_embedder("minilm", cache_dir=current_cache)
        vectors = emb.embed(texts)
        res = label_texts(current, emb, texts)
        cur = np.zeros_like(gold)
        conf = np.zeros(gold.shape, dtype=np.float32)
        idx = {s: i for i, s in enumerate(slugs)}
        cur_sev = np.array([r["severity"] in ("High", "Medium") for r in res])
        for i, r in enumerate(res):
            for c in r["categories"]:
                if c["slug"] in idx:
                    cur[i, idx[c["slug"]]] = True
                    conf[i, idx[c["slug"]]] = c["confidence"]
        systems["current (embeddings + LR, train-labels)"] = (cur, conf)
    present = [j for j, _ in enumerate(slugs) if gold[:, j].sum()]
    report: dict[str, Any] = {"sentences": len(rows), "documents": len({(r["platform"],
                              r["doc_type"]) for r in rows}), "systems": {}}
    for name, (pred, conf) in systems.items():
        per = {slugs[j]: prf(pred[:, j], gold[:, j]) for j in present}
        micro = prf(pred[:, present].ravel(), gold[:, present].ravel())
        entry: dict[str, Any] = {
            "per_category": per, "micro": micro,
            "macro_f1": round(float(np.mean([per[slugs[j]]["f1"] for j in present])), 3),
            "any_label": prf(np.asarray(pred.any(1)), np.asarray(gold.any(1)))}
        if current is not None and vectors is not None:
            if name.startswith("current"):
                sev = cur_sev
            else:
                sev = severity_pred(slugs, pred, conf, current, vectors)
            entry["high_medium"] = prf(sev, gold_sev)
        report["systems"][name] = entry
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.label_heldout", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("calibrate")
    c.add_argument("--data", type=Path, required=True)
    c.add_argument("--folds", nargs=2, type=Path, required=True)
    c.add_argument("--sample", type=int, default=6000)
    c.add_argument("--precision", type=float, default=0.8)
    c.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("score")
    s.add_argument("--data", type=Path, required=True, help="label_examples.jsonl (SVM)")
    s.add_argument("--model", type=Path, required=True,
                   help="a trained model folder (python -m assistant.label_train)")
    s.add_argument("--current", type=Path, help="a data dir's cache/ with train-labels' model")
    s.add_argument("--out", type=Path)
    for q in (c, s):
        q.add_argument("--cache-dir", type=Path,
                       default=Path("/tmp/policy-assistant-label-eval"))
    a = p.parse_args(argv)
    if a.cmd == "calibrate":
        res = calibrate(a.data, (a.folds[0], a.folds[1]), a.sample, a.precision, a.cache_dir)
        a.out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        print(json.dumps({k: res["thresholds"][k] for k in res["thresholds"]}))
        return 0
    rep = score(a.data, a.model, a.current, a.cache_dir)
    if a.out:
        a.out.write_text(json.dumps(rep, indent=1) + "\n", encoding="utf-8")
    for name, e in rep["systems"].items():
        hm = e.get("high_medium", {})
        print(f"{name}: macro-F1 {e['macro_f1']:.3f}; micro P {e['micro']['precision']:.3f} "
              f"R {e['micro']['recall']:.3f}; High/Medium P {hm.get('precision', 0):.3f} "
              f"R {hm.get('recall', 0):.3f} F1 {hm.get('f1', 0):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
