"""Clause labels measured on sentences no label model was trained or tuned on.

``calibrate``: per-category thresholds for the trained sentence classifier, chosen on
out-of-fold predictions over the *training* data (each fold model scores the platforms it
never saw): the lowest threshold whose precision reaches ``--precision`` (0.8), else the one
with the best F1 (flagged). ``score``: precision, recall and F1 per category and for the
High/Medium severity decision on the hand-labelled held-out set
(``evals/suites/labels/heldout.jsonl``), for the label model (the shipped one, or
``--current FOLDER``), and beside it an earlier label model (``--before FOLDER``), a TF-IDF +
linear SVM trained on ``--data`` and a fine-tuned classifier (``--model``), when given.

    python -m evals.label_heldout calibrate --data DIR/label_examples.jsonl \
        --folds F0 F1 --out MODEL/thresholds.json
    python -m evals.label_heldout score [--current FOLDER] [--before FOLDER]
        [--data DIR/label_examples.jsonl] [--model MODEL]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

HELDOUT = Path(__file__).parent / "suites" / "labels" / "heldout.jsonl"
SECOND = HELDOUT.with_name("heldout_second.jsonl")
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


def jsonl_rows(path: Path) -> list[dict[str, Any]]:
    """The objects of a JSON-lines file; a line that is not one is a one-line BadInput."""
    from corpus.errors import BadInput

    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise BadInput(f"{path}:{i}: not JSON ({exc})") from None
        if not isinstance(row, dict):
            raise BadInput(f"{path}:{i}: not a JSON object")
        rows.append(row)
    return rows


def heldout_rows() -> list[dict[str, Any]]:
    return jsonl_rows(HELDOUT)


def severe(rows: list[dict[str, Any]]) -> np.ndarray:
    """Which rows are labelled High or Medium (against the user)."""
    return np.array([r["severity"] in ("high", "medium") for r in rows])


def batch_rows(path: Path, batch: int | None, ota: Path) -> list[dict[str, Any]]:
    """Hand-labelled training sentences (``corpus/sentence_labels.jsonl.xz`` format) of one
    labelling batch, or all, with their texts rebuilt from the OTA snapshot: to measure a model
    trained before that batch joined the training data on the batch's unseen services."""
    from corpus.sentence_labels import read_labels, texts

    rows = [r for r in read_labels(path) if batch is None or r.batch == batch]
    if not rows:
        from corpus.errors import BadInput

        raise BadInput(f"{path} has no sentences of batch {batch}")
    return [{"platform": r.platform, "doc_type": r.doc_type, "text": t,
             "labels": list(r.labels), "severity": r.severity}
            for r, t in zip(rows, texts(rows, ota), strict=True)]


def score(data: Path | None, model_dir: Path | None, current_dir: Path | None, cache: Path,
          rows: list[dict[str, Any]] | None = None, before_dir: Path | None = None
          ) -> dict[str, Any]:
    """Every system given, on the held-out sentences (or ``rows`` of the same form): the label
    model in ``current_dir`` (``train-labels``' own, or the shipped one when None), an earlier
    label model in ``before_dir`` to compare it with, the fine-tuned classifier in
    ``model_dir`` and the TF-IDF + SVM baseline on ``data``, when given."""
    from assistant.embedder_factory import make_embedder
    from assistant.labels import SHIPPED, assign, label_texts, read_model
    from corpus.taxonomy import load_taxonomy

    rows = heldout_rows() if rows is None else rows
    texts = [r["text"] for r in rows]
    slugs = [c.slug for c in load_taxonomy()]
    gold = matrix(rows, slugs)
    current = read_model(current_dir or SHIPPED)
    emb = make_embedder("minilm", cache_dir=cache)
    vectors = emb.embed(texts)
    idx = {s: i for i, s in enumerate(slugs)}

    def labelled(model: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A label model's categories, their confidences and its High/Medium decisions."""
        res = label_texts(model, emb, texts, vectors)
        pred = np.zeros_like(gold)
        conf = np.zeros(gold.shape, dtype=np.float32)
        for i, r in enumerate(res):
            for c in r["categories"]:
                pred[i, idx[c["slug"]]] = True
                conf[i, idx[c["slug"]]] = c["confidence"]
        return pred, conf, np.array([r["severity"] in ("High", "Medium") for r in res])

    cur, conf, hm = labelled(current)
    name = f"label model ({current.info['source']}, {current.kind})"
    systems: dict[str, tuple[np.ndarray, np.ndarray]] = {name: (cur, conf)}
    severities = {name: hm}
    if current.gate is not None:  # the same categories, severity from the neighbour rule alone
        plain = assign(dataclasses.replace(current, gate=None), vectors, texts)
        systems["same model without its severity gate"] = (cur, conf)
        severities["same model without its severity gate"] = np.array(
            [any(level in ("High", "Medium") for _, _, level, _ in labels) for labels in plain])
    if before_dir is not None:
        pred, c, hm = labelled(read_model(before_dir))
        name = f"earlier label model ({before_dir.name})"
        systems[name], severities[name] = (pred, c), hm
    if model_dir is not None:
        from assistant.label_model import SentenceLabeler

        labeler = SentenceLabeler(model_dir, cache_dir=cache, threads=2)
        order = [labeler.slugs.index(s) for s in slugs]
        own = labeler.proba(texts)  # in the labeler's category order
        systems["trained (MiniLM fine-tuned)"] = (labeler.decide(own)[:, order],
                                                  own[:, order])
    if data is not None:
        svm = svm_baseline(data, slugs, texts)
        systems["TF-IDF + linear SVM"] = (svm, svm.astype(np.float32))
    for name, (pred, c) in systems.items():
        if name not in severities:
            severities[name] = severity_pred(slugs, pred, c, current, vectors)
    return _report(rows, slugs,
                   {name: (pred, severities[name]) for name, (pred, _) in systems.items()})


def _report(rows: list[dict[str, Any]], slugs: list[str],
            systems: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """Per category (those ``rows``' labels hold), micro, macro-F1, any label and High/Medium
    against ``rows`` for each system's (category matrix, High/Medium vector)."""
    gold, gold_sev = matrix(rows, slugs), severe(rows)
    present = [j for j, _ in enumerate(slugs) if gold[:, j].sum()]
    report: dict[str, Any] = {"sentences": len(rows), "documents": len({(r["platform"],
                              r["doc_type"]) for r in rows}), "systems": {}}
    for name, (pred, hm) in systems.items():
        per = {slugs[j]: prf(pred[:, j], gold[:, j]) for j in present}
        report["systems"][name] = {
            "per_category": per,
            "micro": prf(pred[:, present].ravel(), gold[:, present].ravel()),
            "macro_f1": round(float(np.mean([per[slugs[j]]["f1"] for j in present])), 3),
            "any_label": prf(np.asarray(pred.any(1)), np.asarray(gold.any(1))),
            "high_medium": prf(hm, gold_sev)}
    return report


def agreement(second: Path) -> dict[str, Any]:
    """A second annotator's labels of the held-out sentences (JSONL of id, labels, severity,
    every held-out id once), scored against the held-out labels as a system would be: how far
    two readings of the same rules agree, the ceiling a model trained on such labels meets."""
    from corpus.errors import BadInput
    from corpus.taxonomy import load_taxonomy

    rows = heldout_rows()
    got = {r["id"]: r for r in jsonl_rows(second)}
    missing = [r["id"] for r in rows if r["id"] not in got]
    if missing or len(got) != len(rows):
        raise BadInput(f"{second} must label every held-out sentence once "
                       f"({len(missing)} missing, {len(got)} given for {len(rows)})")
    slugs = [c.slug for c in load_taxonomy()]
    theirs = [got[r["id"]] for r in rows]
    return _report(rows, slugs, {"second annotator": (matrix(theirs, slugs), severe(theirs))})


def markdown(report: dict[str, Any]) -> str:
    """The report as a table per category (most support first), one column per system."""
    names = list(report["systems"])
    first = report["systems"][names[0]]["per_category"]
    cells = " | ".join(f"{n} P / R / F1" for n in names)
    where = report.get("set", "")
    out = ["# Clause labels on " + ("hand-labelled training sentences" if where else
                                    "the hand-labelled held-out set"), "",
           f"- set: {where or 'evals/suites/labels/heldout.jsonl'}: {report['sentences']} "
           f"hand-labelled sentences, {report['documents']} documents"
           + ("" if where else " of services no label model trains on"),
           "- High/Medium: the label model's own severity (with its severity gate when it has "
           "one); for the other systems, the ToS;DR neighbour rule applied to their categories "
           "with the label model's ToS;DR assessments",
           "- written by `python -m evals.label_heldout score --md`", "",
           f"| category | support | {cells} |", "|---|---:|" + "---|" * len(names)]

    def trio(m: dict[str, Any]) -> str:
        return f"{m['precision']:.2f} / {m['recall']:.2f} / {m['f1']:.2f}"

    for slug in sorted(first, key=lambda k: (-first[k]["support"], k)):
        out.append(f"| {slug} | {first[slug]['support']} | " + " | ".join(
            trio(report["systems"][n]["per_category"][slug]) for n in names) + " |")
    sysv = [report["systems"][n] for n in names]
    out.append("| **macro-F1** | | " + " | ".join(f"**{e['macro_f1']:.3f}**" for e in sysv)
               + " |")
    out.append("| micro P / R | | " + " | ".join(
        f"{e['micro']['precision']:.2f} / {e['micro']['recall']:.2f}" for e in sysv) + " |")
    out.append("| High/Medium P / R / F1 | | " + " | ".join(trio(e["high_medium"]) for e in sysv)
               + " |")
    out.append("| any label P / R / F1 | | " + " | ".join(trio(e["any_label"]) for e in sysv)
               + " |")
    return "\n".join(out) + "\n"


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
    g = sub.add_parser("agree", help="score a second annotator's labels of the held-out "
                       "sentences against the held-out labels")
    g.add_argument("second", type=Path, nargs="?", default=SECOND)
    g.add_argument("--out", type=Path, help="write the report as JSON")
    s = sub.add_parser("score")
    s.add_argument("--current", type=Path, help="a folder with labels-model.npz/.json (a data "
                   "dir's cache/ after train-labels; default: the shipped model)")
    s.add_argument("--before", type=Path, help="a folder with an earlier label model "
                   "(labels-model.npz/.json) to score beside it")
    s.add_argument("--data", type=Path, help="label_examples.jsonl: adds the TF-IDF + SVM "
                   "baseline trained on it")
    s.add_argument("--model", type=Path,
                   help="adds a fine-tuned classifier folder (python -m assistant.label_train)")
    s.add_argument("--sentences", type=Path, help="score on hand-labelled training sentences "
                   "(corpus/sentence_labels.jsonl.xz format) instead of the held-out set")
    s.add_argument("--batch", type=int, help="with --sentences: only this labelling batch")
    s.add_argument("--ota", type=Path, help="with --sentences: the OTA snapshot their texts "
                   "come from (../shared/policy-docs/ota)")
    s.add_argument("--out", type=Path, help="write the report as JSON")
    s.add_argument("--md", type=Path, help="write the table per category as Markdown")
    for q in (c, s):
        q.add_argument("--cache-dir", type=Path,
                       default=Path("/tmp/policy-assistant-label-eval"))
    a = p.parse_args(argv)
    if a.cmd == "calibrate":
        res = calibrate(a.data, (a.folds[0], a.folds[1]), a.sample, a.precision, a.cache_dir)
        a.out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        print(json.dumps({k: res["thresholds"][k] for k in res["thresholds"]}))
        return 0
    from corpus.errors import BadInput

    sentences = getattr(a, "sentences", None)
    if sentences and not a.ota:
        p.error("--sentences needs --ota")
    try:
        rep = (agreement(a.second) if a.cmd == "agree" else
               score(a.data, a.model, a.current, a.cache_dir,
                     batch_rows(sentences, a.batch, a.ota) if sentences else None, a.before))
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if sentences:
        rep["set"] = f"{sentences}" + (f", batch {a.batch}" if a.batch is not None else "")
    if a.out:
        a.out.write_text(json.dumps(rep, indent=1) + "\n", encoding="utf-8")
    if getattr(a, "md", None):
        a.md.write_text(markdown(rep), encoding="utf-8")
    _print(rep)
    return 0


def _print(rep: dict[str, Any]) -> None:
    for name, e in rep["systems"].items():
        hm = e.get("high_medium", {})
        print(f"{name}: macro-F1 {e['macro_f1']:.3f}; micro P {e['micro']['precision']:.3f} "
              f"R {e['micro']['recall']:.3f}; High/Medium P {hm.get('precision', 0):.3f} "
              f"R {hm.get('recall', 0):.3f} F1 {hm.get('f1', 0):.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
