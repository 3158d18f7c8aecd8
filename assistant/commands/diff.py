"""`policy-assistant diff VERSION_A VERSION_B`: the clause-level diff of two versions of one
document (IDs as `policy-assistant changes` prints them; an unambiguous prefix such as
`zoom-tos-8zq4@2023-07-28` will do)."""

from __future__ import annotations

import argparse
from typing import Any

from assistant.commands.changes import open_store


def add_parser(sub: Any) -> None:
    p = sub.add_parser("diff", help="clause-level diff between two versions of a document")
    p.add_argument("version_a", help="older version ID (or a unique prefix of it)")
    p.add_argument("version_b", help="newer version ID (or a unique prefix of it)")
    p.add_argument("--wording-only", action="store_true",
                   help="leave out formatting-only changes and pure moves")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from corpus.changes import diff_versions, version, word_diff_text

    store = open_store(ctx)
    a, b = version(store, args.version_a), version(store, args.version_b)
    records = diff_versions(store, a.version_id, b.version_id)
    if args.wording_only:
        records = [r for r in records if r.wording]
    if args.json:
        from assistant.cli import print_json

        print_json({"from": a.version_id, "to": b.version_id,
                    "changes": [r.to_dict() for r in records]})
        return 0
    n_fmt = sum(r.kind == "formatting" for r in records)
    print(f"{a.platform} — {a.doc_type}: {a.version_id} ({a.version_date}) → {b.version_id} "
          f"({b.version_date})")
    print(f"{len(records)} change(s), {n_fmt} formatting-only")
    for r in records:
        print()
        print(f"{r.kind.upper()}{' (moved)' if r.moved and r.kind != 'moved' else ''}  "
              f"{r.summary}")
        if r.old_ids:
            print(f"  old {' '.join(r.old_ids)}")
        if r.new_ids:
            print(f"  new {' '.join(r.new_ids)}")
        if r.kind == "modified":
            print(f"  {word_diff_text(r)}")
        elif r.kind in ("added", "removed"):
            rid = (r.new_ids or r.old_ids)[0]
            print(f"  {'+' if r.kind == 'added' else '-'} {store.clause(rid).text}")
    return 0
