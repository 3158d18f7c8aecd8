"""`policy-assistant worker start|stop|status`: a resident assistant that `ask` uses when it
is running (assistant/worker.py), so a question from the command line does not load the index
and the models again."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("worker", help="keep the index and models loaded for `ask` "
                       "(start, stop, status)")
    w = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    start = w.add_parser("start", help="start the worker (in this terminal unless --background)")
    start.add_argument("--background", action="store_true",
                       help="detach, and return once the worker answers")
    start.add_argument("--idle", type=float, default=60.0, metavar="MIN",
                       help="exit after MIN minutes without a question (default 60)")
    w.add_parser("stop", help="stop the worker")
    w.add_parser("status", help="say whether a worker answers")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from assistant import worker

    settings = ctx.settings
    path = worker.socket_path(settings)
    if args.action == "status":
        reply = worker.request(settings, {"op": "status"})
        print(f"worker {reply['pid']} answers on {path}" if reply else
              f"no worker answers on {path}")
        return 0 if reply else 1
    if args.action == "stop":
        reply = worker.request(settings, {"op": "stop"})
        print("worker stopped" if reply else f"no worker answers on {path}")
        return 0
    if args.background:
        return _start_detached(args, ctx)
    def ready() -> None:
        print(f"worker {os.getpid()} ready on {path}", flush=True)

    worker.Worker(ctx.assistant(), args.idle).serve(path, ready)
    return 0


def _start_detached(args: argparse.Namespace, ctx: Any) -> int:
    from assistant import worker
    from corpus.errors import StoreUnavailable

    argv = [sys.executable, "-m", "assistant"] + _global_args(ctx.args) + [
        "worker", "start", "--idle", str(args.idle)]
    log = ctx.settings.data_dir / "worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if worker.request(ctx.settings, {"op": "status"}):
            print(f"worker {proc.pid} ready on {worker.socket_path(ctx.settings)}")
            return 0
        if proc.poll() is not None:
            raise StoreUnavailable(f"the worker exited ({proc.returncode}); see {log}")
        time.sleep(0.2)
    raise StoreUnavailable(f"the worker did not answer within 10 minutes; see {log}")


def _global_args(args: argparse.Namespace) -> list[str]:
    out = []
    for flag, value in (("--data-dir", args.data_dir), ("--chroma-url", args.chroma_url),
                        ("--embedder", args.embedder)):
        if value:
            out += [flag, str(value)]
    return out
