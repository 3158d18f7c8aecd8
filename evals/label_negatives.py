"""The label model trained on more than ToS;DR quotes, for the held-out comparison.

Issue 18's recipe: the ToS;DR quotes ``train-labels`` uses, plus the OPP-115 sentences and
the unquoted sentences of ToS;DR-reviewed platforms (hard negatives) of
``label_examples.jsonl`` (``policy-assistant train-data``; each row with its own weight
``w``, 0.3 for the negatives), in the shipped model's family
(logistic regression over embedding + TF-IDF). Platt scaling and thresholds come from
platform-grouped out-of-fold predictions over all those rows, once for the best F1 and once
for precision >= ``--precision``. One model folder per rule is written under ``--out``; score
them with ``python -m evals.label_heldout score --current OUT/best-f1`` (and ``OUT/precision``).

    python -m evals.label_negatives --points ../shared/policy-docs/tosdr/points.jsonl \\
        --examples TRAIN/label_examples.jsonl --out DIR [--data-dir DATA]

22 minutes here on 2 cores the first time: about 8 embedding the sentences not yet cached
(vectors are kept under the data dir's ``cache/``), then 192 classifier fits.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from corpus.classify import LabelModel, TrainingSet

SOURCES = ("opp115", "corpus-negative")  # rows of label_examples added to the ToS;DR quotes


def extended(data: TrainingSet, examples: list[dict[str, Any]]
             ) -> tuple[TrainingSet, np.ndarray]:
    """``data`` (ToS;DR quotes) with the examples' rows appended: their categories as targets,
    their platform (OPP-115: ``opp:<policy>``) as group, and no assessments; the row weights,
    1 per quote and each example's own ``w``."""
    from corpus.classify import TrainingSet

    index = {s: i for i, s in enumerate(data.slugs)}
    Y = np.zeros((len(examples), len(data.slugs)), dtype=np.int8)
    for r, ex in enumerate(examples):
        Y[r, [index[s] for s in ex["labels"] if s in index]] = 1
    groups = [f"opp:{ex['group']}" if ex["src"] == "opp115" else str(ex["group"])
              for ex in examples]
    weights = np.r_[np.ones(len(data.texts)), [float(ex["w"]) for ex in examples]]
    out = TrainingSet(list(data.texts) + [ex["text"] for ex in examples],
                      np.array([*data.groups.tolist(), *groups], dtype=object),
                      np.vstack([data.Y, Y]), data.slugs, data.ref_row, data.ref_slug,
                      data.ref_rating)
    return out, weights


def compact_references(model: LabelModel, quotes: int) -> LabelModel:
    """Keep only the quote rows as severity references (the extra rows carry no
    assessment), so the saved model is no larger than the shipped one."""
    model.ref_vectors = model.ref_vectors[:quotes]
    return model


def main(argv: list[str] | None = None) -> int:
    from tqdm import tqdm

    from assistant.embedder import cached_vectors
    from assistant.embedder_factory import make_embedder
    from assistant.labels import (
        MODEL_VERSION,
        assessments_from_points,
        save_model,
        training_set,
    )
    from corpus.classify import fits_per_train, train_variants
    from corpus.packed import open_text

    p = argparse.ArgumentParser(prog="python -m evals.label_negatives", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--points", type=Path, required=True)
    p.add_argument("--examples", type=Path, required=True, help="label_examples.jsonl[.xz]")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--data-dir", type=Path, default=Path("data"),
                   help="its cache/ keeps the sentence vectors between runs")
    p.add_argument("--embedder", default="minilm", help="minilm (as shipped) or hash (tests)")
    p.add_argument("--precision", type=float, default=0.8)
    a = p.parse_args(argv)
    for path in (a.points, a.examples):
        if not path.is_file():
            print(f"error: no such file: {path}", file=sys.stderr)
            return 2
    t0 = time.perf_counter()
    quotes = training_set(assessments_from_points(a.points))
    with open_text(a.examples) as fh:
        extra = [ex for ex in map(json.loads, fh) if ex["src"] in SOURCES]
    data, weights = extended(quotes, extra)
    cache = a.data_dir / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    embedder = make_embedder(a.embedder, cache_dir=cache)
    print(f"rows: {len(quotes.texts)} quotes, "
          + ", ".join(f"{sum(ex['src'] == s for ex in extra)} {s}" for s in SOURCES), flush=True)
    with tqdm(desc="embedding rows not cached", unit="row", file=sys.stderr,
              leave=False) as bar:
        emb = cached_vectors(data.texts, embedder, cache, bar.update)
    with tqdm(total=fits_per_train(data), desc="fitting", unit="fit", file=sys.stderr,
              leave=False) as bar:
        models = train_variants(data, emb, "embedding+tfidf", weights=weights,
                                tick=bar.update, rules=(None, a.precision))
    report: dict[str, Any] = {}
    for name, rule, model in zip(("best-f1", "precision"), (None, a.precision), models,
                                 strict=True):
        model = compact_references(model, len(quotes.texts))
        model.embedder = embedder.name
        model.info = {"version": MODEL_VERSION, "kind": model.kind,
                      "embedder": embedder.name, "oof_macro_f1": round(model.oof_macro_f1, 4),
                      "data": "ToS;DR quotes + " + " + ".join(SOURCES),
                      "negative_weights": sorted({float(ex["w"]) for ex in extra
                                                  if ex["src"] == "corpus-negative"}),
                      "thresholds": name,
                      "min_precision": rule, "rows": len(data.texts)}
        save_model(model, a.out / name)
        report[name] = model.info
        print(f"{name}: out-of-fold macro-F1 {model.oof_macro_f1:.3f} over all rows; saved to "
              f"{a.out / name}", flush=True)
    (a.out / "label-negatives.json").write_text(json.dumps(report, indent=2) + "\n",
                                                 encoding="utf-8")
    print(f"done in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
