"""`policy-assistant history RECORD_ID`: the versions of its document that hold a clause record,
and the change records that name it (what it replaced, what replaced it)."""

from __future__ import annotations

import argparse
from typing import Any

from assistant.commands.changes import open_store


def add_parser(sub: Any) -> None:
    p = sub.add_parser("history", help="a clause record's versions and change records")
    p.add_argument("record_id")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from corpus.changes import compute_changes, history_of

    store = open_store(ctx)
    ctx.assistant().record(args.record_id)  # a NotFound with close IDs for a typo
    compute_changes(store)
    h = history_of(store, args.record_id.strip())
    if args.json:
        from assistant.cli import print_json

        print_json(h.to_dict())
        return 0
    print(f"Record    {h.record_id}")
    print(f"Document  {h.platform} — {h.doc_type} ({h.document_id})")
    print("Versions  " + "  ".join(f"{v['date']}{'' if v['present'] else ' (absent)'}"
                                   for v in h.versions))
    if h.previous:
        print(f"Replaced  {' '.join(h.previous)}")
    if h.next:
        print(f"Replaced by {' '.join(h.next)}")
    if not h.changes:
        print("No change record names it: its wording is the same in every version that "
              "holds it.")
    for c in h.changes:
        print(f"  {c.from_date} → {c.to_date}  {c.change_id}  {c.summary}")
    return 0
