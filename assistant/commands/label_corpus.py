"""`policy-assistant label-corpus`: label every clause in the store with the trained model."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("label-corpus", help="label every stored clause (after train-labels)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from assistant.labels import label_corpus, load_model

    model = load_model(ctx.settings.cache_dir)
    run_ = label_corpus(ctx.assistant().store, model)
    print(f"Labelled {run_.labelled_clauses} of {run_.clauses} clauses ({run_.labels} labels) "
          f"in {run_.seconds:.1f} s")
    for slug, n in sorted(run_.per_category.items(), key=lambda kv: -kv[1]):
        print(f"  {slug:<28}{n:>7}")
    return 0
