"""The in-process stages at scale: BM25 search and the filter mask over N clause rows.

The corpus's clause rows are repeated (each copy a new platform, as in bench_scale) to reach N;
questions come from the ToS;DR templates. Prints index build time, process memory and p50/p95
of mask + BM25 search for unscoped and platform-scoped questions.

    python -m evals.bench_lexical_scale --sizes 68000,340000
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import numpy as np

from evals.bench_latency import questions


def main(argv: list[str] | None = None) -> int:
    from assistant.index import ClauseTable
    from assistant.lexical import LexicalIndex
    from corpus.store import Store

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=None)
    ap.add_argument("--sizes", default="68000,340000")
    ap.add_argument("--questions", type=int, default=100)
    args = ap.parse_args(argv)
    if args.store is None:  # the default data directory's store
        from assistant import Settings

        args.store = Settings.from_env().store_path
    base = list(Store(args.store).index_rows())
    qs = questions(sorted({r["platform"] for r in base}), args.questions)
    for n in (int(s) for s in args.sizes.split(",")):
        rows = []
        for i in range(n):
            r = dict(base[i % len(base)])
            copy = i // len(base)
            if copy:
                r["record_id"] = f"{r['record_id']}~{copy}"
                r["platform_id"] = f"{r['platform_id']}~{copy}"
            rows.append(r)
        t = time.perf_counter()
        table = ClauseTable.from_rows(rows)
        lex = LexicalIndex(table.ids, [r["embed_text"] for r in rows])
        build = time.perf_counter() - t
        rng = random.Random(3)
        plats = sorted(set(table.platform_id))
        for scope in ("all platforms", "one platform"):
            lat = []
            for q in qs:
                p = (rng.choice(plats),) if scope == "one platform" else ()
                t = time.perf_counter()
                mask = table.mask(p, (), "")
                lex.search(q, 40, mask)
                lat.append((time.perf_counter() - t) * 1000)
            print(f"{n:>8} clauses  {scope:14} mask+BM25 p50 {np.percentile(lat, 50):7.1f} ms  "
                  f"p95 {np.percentile(lat, 95):7.1f} ms  (build {build:.0f} s, peak RSS "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)",
                  flush=True)
        del table, lex, rows
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
