"""Latency of retrieval, the trained reranker/reader and the default answer on a built
index, per stage.

    python -m evals.bench_latency [--data-dir DIR] [--questions 120] [--batch-ratio 4]
                                  [--int8-ratio] [--precision-ratio]

Questions come from the ToS;DR question templates filled with platforms of the corpus (fixed
seed), a third of them naming no platform. Every question runs in each column in the same
process, interleaved ("hybrid": every stage, the trained model included; "fused": hybrid
retrieval without it; "plain": that without the question adapter too; "fast": hybrid with
the model reading only the fused top 4; "lexical" / "dense":
one retriever, no model), so the BM25-only figures
are the baseline for the ratios. Prints medians and 95th percentiles in milliseconds. Models
use one thread (as when serving). ``--batch-ratio N`` then reads each question's candidates
(12 by default) 3 more times with N passages per inference call and with the shipped number, the
two interleaved, and prints both medians and their ratio; ``--int8-ratio`` does the same with
the model's weights (and activations) in int8 against the shipped run time, and
``--precision-ratio`` with the model computing in float32 and in bf16 (the shipped run time
picks bf16 where the CPU has it natively, ``assistant.settings.QA_PRECISIONS``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant import Assistant


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    i = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[i]


def questions(names: list[str], n: int, seed: int = 0) -> list[str]:
    from evals.templates import load_templates

    rng = random.Random(seed)
    templates = sorted(load_templates().values())
    out = []
    for i in range(n):
        t = rng.choice(templates)
        out.append(t.replace("{platform}", "the service" if i % 3 == 2 else rng.choice(names)))
    return out


def main() -> None:
    from assistant import Assistant, Settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir")
    ap.add_argument("--questions", type=int, default=120)
    ap.add_argument("--batch-ratio", type=int, default=0, metavar="N",
                    help="also time reading with N passages per call against the default")
    ap.add_argument("--int8-ratio", action="store_true",
                    help="also time reading with int8 weights against the default")
    ap.add_argument("--precision-ratio", action="store_true",
                    help="also time reading in float32 and in bf16 against the default")
    args = ap.parse_args()
    a = Assistant(Settings.from_env(data_dir=args.data_dir, threads=1))
    t = time.perf_counter()
    a.ask("warm up: can the service close my account?")
    print(f"start-up (load index, model, BM25): {time.perf_counter() - t:.1f} s; the QA model "
          f"computes in {a.qa.precision if a.qa else '(off)'}")
    qs = questions(sorted(a.platform_names().values()), args.questions)
    from evals.runner import column

    modes = ["hybrid", "fast", "fused", "plain", "lexical", "dense"]
    stages: dict[str, dict[str, list[float]]] = {m: {} for m in modes}
    for q in qs:
        for mode in modes:
            retrieval, which = column(mode)
            ans = a.ask(q, mode=retrieval, stages=which)
            for k, v in ans.timings.items():
                stages[mode].setdefault(k, []).append(v)
    base = statistics.median(stages["lexical"]["total_ms"])
    print(f"{len(qs)} questions; milliseconds; ratio = median total / BM25-only median total")
    print(f"{'mode':8} {'stage':12} {'p50':>8} {'p95':>8}")
    for mode in modes:
        for k in ("embed_ms", "dense_ms", "lexical_ms", "retrieve_ms", "read_ms", "answer_ms",
                  "total_ms"):
            if k in stages[mode]:
                ms = stages[mode][k]
                print(f"{mode:8} {k[:-3]:12} {statistics.median(ms):8.1f} {_pct(ms, 0.95):8.1f}")
        tot = statistics.median(stages[mode]["total_ms"])
        print(f"{mode:8} {'ratio':12} {tot / base:8.2f}x")
    if args.batch_ratio or args.int8_ratio or args.precision_ratio:
        reading_ratios(a, qs, args.batch_ratio, args.int8_ratio, args.precision_ratio)


def reading_ratios(a: Assistant, qs: list[str], batch: int, int8: bool,
                   precisions: bool = False, rounds: int = 3) -> None:
    """Reading time per question of the shipped model against each variant asked for
    (``batch`` passages per inference call; int8 weights; float32 and bf16), interleaved (the
    order alternates by round), on as many best candidates of hybrid retrieval as the
    assistant reads (12 by default), for the question as typed (no platform scoping, unlike
    ``ask``)."""
    from assistant.qa_model import BATCH, MODEL_DIR, QAModel

    model = a.qa
    assert model is not None, "the QA model is switched off (POLICY_ASSISTANT_QA)"
    cands = [[h.text for h in a.retrieve(q, k=a.stages().candidates)] for q in qs]
    shipped = f"shipped ({BATCH} per call, {model.precision})"
    runs: dict[str, Callable[[str, list[str]], object]] = {shipped: model.read}
    s = a.settings
    folder = Path(s.qa_model) if s.qa_model else MODEL_DIR
    if batch:
        runs[f"{batch} per call"] = lambda q, p: model.read(q, p, batch=batch)
    if int8:
        runs["int8 weights"] = QAModel(folder, cache_dir=s.cache_dir, threads=1,
                                       int8=True).read
    if precisions:
        for p in ("f32", "bf16"):
            runs[f"computing in {p}"] = QAModel(folder, cache_dir=s.cache_dir, threads=1,
                                                precision=p).read
    times: dict[str, list[float]] = {k: [] for k in runs}
    for r in range(rounds):
        for q, passages in zip(qs, cands, strict=True):
            for k in (list(runs) if r % 2 == 0 else list(runs)[::-1]):
                t = time.perf_counter()
                runs[k](q, passages)
                times[k].append((time.perf_counter() - t) * 1000)
    base = statistics.median(times[shipped])
    for k, ms in times.items():
        print(f"read, {k:28}: p50 {statistics.median(ms):8.1f}  p95 {_pct(ms, 0.95):8.1f}  "
              f"({len(ms)} readings)  ratio to it {statistics.median(ms) / base:.3f}x")


if __name__ == "__main__":
    main()
