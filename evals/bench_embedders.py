"""Embedding speed and fidelity of each precision on real clause inputs, in one run.

Takes N distinct clause inputs from a store (seeded sample), embeds them with every precision
at ingest's thread count, several rounds in turn, and prints texts per second (median of the
rounds, and as a ratio to torch fp32 measured in the same run) and the cosine of each vector
to the fp32 reference (mean and worst). Single-question latency uses one thread, as serving
does.

    python -m evals.bench_embedders --store DATA/store.sqlite --texts 1500 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from corpus.store import Store

QUESTION = "Can Spotify terminate my account without notice?"


def main(argv: list[str] | None = None) -> int:
    from assistant.embedder_factory import make_embedder

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True, help="store.sqlite of an ingested data dir")
    ap.add_argument("--texts", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--precisions", default="fp32,bf16,int8")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)
    inputs = Store(args.store, read_only=True).embed_texts()
    texts = random.Random(0).sample(inputs, min(args.texts, len(inputs)))
    cache = Path(tempfile.mkdtemp(prefix="bench-embedders-"))
    names = args.precisions.split(",")
    models = {p: make_embedder("minilm", precision=p, threads=args.threads, cache_dir=cache)
              for p in names}
    rates: dict[str, list[float]] = {p: [] for p in names}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for p in names:
            t = time.perf_counter()
            vectors[p] = models[p].embed(texts)
            rates[p].append(len(texts) / (time.perf_counter() - t))
    base = statistics.median(rates[names[0]])
    ref = vectors.get("fp32")
    print(f"{len(texts)} clause inputs, {args.threads} threads, {args.rounds} rounds")
    for p in names:
        med = statistics.median(rates[p])
        line = (f"{models[p].name:32} {med:6.1f} texts/s (x{med / base:.2f} vs {names[0]}; "
                f"rounds {', '.join(f'{r:.0f}' for r in rates[p])})")
        if ref is not None:
            cos = (vectors[p] * ref).sum(axis=1)
            line += f"  cosine to fp32 mean {cos.mean():.4f} min {cos.min():.4f}"
        models[p].set_threads(1)
        lat = []
        for _ in range(30):
            t = time.perf_counter()
            models[p].embed([QUESTION])
            lat.append((time.perf_counter() - t) * 1000)
        print(f"{line}  one question p50 {statistics.median(lat):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
