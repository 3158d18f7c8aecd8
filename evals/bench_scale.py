"""Scale curve of the Chroma server: query latency and recall@10 against exact search as the
collection grows to a million clause vectors.

Vectors: the real clause embeddings of a built store (``embeddings`` table), then perturbed
copies to go past the corpus size: copy c of vector v is ``normalise(v + sigma * g)`` with g
standard gaussian noise (seed c, so every run builds the same vectors). Each copy keeps its
source clause's ``current`` flag and gets its own platform ID, so a platform holds
about as many clauses at 1M as in the real corpus. Queries: distinct PolicyQA dev questions
embedded with the same model. Exact search: numpy dot products over the same unit vectors.

The collection is filled in steps (10k, 100k, ...), measured after each step, through the
project's own ``ChromaIndex`` (the path ``ask`` uses) on a Chroma server this script starts.

    python -m evals.bench_scale --sizes 10000,100000,300000,1000000 --out evals/results/scale
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from corpus.store import Store
from evals.chroma_server import ChromaServer

MODEL = "all-MiniLM-L6-v2-ov-int8-256"
POLICYQA = Path(__file__).parents[1] / ".." / "shared" / "policy-docs" / "policyqa" / "dev.json"


def load_base(db: Path, model: str) -> tuple[np.ndarray, list[str], list[int]]:
    """Distinct real vectors with one clause's platform and current flag each."""
    store = Store(db, read_only=True)
    rows = store.stored_vectors(model)
    store.close()
    vecs = np.stack([np.frombuffer(r.vector, dtype=np.float32) for r in rows])
    return vecs, [r.platform_id for r in rows], [int(r.current) for r in rows]


def build(base: np.ndarray, n: int, sigma: float) -> np.ndarray:
    """n vectors: the base ones, then perturbed, renormalised copies."""
    n0 = len(base)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, n0):
        copy = start // n0
        m = min(n0, n - start)
        block = base[:m].copy()
        if copy:
            rng = np.random.default_rng(copy)
            block += rng.standard_normal(block.shape, dtype=np.float32) * sigma
            block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:start + m] = block
    return out


def query_vectors(n: int) -> np.ndarray:
    from assistant.embedder_factory import make_embedder

    data = json.loads(POLICYQA.read_text())["data"]
    qs = sorted({qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"]})
    rng = np.random.default_rng(7)
    picked = [qs[i] for i in rng.permutation(len(qs))[:n]]
    return make_embedder("minilm", threads=1).embed(picked)


def exact_top(vecs: np.ndarray, q: np.ndarray, k: int, mask: np.ndarray | None = None
              ) -> list[set[int]]:
    out: list[set[int]] = []
    for start in range(0, len(q), 50):
        sims = q[start:start + 50] @ vecs.T
        if mask is not None:
            sims[:, ~mask] = -np.inf
        top = np.argpartition(-sims, k, axis=1)[:, :k]
        out.extend(set(map(int, row)) for row in top)
    return out


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.array(xs), p))


def measure(index: Any, vecs: np.ndarray, meta_current: np.ndarray, platforms: np.ndarray,
            queries: np.ndarray, k: int = 10, slow_queries: int = 30) -> dict[str, Any]:
    res: dict[str, Any] = {}
    rng = np.random.default_rng(11)
    plat_pick = platforms[rng.integers(0, len(platforms), len(queries))]
    # (name, fixed where, masks, how many queries): a where clause that matches most of the
    # collection is slow in Chroma (it lists the matching IDs first), so it gets fewer queries
    cases: list[tuple[str, dict[str, Any] | None, list[np.ndarray | None], int]] = [
        ("no filter", None, [None] * len(queries), len(queries)),
        # what `ask` requests without a platform: DEPTH x OVERFETCH candidates
        ("no filter, depth 120", None, [None] * len(queries), len(queries)),
        ("platform", None, [platforms == p for p in plat_pick], len(queries)),
        ("current == 1", {"current": 1}, [meta_current] * len(queries), slow_queries),
        ("platform + current", None, [(platforms == p) & meta_current for p in plat_pick],
         slow_queries),
    ]
    for name, where, masks, nq in cases:
        lat, rec = [], []
        for i, q in enumerate(queries[:nq]):
            w = where
            if name.startswith("platform"):
                w = {"platform_id": [str(plat_pick[i])]}
                if name.endswith("current"):
                    w["current"] = 1
            t = time.perf_counter()
            depth = 120 if name.endswith("depth 120") else k
            hits = index.query(q.tolist(), depth, w)[:k]
            lat.append((time.perf_counter() - t) * 1000)
            got = {int(h.record_id[1:]) for h in hits}
            m = masks[i]
            kk = min(k, int(m.sum())) if m is not None else k
            want = exact_top(vecs, q[None, :], kk, m)[0] if kk else set()
            rec.append(len(got & want) / len(want) if want else 1.0)
        res[name] = {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95),
                     f"recall@{k}": float(np.mean(rec)), "min_recall": float(np.min(rec)),
                     "queries": nq}
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--model", default=MODEL, help="embedding model name in the store")
    ap.add_argument("--sizes", default="10000,100000,300000,1000000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--slow-queries", type=int, default=30,
                    help="queries for the filters that match most of the collection")
    ap.add_argument("--sigma", type=float, default=0.02,
                    help="gaussian noise per dimension for the perturbed copies")
    ap.add_argument("--url", default="", help="use this server instead of starting one "
                    "(memory and disk are then not measured)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=Path("evals/results/scale"))
    ap.add_argument("--ef-search", default="",
                    help="after the last size, measure the unfiltered queries again with these "
                    "ef_search values (comma-separated), set on the collection in place")
    ap.add_argument("--measure-only", action="store_true",
                    help="reuse the filled collection in --workdir: no insertion, only the "
                    "--ef-search measurements at the largest size")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    from assistant.chroma_store import BATCH, HNSW, ChromaIndex

    if args.store is None:  # the default data directory's store
        from assistant import Settings

        args.store = Settings.from_env().store_path
    base, plats, current = load_base(args.store, args.model)
    n0 = len(base)
    print(f"{n0} real clause vectors from {args.store}; sigma {args.sigma}; HNSW {HNSW}",
          flush=True)
    vecs = build(base, max(sizes), args.sigma)
    copy_of = np.arange(len(vecs)) // n0
    src = np.arange(len(vecs)) % n0
    platforms = np.array([plats[s] if c == 0 else f"{plats[s]}~{c}"
                          for s, c in zip(src, copy_of, strict=True)], dtype=object)
    cur = np.array(current, dtype=bool)[src]
    sample = build(base[:2000], 4000, args.sigma)
    cos = float(np.mean(np.sum(sample[2000:] * sample[:2000], axis=1)))
    results_note = f"mean cosine copy-to-source {cos:.3f}"
    print(results_note, flush=True)
    queries = query_vectors(args.queries)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="scale-"))
    server = None if args.url else ChromaServer(work / "chroma").start()
    url = args.url or server.url  # type: ignore[union-attr]
    index = ChromaIndex(url=url, model="", collection="scale_bench")
    if args.measure_only:
        try:
            results: dict[str, Any] = json.loads(args.out.with_suffix(".json").read_text())
            if index.count() != max(sizes):
                raise SystemExit(f"--measure-only: the collection holds {index.count()} vectors,"
                                 f" not {max(sizes)}")
            results["ef_search"] = ef_sweep(index, vecs, queries, args.ef_search, server)
            args.out.with_suffix(".json").write_text(json.dumps(results, indent=2))
            args.out.with_suffix(".md").write_text(table(results))
            print(table(results))
        finally:
            if server:
                server.stop()
        return 0
    if index.count():
        raise SystemExit(f"collection scale_bench at {url} is not empty")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    results = {"real_vectors": n0, "sigma": args.sigma, "hnsw": HNSW,
                               "queries": len(queries), "copy_cosine": cos, "sizes": []}
    done, insert_s = 0, 0.0
    try:
        for n in sizes:
            t = time.perf_counter()
            for start in range(done, n, BATCH * 5):
                end = min(n, start + BATCH * 5)
                index.add([(f"v{i:07d}", vecs[i],
                            {"platform_id": str(platforms[i]), "current": int(cur[i])})
                           for i in range(start, end)])
                print(f"  inserted {end}", end="\r", flush=True)
            insert_s += time.perf_counter() - t
            done = n
            assert index.count() == n
            row: dict[str, Any] = {"n": n, "insert_s_total": insert_s,
                                   "insert_per_s": n / insert_s}
            if server:
                row["server_rss_mib"] = server.rss_mib()
                row["disk_mib"] = server.disk_mib()
            row.update(measure(index, vecs[:n], cur[:n], platforms[:n], queries,
                               slow_queries=args.slow_queries))
            results["sizes"].append(row)
            print(json.dumps(row), flush=True)
            args.out.with_suffix(".json").write_text(json.dumps(results, indent=2))
            args.out.with_suffix(".md").write_text(table(results))
        if args.ef_search:
            results["ef_search"] = ef_sweep(index, vecs[:done], queries, args.ef_search, server)
            args.out.with_suffix(".json").write_text(json.dumps(results, indent=2))
            args.out.with_suffix(".md").write_text(table(results))
    finally:
        if server:
            server.stop()
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    print(table(results))
    return 0


def ef_sweep(index: Any, vecs: np.ndarray, queries: np.ndarray, values: str, server: Any
             ) -> list[dict[str, Any]]:
    """Unfiltered latency and recall@10 at the full size for each ef_search value. The server
    reads ef_search when it loads the index, so it is restarted after each change."""
    from assistant.chroma_store import ChromaIndex

    out = []
    n = len(vecs)
    for ef in [int(v) for v in values.split(",") if v]:
        index.set_ef_search(ef)
        if server:
            server.stop()
            server.start(timeout=600)
            index = ChromaIndex(url=server.url, model="", collection="scale_bench")
        assert index.ef_search == ef
        lat, rec = [], []
        for q in queries:
            t = time.perf_counter()
            hits = index.query(q.tolist(), 10, None)
            lat.append((time.perf_counter() - t) * 1000)
            want = exact_top(vecs, q[None, :], 10)[0]
            rec.append(len({int(h.record_id[1:]) for h in hits} & want) / 10)
        row = {"n": n, "ef_search": ef, "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95),
               "recall@10": float(np.mean(rec)), "min_recall": float(np.min(rec)),
               "queries_below_0.5": int(sum(r < 0.5 for r in rec))}
        if server:
            row["server_rss_mib"] = server.rss_mib()
        print(json.dumps(row), flush=True)
        out.append(row)
    return out


def table(results: dict[str, Any]) -> str:
    lines = [f"Real vectors {results['real_vectors']}, perturbed copies beyond (sigma "
             f"{results['sigma']}, mean cosine to source {results['copy_cosine']:.3f}), "
             f"{results['queries']} PolicyQA questions, HNSW "
             f"{results['hnsw']}", "",
             "| clauses | Chroma filter | queries | p50 ms | p95 ms | recall@10 | min "
             "| server RSS MiB | disk MiB | insert/s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["sizes"]:
        for name in ("no filter", "no filter, depth 120", "platform", "current == 1",
                     "platform + current"):
            m = r[name]
            lines.append(f"| {r['n']:,} | {name} | {m['queries']} | {m['p50_ms']:.1f} | "
                         f"{m['p95_ms']:.1f} | "
                         f"{m['recall@10']:.3f} | {m['min_recall']:.2f} | "
                         f"{r.get('server_rss_mib', 0):.0f} | {r.get('disk_mib', 0):.0f} | "
                         f"{r['insert_per_s']:.0f} |")
    if results.get("ef_search"):
        lines += ["", "Unfiltered, at the largest size, ef_search changed in place:", "",
                  "| clauses | ef_search | p50 ms | p95 ms | recall@10 | min | queries < 0.5 |",
                  "|---|---|---|---|---|---|---|"]
        for r in results["ef_search"]:
            lines.append(f"| {r['n']:,} | {r['ef_search']} | {r['p50_ms']:.1f} | "
                         f"{r['p95_ms']:.1f} | {r['recall@10']:.3f} | {r['min_recall']:.2f} | "
                         f"{r['queries_below_0.5']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
