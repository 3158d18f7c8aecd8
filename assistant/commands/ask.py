"""`policy-assistant ask "QUESTION"`: a cited answer."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from assistant import RETRIEVAL_MODES


def add_parser(sub: Any) -> None:
    p = sub.add_parser("ask", help="ask a question; the answer cites record IDs")
    p.add_argument("question")
    p.add_argument("--platform", action="append", default=[], metavar="NAME",
                   help="limit to a platform (repeatable); default: platforms named in the "
                   "question, else all")
    p.add_argument("--doc-type", action="append", default=[], metavar="TYPE",
                   help="limit to a document type, e.g. 'Privacy Policy' (repeatable)")
    p.add_argument("--as-of", default="", metavar="DATE",
                   help="answer from the versions in force on DATE (YYYY-MM-DD)")
    p.add_argument("--mode", choices=RETRIEVAL_MODES, default="hybrid")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from assistant import worker

    reply = worker.request(ctx.settings, {
        "question": args.question, "platforms": args.platform, "doc_types": args.doc_type,
        "as_of": args.as_of, "mode": args.mode})
    if reply is not None:  # a running worker answered (`policy-assistant worker start`)
        return _print_reply(args, ctx, reply)
    from assistant import clean_question

    a = ctx.assistant()
    q = clean_question(args.question)
    filters = a.resolve_filters(q, args.platform, args.doc_type, args.as_of)
    answer = a.ask(q, filters, mode=args.mode)
    if profile := os.environ.get("POLICY_ASSISTANT_PROFILE"):  # evals/bench_cold.py
        Path(profile).write_text(json.dumps({
            "run_ms": (time.perf_counter() - ctx.started) * 1000, "load_ms": a.load_timings,
            "answer_ms": answer.timings}), encoding="utf-8")
    if args.json:
        from assistant.cli import print_json

        print_json(answer.to_dict())
        return 0
    print(f"Searching {answer.focus}")
    print()
    print(answer.text)
    return 0


def _print_reply(args: argparse.Namespace, ctx: Any, reply: dict[str, Any]) -> int:
    if reply["status"] == "error":
        print(f"error: {reply['error']}", file=sys.stderr)
        return int(reply["exit_code"])
    answer = reply["answer"]
    if profile := os.environ.get("POLICY_ASSISTANT_PROFILE"):
        Path(profile).write_text(json.dumps({
            "run_ms": (time.perf_counter() - ctx.started) * 1000, "load_ms": {},
            "answer_ms": answer["timings"], "worker": True}), encoding="utf-8")
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False, default=str))
        return 0
    print(f"Searching {answer['focus']}")
    print()
    print(answer["answer"])
    return 0
