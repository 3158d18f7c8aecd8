"""Benchmark: label every clause in a store with the trained model (after ingest).

    python -m evals.bench_labels --data-dir DIR [--repeats 3]

Prints the median wall time of ``label_corpus`` (classifier, severity rule, ai-training rule,
rewrite of the ``labels`` table) beside a floor measured in the same run: reading every
clause's text and vector from the store, which any labelling has to do. DIR must be writable
(the labels table is replaced).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from assistant.labels import label_corpus, load_model
from corpus.store import Store


def read_floor(store: Store, model_name: str) -> float:
    t = time.perf_counter()
    rows = store.clause_inputs()
    vecs = store.embeddings(model_name, sorted({r[2] for r in rows}))
    np.stack([np.frombuffer(vecs[r[2]], dtype=np.float32) for r in rows if r[2] in vecs])
    return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    store = Store(args.data_dir / "store.sqlite")
    model = load_model(args.data_dir / "cache")
    floors, runs = [], []
    last = None
    for _ in range(args.repeats):
        floors.append(read_floor(store, model.embedder))
        last = label_corpus(store, model)
        runs.append(last.seconds)
    assert last is not None
    floor, full = statistics.median(floors), statistics.median(runs)
    print(f"clauses: {last.clauses}; labelled clauses: {last.labelled_clauses}; "
          f"labels: {last.labels}")
    print(f"label-corpus median {full:.1f} s over {args.repeats} runs "
          f"({last.clauses / full:,.0f} clauses/s); runs: "
          + ", ".join(f"{r:.1f}" for r in runs))
    print(f"floor (read texts + vectors) median {floor:.1f} s; ratio {full / floor:.1f}x")
    print(f"target < 120 s: {'met' if full < 120 else 'NOT met'}")


if __name__ == "__main__":
    main()
