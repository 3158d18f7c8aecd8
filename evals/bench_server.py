"""The full corpus on a Chroma server: sync time from SQLite, then `ask` latency per stage.

A copy of a built store (SQLite holds the vectors, so no model runs for the index) is synced
into a Chroma server this script starts, then questions from the ToS;DR templates (a third
naming no platform) are asked at 1 and 4 concurrent clients. Prints p50/p95 per stage, the
server's memory and disk.

    python -m evals.bench_server --data-dir /work/data --questions 120
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from evals.bench_latency import questions
from evals.chroma_server import ChromaServer


def main(argv: list[str] | None = None) -> int:
    from assistant import Assistant, Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True, help="a built data dir (read only)")
    ap.add_argument("--questions", type=int, default=120)
    ap.add_argument("--copy-index", action="store_true",
                    help="serve a copy of the data dir's embedded Chroma files instead of "
                    "syncing from SQLite (same on-disk format; much faster on a busy machine)")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-server-"))
    for f in args.data_dir.glob("store.sqlite*"):
        shutil.copy2(f, work / f.name)
    if args.copy_index:
        shutil.copytree(args.data_dir / "chroma", work / "chroma-server")
    with ChromaServer(work / "chroma-server") as srv:
        a = Assistant(Settings.from_env(data_dir=work, chroma_url=srv.url, threads=1))
        t = time.perf_counter()
        stats = a.reindex()
        sync_s = time.perf_counter() - t
        print(f"synced {stats.added} vectors (collection now {a.chroma.count()}) into "
              f"{srv.url} in {sync_s:.0f} s ({stats.added / max(sync_s, 1e-9):.0f}/s; "
              f"embedded {stats.embedded}); server RSS {srv.rss_mib():.0f} MiB, disk "
              f"{srv.disk_mib():.0f} MiB")
        t = time.perf_counter()
        a.ask("warm up: can the service close my account?")
        print(f"start-up (clause table, BM25, model): {time.perf_counter() - t:.1f} s")
        qs = questions(sorted(a.platform_names().values()), args.questions)
        for clients in (1, 4):
            t = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                timings = list(pool.map(lambda q: a.ask(q).timings, qs))
            wall = time.perf_counter() - t
            print(f"{clients} client(s): {len(qs) / wall:.1f} questions/s")
            for stage in ("embed_ms", "dense_ms", "lexical_ms", "retrieve_ms", "answer_ms",
                          "total_ms"):
                v = [tm[stage] for tm in timings if stage in tm]
                if v:
                    print(f"  {stage[:-3]:10} p50 {np.percentile(v, 50):7.1f} ms   "
                          f"p95 {np.percentile(v, 95):7.1f} ms")
        print(f"server RSS after queries {srv.rss_mib():.0f} MiB")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
