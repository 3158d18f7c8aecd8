"""`policy-assistant eval SUITE_OR_FILE`: run an evaluation suite and write its report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant import EVAL_COLUMNS
from assistant.commands.out_dir import writable


def add_parser(sub: Any) -> None:
    p = sub.add_parser("eval", help="run an evaluation suite; writes report.json, report.md "
                       "and plots")
    p.add_argument("suite", metavar="SUITE_OR_FILE",
                   help="a built-in suite (handwritten, tosdr, policyqa) or a file: a suite "
                   "(.jsonl) or a SQuAD-format QA set (.json)")
    p.add_argument("--format", choices=["suite", "squad"], default=None,
                   help="format of the file (default: detected)")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="run only the first N cases")
    p.add_argument("--mode", action="append", choices=EVAL_COLUMNS, default=None,
                   help="columns to compare (repeatable; default: hybrid, reranked, fused, "
                   "dense, lexical): retrieval modes, and 'fused' / 'reranked' = hybrid "
                   "without the trained model / without its reader; 'plain' = 'fused' "
                   "without the question adapter too; 'fast' = hybrid with the model reading "
                   "only the fused top 4")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="where to write the report (default: ./eval-reports/<suite>)")
    p.add_argument("--baseline", type=Path, default=None, metavar="REPORT.json",
                   help="an earlier report.json: every metric shows its change")
    p.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                   help="where a SQuAD set's own index is kept (default: <data>/cache/suites)")
    p.add_argument("--json", action="store_true", help="print the report object as JSON")
    p.set_defaults(func=run)


def _progress(total: int) -> Any:
    from tqdm import tqdm

    bar = tqdm(total=total, unit="q", file=sys.stderr, dynamic_ncols=True, leave=False)
    return bar.update


def run(args: argparse.Namespace, ctx: Any) -> int:
    from corpus.errors import BadInput
    from evals.report import write_report
    from evals.runner import MODES, evaluate, resolve_target, with_baseline

    baseline = None
    if args.baseline is not None:
        try:
            baseline = json.loads(args.baseline.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BadInput(f"cannot read baseline {args.baseline}: {exc}") from None
        metrics = baseline.get("metrics") if isinstance(baseline, dict) else None
        if not isinstance(metrics, dict) or not all(isinstance(m, dict)
                                                    for m in metrics.values()):
            raise BadInput(f"{args.baseline} is not a report.json (no metrics per mode)")
    path, fmt = resolve_target(args.suite, args.format)
    out = args.out or Path("eval-reports") / path.stem
    writable(out, "the report")  # before a run of minutes, not after it
    modes = tuple(dict.fromkeys(args.mode)) if args.mode else MODES
    report = evaluate(path, ctx.settings, fmt=fmt, limit=args.limit, modes=modes,
                      assistant=None if fmt == "squad" else ctx.assistant(),
                      cache_dir=args.cache_dir, progress=_progress)
    if baseline is not None:
        report = with_baseline(report, baseline)
    try:
        paths = write_report(report, out)
    except OSError as exc:
        raise BadInput(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    if args.json:
        from assistant.cli import print_json

        print_json(report)
        return 0
    from evals.report import metrics_table

    print("\n".join(metrics_table(report, [k for k in next(iter(report["metrics"].values()))
                                           if not k.endswith(("_p50", "_p95"))])))
    print(f"\nreport: {paths['md']}  ({', '.join(p.name for p in paths.values())})")
    return 0
