"""Benchmark: label every clause in a store (after ingest), or label sentences a user brings.

    python -m evals.bench_labels --data-dir DIR [--repeats 3]
    python -m evals.bench_labels --data-dir DIR --sentences 10000 [--repeats 3]

The first prints the median wall time of ``label_corpus`` (classifier, severity rule,
ai-training rule, severity gate, rewrite of the ``labels`` table) beside a floor measured in
the same run: reading every clause's text and vector from the store, which any labelling has
to do; and, when the model has a severity gate, the same model without it. DIR must be
writable (the labels table is replaced).

``--sentences N`` times what ``policy-assistant label`` does with N sentences (the first N
sentences of the store's clauses): embed them, then classify; beside embedding alone, measured
in the same run, since that part is the embedder's and every labelling of new text pays it.
"""

from __future__ import annotations

import argparse
import dataclasses
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


def sentences(store: Store, n: int) -> list[str]:
    from corpus.text import sentence_spans

    out: list[str] = []
    for _, text, _ in store.clause_inputs():
        out.extend(s for a, b in sentence_spans(text) if len(s := text[a:b].strip()) > 20)
        if len(out) >= n:
            break
    return out[:n]


def bench_texts(store: Store, cache: Path, n: int, repeats: int) -> None:
    from assistant.embedder_factory import make_embedder
    from assistant.labels import label_texts

    model = load_model(cache)
    emb = make_embedder("minilm", cache_dir=cache)
    texts = sentences(store, n)
    embed, full = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        emb.embed(texts)
        embed.append(time.perf_counter() - t)
        t = time.perf_counter()
        out = label_texts(model, emb, texts)
        full.append(time.perf_counter() - t)
    e, f = statistics.median(embed), statistics.median(full)
    print(f"sentences: {len(texts)}; labelled: {sum(bool(o['categories']) for o in out)} "
          f"({model.info['source']} model, {model.kind})")
    print(f"label median {f:.1f} s over {repeats} runs ({len(texts) / f:,.0f} sentences/s); "
          "runs: " + ", ".join(f"{r:.1f}" for r in full))
    print(f"embedding alone median {e:.1f} s ({len(texts) / e:,.0f} sentences/s); "
          f"ratio {f / e:.2f}x")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--sentences", type=int, help="time `label` on this many sentences instead")
    args = p.parse_args()
    store = Store(args.data_dir / "store.sqlite")
    if args.sentences:
        bench_texts(store, args.data_dir / "cache", args.sentences, args.repeats)
        return
    model = load_model(args.data_dir / "cache")
    plain = dataclasses.replace(model, gate=None) if model.gate is not None else None
    floors, runs, ungated = [], [], []
    last = None
    for _ in range(args.repeats):
        floors.append(read_floor(store, model.embedder))
        if plain is not None:  # the same model without its severity gate, in the same run
            ungated.append(label_corpus(store, plain).seconds)
        last = label_corpus(store, model)
        runs.append(last.seconds)
    assert last is not None
    floor, full = statistics.median(floors), statistics.median(runs)
    if ungated:
        u = statistics.median(ungated)
        print(f"without the severity gate: median {u:.1f} s; with it {full:.1f} s "
              f"(ratio {full / u:.2f}x)")
    print(f"clauses: {last.clauses}; labelled clauses: {last.labelled_clauses}; "
          f"labels: {last.labels}")
    print(f"label-corpus median {full:.1f} s over {args.repeats} runs "
          f"({last.clauses / full:,.0f} clauses/s); runs: "
          + ", ".join(f"{r:.1f}" for r in runs))
    print(f"floor (read texts + vectors) median {floor:.1f} s; ratio {full / floor:.1f}x")
    print(f"target < 120 s: {'met' if full < 120 else 'NOT met'}")


if __name__ == "__main__":
    main()
