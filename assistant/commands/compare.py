"""`policy-assistant compare "TOPIC" --platforms A B C`: one row per platform."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("compare", help="compare platforms on one topic, with record IDs")
    p.add_argument("topic")
    p.add_argument("--platforms", nargs="+", required=True, metavar="NAME")
    p.add_argument("--doc-type", action="append", default=[], metavar="TYPE")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    answer = ctx.assistant().compare(args.topic, args.platforms, args.doc_type)
    if args.json:
        from assistant.cli import print_json

        print_json(answer.to_dict())
        return 0
    print(answer.focus)
    print()
    print(answer.text)
    return 0
