"""`policy-assistant changes PLATFORM`: the change records between a platform's tracked
versions, newest pair last, each wording change with what it means (corpus/meaning.py)."""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
from itertools import groupby
from typing import Any

from corpus.errors import BadInput, IndexMissing

KIND_CHOICES = ["modified", "added", "removed", "moved", "formatting"]


def _period(value: str) -> tuple[str, str]:
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            d = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if fmt == "%Y-%m-%d":
            return text, text
        if fmt == "%Y-%m":
            last = calendar.monthrange(d.year, d.month)[1]
            return f"{text}-01", f"{text}-{last:02d}"
        return f"{text}-01-01", f"{text}-12-31"
    raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")


def iso_date(value: str) -> str:
    """An argparse type: YYYY-MM-DD, YYYY-MM or YYYY, as the first day of that period."""
    return _period(value)[0]


def iso_date_end(value: str) -> str:
    """The same, as the last day of that period (for --until)."""
    return _period(value)[1]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("changes", help="list what changed between a platform's tracked versions")
    p.add_argument("platform", help="platform name or ID, e.g. Zoom")
    p.add_argument("--document", metavar="TYPE", help="only this document type, e.g. "
                   "'Terms of Service'")
    p.add_argument("--since", type=iso_date, metavar="DATE",
                   help="changes first seen on or after DATE (the newer version's date)")
    p.add_argument("--until", type=iso_date_end, metavar="DATE",
                   help="changes first seen on or before DATE")
    p.add_argument("--kind", action="append", choices=KIND_CHOICES, default=[],
                   help="only these kinds (repeatable)")
    p.add_argument("--wording-only", action="store_true",
                   help="leave out formatting-only changes and pure moves")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def open_store(ctx: Any) -> Any:
    store = ctx.assistant().store
    if not store.counts()["documents"]:
        raise IndexMissing(f"no documents in {ctx.settings.store_path}; build it with "
                           "`policy-assistant ingest PATH`")
    return store


def run(args: argparse.Namespace, ctx: Any) -> int:
    from corpus.changes import changes_for

    store = open_store(ctx)
    if args.since and args.until and args.since > args.until:
        raise BadInput(f"--since {args.since} is after --until {args.until}")
    kinds = tuple(args.kind) or (("modified", "added", "removed") if args.wording_only else None)
    pid = ctx.assistant().matcher.resolve(args.platform)  # suggests close names
    records = changes_for(store, pid, args.document, args.since, args.until, kinds)
    if args.json:
        from assistant.cli import print_json

        print_json([r.to_dict() for r in records])
        return 0
    if not records:
        print("No change records match: either only one version is tracked, or nothing "
              "changed between the tracked versions in that range.")
        return 0
    for doc_type, by_doc in groupby(records, key=lambda r: r.doc_type):
        print(f"{records[0].platform} — {doc_type}")
        for (a, b), pair in groupby(by_doc, key=lambda r: (r.from_version, r.to_version)):
            items = list(pair)
            n_fmt = sum(r.kind == "formatting" for r in items)
            counted = (f"{n_fmt} formatting-only" if not kinds or "formatting" in kinds
                       else "only " + ", ".join(kinds))
            print(f"  {items[0].from_date} → {items[0].to_date}  ({a} → {b}): "
                  f"{len(items)} change(s), {counted}")
            for r in items:
                print(f"    {r.change_id}  {r.kind:<10} {r.summary}")
                if r.meaning and r.wording:
                    m = r.meaning
                    print(f"{'':>34}means: {m['label']} · {m['severity']} — {m['summary']}")
                ids = "  ".join(x for x in (
                    f"old {' '.join(r.old_ids)}" if r.old_ids else "",
                    f"new {' '.join(r.new_ids)}" if r.new_ids else "") if x)
                print(f"{'':>34}{ids}")
        print()
    return 0
