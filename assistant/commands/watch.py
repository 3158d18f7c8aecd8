"""`policy-assistant watch add|list|remove`: the platforms (document types, categories) whose
changes `policy-assistant digest` lists. Watches are kept in the store and survive re-ingest."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("watch", help="watch a platform's changes (add, list, remove)")
    w = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = w.add_parser("add", help="watch a platform, optionally one document type or category")
    add.add_argument("platform", help="platform name or ID, e.g. Coursera")
    add.add_argument("--document", metavar="TYPE", default="",
                     help="only this document type, e.g. 'Terms of Service'")
    add.add_argument("--category", metavar="C", default="",
                     help="only changes of clauses labelled with this category (slug or name)")
    ls = w.add_parser("list", help="list the watches")
    rm = w.add_parser("remove", help="stop a watch")
    rm.add_argument("watch_id", type=int)
    for sub_parser in (add, ls, rm):
        sub_parser.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from corpus import watches as W

    store = ctx.assistant().store
    if args.action == "add":
        pid = ctx.assistant().matcher.resolve(args.platform)  # suggests close names
        w = W.add_watch(store, pid, args.document, args.category)
        shown = [w]
        if not args.json:
            print(f"Watching {w.describe()} (watch {w.watch_id}). Changes stored from now on "
                  "appear in `policy-assistant digest`.")
    elif args.action == "remove":
        w = W.remove_watch(store, args.watch_id)
        shown = [w]
        if not args.json:
            print(f"Stopped watch {w.watch_id}: {w.describe()}.")
    else:
        shown = W.list_watches(store)
        if not args.json:
            if not shown:
                print("No watches. Add one with `policy-assistant watch add PLATFORM`.")
            for w in shown:
                print(f"{w.watch_id:>4}  {w.describe()}  (since {w.created})")
    if args.json:
        from assistant.cli import print_json

        print_json([vars(w) for w in shown])
    return 0
