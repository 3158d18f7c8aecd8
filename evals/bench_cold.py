"""Cold start of the command line: ``policy-assistant ask`` as a user runs it, one fresh
process per question, on a built index.

    python -m evals.bench_cold [--data-dir DIR] [--runs 5] [--question "..."]

Each run is a new ``python -m assistant ask`` process (its caches on disk are warm, as after
`ingest`; nothing else is). Printed as medians over the runs, in milliseconds:

- wall: the whole process, measured from outside;
- start: the interpreter, our imports and the argument parser (wall minus the command);
- loading, per part (each part's library imports included): the clause table and BM25
  (index), the retrievers (search: llama-index), the embedder, Chroma (only when the
  question is not scoped to platforms on a large corpus), the trained model (qa);
- answering: the rest of the command (embed, retrieve, read, compose, print).

A last run under ``python -X importtime`` lists the slowest top-level imports. Baselines in
the same run: ``python -c pass`` (the interpreter alone) and ``policy-assistant --help``.

``--worker`` also starts ``policy-assistant worker`` and times the same fresh ``ask``
processes answered through it (assistant/worker.py), then stops it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

QUESTIONS = ["Can Coursera suspend my account without notice?",
             "Which platforms let me delete my data?"]


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    return (time.perf_counter() - t) * 1000, proc


def _base(data_dir: str | None) -> list[str]:
    return [sys.executable, "-m", "assistant"] + (["--data-dir", data_dir] if data_dir else [])


ENV = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}


def cold_runs(data_dir: str | None, question: str, runs: int) -> dict[str, Any]:
    base, env = _base(data_dir), ENV
    rows: list[dict[str, float]] = []
    interp: list[float] = []
    helps: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile.json"
        _timed(base + ["ask", question], env)  # warm the disk caches (index, models) once
        for _ in range(runs):
            interp.append(_timed([sys.executable, "-c", "pass"], env)[0])
            helps.append(_timed(base + ["--help"], env)[0])
            wall, proc = _timed(base + ["ask", question],
                                {**env, "POLICY_ASSISTANT_PROFILE": str(profile)})
            if proc.returncode != 0:
                raise SystemExit(f"ask failed ({proc.returncode}): {proc.stderr.strip()}")
            p = json.loads(profile.read_text())
            if p.get("worker"):
                raise SystemExit("a worker answered: stop it (`policy-assistant worker stop`)")
            loads = {k.removesuffix("_ms"): v for k, v in p["load_ms"].items()}
            row = {"wall": wall, "start": wall - p["run_ms"], **loads,
                   "loading": sum(loads.values()), "answering": p["run_ms"] - sum(loads.values())}
            rows.append(row)
        _, proc = _timed([sys.executable, "-X", "importtime"] + base[1:] + ["ask", question],
                         env)
    median = {k: statistics.median(r.get(k, 0.0) for r in rows)
              for k in dict.fromkeys(k for r in rows for k in r)}
    return {"question": question, "runs": runs, "median_ms": median,
            "python_-c_pass_ms": statistics.median(interp),
            "help_ms": statistics.median(helps), "imports": slowest_imports(proc.stderr)}


def worker_runs(data_dir: str | None, question: str, runs: int) -> dict[str, Any]:
    """Fresh ``ask`` processes answered by a running worker."""
    base, env = _base(data_dir), ENV
    start = subprocess.run(base + ["worker", "start", "--background", "--idle", "10"], env=env,
                           capture_output=True, text=True, check=False)
    if start.returncode != 0:
        raise SystemExit(f"worker start failed: {start.stderr.strip()}")
    walls: list[float] = []
    served: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            profile = Path(tmp) / "profile.json"
            _timed(base + ["ask", question], env)
            for _ in range(runs):
                wall, proc = _timed(base + ["ask", question],
                                    {**env, "POLICY_ASSISTANT_PROFILE": str(profile)})
                p = json.loads(profile.read_text())
                if proc.returncode != 0 or not p.get("worker"):
                    raise SystemExit(f"the worker did not answer: {proc.stderr.strip()}")
                walls.append(wall)
                served.append(p["answer_ms"].get("total_ms", 0.0))
    finally:
        subprocess.run(base + ["worker", "stop"], env=env, capture_output=True, check=False)
    return {"question": question, "runs": runs, "wall_ms": statistics.median(walls),
            "worker_answer_ms": statistics.median(served)}


def slowest_imports(importtime: str, top: int = 8) -> list[tuple[str, float]]:
    """Top-level packages by cumulative import time (ms), from ``-X importtime`` output."""
    by_package: dict[str, float] = {}
    for line in importtime.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, raw = line.split(":", 1)[1].split("|")
        if cumulative.strip().isdigit() and not raw.startswith("  "):  # a top-level import
            pkg = raw.strip().split(".")[0]
            by_package[pkg] = by_package.get(pkg, 0.0) + int(cumulative) / 1000
    return sorted(by_package.items(), key=lambda kv: -kv[1])[:top]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--question", action="append",
                    help=f"repeatable (default: {' / '.join(QUESTIONS)})")
    ap.add_argument("--out", type=Path, help="also write the figures as JSON here")
    ap.add_argument("--worker", action="store_true",
                    help="also time ask answered by a running worker")
    args = ap.parse_args()
    questions = args.question or QUESTIONS
    results: list[dict[str, Any]] = [cold_runs(args.data_dir, q, args.runs) for q in questions]
    for r in results:
        m = r["median_ms"]
        print(f"\n{r['question']!r}: medians of {r['runs']} fresh processes (ms)")
        print(f"  wall {m['wall']:.0f}  (python -c pass {r['python_-c_pass_ms']:.0f}, "
              f"--help {r['help_ms']:.0f}; ask/--help {m['wall'] / r['help_ms']:.1f}x)")
        print(f"  start (interpreter, our imports, parser) {m['start']:.0f}")
        parts = ", ".join(f"{k} {m[k]:.0f}" for k in m
                          if k not in ("wall", "start", "loading", "answering"))
        print(f"  loading {m['loading']:.0f}: {parts}")
        print(f"  answering {m['answering']:.0f}")
        print("  slowest top-level imports (one run, cumulative ms): "
              + ", ".join(f"{p} {ms:.0f}" for p, ms in r["imports"]))
    if args.worker:
        for q in questions:
            w = worker_runs(args.data_dir, q, args.runs)
            cold = next(r for r in results if r["question"] == q)["median_ms"]["wall"]
            print(f"\n{q!r} through a running worker: medians of {w['runs']} fresh processes: "
                  f"wall {w['wall_ms']:.0f} ms ({w['wall_ms'] / cold:.2f}x the cold ask), of "
                  f"which the worker answering {w['worker_answer_ms']:.0f} ms")
            results.append({"worker": w})
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
