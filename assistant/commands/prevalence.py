"""`policy-assistant prevalence [SLUG...]`: how many platforms have each kind of clause, live
from the store, with the denominator and the date of the corpus."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("prevalence", help="how common each clause category is across platforms")
    p.add_argument("slugs", nargs="*", help="categories to show (default: all)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from assistant.labels import prevalence_table
    from corpus.errors import BadInput, IndexMissing
    from corpus.labels import has_labels

    store = ctx.assistant().store
    if not has_labels(store):
        raise IndexMissing("the corpus has no labels yet; run `policy-assistant train-labels`")
    rows = prevalence_table(store)
    known = {r["slug"] for r in rows}
    unknown = [s for s in args.slugs if s not in known]
    if unknown:
        raise BadInput(f"unknown category {unknown[0]!r}; known: {', '.join(sorted(known))}")
    if args.slugs:
        rows = [r for r in rows if r["slug"] in args.slugs]
    if args.json:
        from assistant.cli import print_json

        print_json(rows)
        return 0
    print(f"{'category':<28}{'clauses':>9}{'current':>9}   prevalence")
    for r in rows:
        print(f"{r['slug']:<28}{r['clauses']:>9}{r['current']:>9}   {r['text']}")
    return 0
