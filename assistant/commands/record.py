"""`policy-assistant record ID`: print a clause record and what is known about it."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("record", help="show a clause record by its ID")
    p.add_argument("record_id")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    view = ctx.assistant().record(args.record_id)
    c = view.clause
    from assistant.labels import record_labels

    labels = record_labels(ctx.assistant().store, c.record_id)
    if args.json:
        from assistant.cli import print_json

        print_json({**asdict(c), "annotations": view.annotations,
                    "labels": labels.to_dict() if labels else None})
        return 0
    print(f"Record    {c.record_id}")
    print(f"Platform  {c.platform}")
    print(f"Document  {c.doc_type} ({c.document_id}{', ' + c.collection if c.collection else ''})")
    print(f"Version   {c.version_id} · {c.version_date}{'' if c.current else ' (not current)'}")
    if c.section:
        print(f"Section   {c.section}")
    print(f"Source    {c.url or c.source}")
    print(f"SHA-256   {c.sha256}")
    for key in ("severity", "categories", "first_tracked", "last_verified", "source_sha256"):
        if c.meta.get(key):
            print(f"{key.replace('_', ' ').capitalize():<14}{c.meta[key]}")
    print()
    print(c.text)
    if view.annotations:
        print()
        print("ToS;DR assessments quoting this clause:")
        for a in view.annotations:
            print(f"  {a['annotation_id']} [{a['classification']}] {a['case_title']}"
                  f" (match {a['match_score']})")
    if labels is not None:
        print()
        print("\n".join(labels.lines()))
    return 0
