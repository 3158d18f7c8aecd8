"""`policy-assistant train-data`: rebuild the training sets of the trained models from the
data on disk (OPP-115, PolicyQA's question wordings, ToS;DR points, the OTA documents)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "train-data", help="build the QA and label training sets from ../shared",
        description="Write qa_groups.jsonl (question, answering passage, answer span, yes/no, "
        "negatives; PolicyQA dev policies held out) and label_examples.jsonl (sentences and "
        "quotes with taxonomy categories), each with a JSON summary, into --out.")
    p.add_argument("--shared", type=Path, help="the shared data folder holding policy-docs/ "
                   "(default: the parent of $POLICY_DOCS, else ../shared)")
    p.add_argument("--out", type=Path, help="output folder (default: <data dir>/cache/training)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", choices=["qa", "labels"], help="build one of the two sets")
    p.set_defaults(func=run)


def shared_root(given: Path | None) -> Path:
    import os

    from corpus.errors import BadInput

    if given is None:
        docs = os.environ.get("POLICY_DOCS")
        given = Path(docs).parent if docs else Path("../shared")
    root = given / "policy-docs" if (given / "policy-docs").is_dir() else given
    for need in ("opp115", "policyqa/dev.json", "tosdr/points.jsonl", "ota"):
        if not (root / need).exists():
            raise BadInput(f"{root / need} is missing; point --shared at the folder that holds "
                           "policy-docs/")
    return root


def run(args: argparse.Namespace, ctx: Any) -> int:
    from assistant.commands.out_dir import writable
    from corpus import label_training, qa_training

    root = shared_root(args.shared)
    out = args.out or ctx.settings.cache_dir / "training"
    writable(out, "the training sets")
    if args.only in (None, "qa"):
        print("building the QA training set (OPP-115 spans, ToS;DR questions) ...", flush=True)
        stats = qa_training.build(root, out, seed=args.seed)
        print(json.dumps(stats["sources"]))
    if args.only in (None, "labels"):
        print("building the label training set (OPP-115 sentences, ToS;DR quotes, unquoted "
              "sentences of reviewed platforms) ...", flush=True)
        lstats = label_training.build(root, out, seed=args.seed)
        print(json.dumps(lstats["sources"]))
    print(f"written to {out}")
    return 0
