"""Load check for the web app: N concurrent sessions, each asking Q questions in turn through
gradio_client against a running app (a benchmark that prints numbers, not a timed test).

    python -m evals.bench_ui_load --url http://127.0.0.1:7860 --set full
    python -m evals.bench_ui_load --data-dir /work/data --set full      # starts `serve` itself
    python -m evals.bench_ui_load --data-dir /work/data --set varied    # other questions each

``fixture`` and ``full``: every session asks the same 5 questions (a follow-up and a comparison
among them), so what the app keeps between questions (record pages' prevalence and "other
platforms" lists, ``Store.memo``) is warm after the first session. ``varied``: each session
asks its own 5 questions, drawn as ``evals.bench_latency`` draws its own (ToS;DR templates with
the data dir's platforms, a third naming none; seeded by session), so caches warm only as they
would with many users.

First one session alone asks the questions (the baseline, same run), then all sessions at once.
Prints p50/p95/max latency per question, errors, and the ratio of the loaded p50 to the
baseline p50. Only loopback URLs are accepted.

The clients share the machine with the server, so their own CPU counts against the latency.
gradio_client builds a TLS context with the whole CA store for every request unless
``ssl_verify=False``; on a plain-HTTP loopback URL no certificate is ever checked, so the load
generator turns that off (client CPU per question 53 -> 6 ms for one session, 85 -> 9-13 ms
under 20 sessions, measured here).
``--default-client`` keeps gradio_client's default, to show the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

QUESTION_SETS = {
    "fixture": ["Can Streamly terminate my account without notice?", "Can I appeal?",
                "What about Chatterbox?", "Does Streamly sell my personal data?",
                "Compare Streamly and Learnify on arbitration"],
    "full": ["Can Spotify terminate my account without notice?", "What about Zoom?",
             "Does Coursera sell my personal data?", "Can I appeal?",
             "Compare Spotify and Discord on arbitration"],
}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def varied_questions(data_dir: str, sessions: int, per_session: int = 5) -> list[list[str]]:
    """Each session's own questions, as ``evals.bench_latency`` draws its questions (ToS;DR
    templates with the store's platforms, a third naming none), seeded by session."""
    from corpus.store import Store
    from evals.bench_latency import questions

    store = Store(Path(data_dir) / "store.sqlite", read_only=True)
    names = sorted(store.platforms().values())
    store.close()
    return [questions(names, per_session, seed=i) for i in range(sessions)]


def session(url: str, questions: list[str], out: list[float], errors: list[str],
            start: threading.Barrier | None = None, default_client: bool = False) -> None:
    from gradio_client import Client

    plain_http = url.startswith("http://")
    try:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False,
                        ssl_verify=default_client or not plain_http)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports every failure
        errors.append(f"connect: {exc!r}")
        if start:
            start.wait()
        return
    if start:
        start.wait()
    for q in questions:
        t = time.perf_counter()
        try:
            result = client.predict(q, [], [], api_name="/ask")
            chat = result[0]
            if not chat or chat[-1]["role"] != "assistant" or "pa-error" in str(
                    chat[-1]["content"]) or "Searching…" in str(chat[-1]["content"]):
                errors.append(f"bad answer to {q!r}: {str(chat[-1:])[:200]}")
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{q!r}: {exc!r}")
            continue
        out.append(time.perf_counter() - t)
    client.close() if hasattr(client, "close") else None


def run_load(url: str, per_session: list[list[str]], default_client: bool = False
             ) -> dict[str, Any]:
    """One session per list of questions, all at once."""
    sessions = len(per_session)
    lat: list[float] = []
    errors: list[str] = []
    barrier = threading.Barrier(sessions)
    threads = [threading.Thread(target=session,
                                args=(url, qs, lat, errors, barrier, default_client))
               for qs in per_session]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    wall = time.perf_counter() - t0
    return {"sessions": sessions, "questions": len(lat) + len(errors), "ok": len(lat),
            "errors": len(errors), "error_samples": errors[:5], "wall_s": round(wall, 2),
            "p50_s": round(percentile(lat, 50), 3), "p95_s": round(percentile(lat, 95), 3),
            "max_s": round(max(lat, default=float("nan")), 3),
            "mean_s": round(statistics.fmean(lat), 3) if lat else None,
            "throughput_qps": round(len(lat) / wall, 2) if wall else None}


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: str, embedder: str | None, concurrency: int | None = None
                 ) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "assistant", "--data-dir", data_dir]
    if embedder:
        cmd += ["--embedder", embedder]
    cmd += ["serve", "--port", str(port)]
    if concurrency:
        cmd += ["--concurrency", str(concurrency)]
    proc = subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[1],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urlopen(url + "/config", timeout=2):
                return proc, url
        except OSError:
            time.sleep(1)
    proc.terminate()
    raise SystemExit("serve did not start within 300 s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--url", help="a running app on loopback")
    src.add_argument("--data-dir", help="start `policy-assistant serve` over this data dir")
    p.add_argument("--embedder", choices=["minilm", "hash"])
    p.add_argument("--concurrency", type=int, default=None,
                   help="events the started app runs at once (serve --concurrency)")
    p.add_argument("--set", choices=[*sorted(QUESTION_SETS), "varied"], default="fixture",
                   help="the questions: the same 5 for every session, or 'varied' (each "
                   "session its own; needs --data-dir)")
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--json", type=Path, help="also write the numbers here")
    p.add_argument("--default-client", action="store_true",
                   help="gradio_client with its default TLS context per request")
    args = p.parse_args(argv)
    if args.set == "varied" and not args.data_dir:
        p.error("--set varied draws its questions from the platforms of --data-dir")
    proc = None
    if args.url:
        host = urlsplit(args.url).hostname or ""
        if not (host == "localhost" or host.startswith("127.") or host == "::1"):
            raise SystemExit("only loopback URLs are load-tested")
        url = args.url.rstrip("/")
    else:
        proc, url = start_server(args.data_dir, args.embedder, args.concurrency)
    try:
        if args.set == "varied":  # the baseline asks questions no loaded session asks
            *per_session, alone = varied_questions(args.data_dir, args.sessions + 1)
        else:
            per_session = [QUESTION_SETS[args.set]] * args.sessions
            alone = QUESTION_SETS[args.set]
        base = run_load(url, [alone], args.default_client)
        cpu0 = cpu_seconds(proc.pid) if proc else None
        own0 = time.process_time()
        loaded = run_load(url, per_session, args.default_client)
        if proc is not None and cpu0 is not None:
            loaded["server_cpu_ms_per_question"] = round(
                (cpu_seconds(proc.pid) - cpu0) * 1000 / max(1, loaded["questions"]), 1)
        loaded["client_cpu_ms_per_question"] = round(
            (time.process_time() - own0) * 1000 / max(1, loaded["questions"]), 1)
        loaded["loadavg_1m_after"] = os.getloadavg()[0]
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    report = {"url": url, "set": args.set, "cpus": os.cpu_count(), "baseline": base,
              "client_tls_context_per_request": args.default_client,
              "load": loaded,
              "p50_ratio_vs_baseline": round(loaded["p50_s"] / base["p50_s"], 2)
              if base["p50_s"] else None}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\n{loaded['sessions']} sessions x {len(alone)} questions ({args.set}): "
          f"p50 {loaded['p50_s']:.3f} s, p95 {loaded['p95_s']:.3f} s, "
          f"max {loaded['max_s']:.3f} s, errors {loaded['errors']}; "
          f"single-session p50 {base['p50_s']:.3f} s")
    return 1 if loaded["errors"] or base["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
