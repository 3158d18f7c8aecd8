"""`policy-assistant digest`: the watched changes with their meaning, severity and record IDs,
as Markdown, JSON or RSS. Without --since it lists what arrived since the previous digest and
remembers that it was shown (--keep leaves the mark where it is)."""

from __future__ import annotations

import argparse
from typing import Any

from assistant.commands.changes import iso_date


def add_parser(sub: Any) -> None:
    from assistant.digest import DEFAULT_LINK, FORMATS

    p = sub.add_parser("digest", help="the watched changes: what arrived since the last digest")
    p.add_argument("--since", type=iso_date, metavar="DATE",
                   help="instead: watched changes whose newer version is dated DATE or later")
    p.add_argument("--format", choices=FORMATS, default="md", help="md (default), json or rss")
    p.add_argument("--keep", action="store_true",
                   help="do not mark these changes as shown (the next digest lists them again)")
    p.add_argument("--link", default=DEFAULT_LINK, metavar="URL",
                   help=f"the app address RSS items link to (default {DEFAULT_LINK})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from assistant.digest import render
    from corpus.watches import digest

    d = digest(ctx.assistant().store, since=args.since, mark=not args.keep)
    print(render(d, args.format, args.link), end="")
    return 0
