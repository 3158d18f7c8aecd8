"""`policy-assistant train-labels`: train the clause-category classifier from the ToS;DR
assessments, print its evaluation beside the TF-IDF baseline, and label the corpus."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "train-labels", help="train the clause classifier, evaluate it, label the corpus",
        description="Train one-vs-rest classifiers over the clause embeddings from ToS;DR's "
        "quoted clauses, evaluate them on platforms held out of training beside a TF-IDF "
        "baseline, save the model and the evaluation under <data dir>/cache/, and label every "
        "clause in the store.")
    p.add_argument("--points", type=Path, help="ToS;DR points.jsonl to train on "
                   "(default: the assessments already ingested into the store)")
    p.add_argument("--no-eval", action="store_true", help="skip the held-out evaluation")
    p.add_argument("--no-label", action="store_true", help="do not label the corpus afterwards")
    p.add_argument("--out", type=Path, help="folder for the model (default: <data dir>/cache/, "
                   "where it is used instead of the shipped one; assistant/models/labels "
                   "rebuilds the shipped model)")
    p.add_argument("--ota", type=Path, help="the Open Terms Archive snapshot "
                   "(../shared/policy-docs/ota) the hand-labelled sentences of "
                   "corpus/sentence_labels.jsonl.xz come from: trains the severity gate on them "
                   "(without it, severity comes from the ToS;DR neighbour rule alone)")
    p.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    p.set_defaults(func=run)


def print_evaluation(report: dict[str, Any]) -> None:
    ev = report.get("evaluation")
    if not ev:
        return
    sp = ev["split"]
    print(f"Held-out split: {sp['test_platforms']} platforms / {sp['test_quotes']} quotes "
          f"(train {sp['train_platforms']} / {sp['train_quotes']}; platforms in both: "
          f"{sp['platform_overlap']}; seed {sp['seed']})")
    systems = ev["systems"]
    names = list(systems)
    print(f"{'category':<28}{'support':>8}" + "".join(f"{n[:18]:>20}" for n in names))
    first = systems[names[0]]["per_category"]
    for slug, row in first.items():
        if not row["support"]:
            continue
        cells = "".join(
            f"{systems[n]['per_category'][slug]['precision']:>6.2f}"
            f"{systems[n]['per_category'][slug]['recall']:>7.2f}"
            f"{systems[n]['per_category'][slug]['f1']:>7.2f}" for n in names)
        print(f"{slug:<28}{row['support']:>8}{cells}")
    print(f"{'(columns: precision recall F1)':<36}")
    for key in ("macro_f1", "micro_f1", "ece", "oof_macro_f1_on_train"):
        print(f"{key:<36}" + "".join(f"{systems[n][key]:>20.4f}" for n in names))
    for n in names:
        sev = systems[n].get("severity")
        if sev:
            print(f"severity side agreement ({n}): nearest-assessments rule "
                  f"{sev['nearest_rule']:.1%} vs category-prior rule "
                  f"{sev['category_prior_rule']:.1%} over {sev['assessments']} held-out "
                  "assessments")


def run(args: argparse.Namespace, ctx: Any) -> int:
    import sys

    from tqdm import tqdm

    from assistant.labels import label_corpus, read_model, train_labels
    from corpus.errors import BadInput

    if args.points is not None and not args.points.is_file():
        raise BadInput(f"no such file: {args.points}")
    if args.ota is not None and not args.ota.is_dir():
        raise BadInput(f"no such folder: {args.ota}")
    a = ctx.assistant()
    cache = ctx.settings.cache_dir
    out = args.out or cache
    bars: list[Any] = []

    def stage(line: str, total: int | None, unit: str) -> None:
        """Each stage on its own line, then its own bar: quotes embedded, classifiers fitted."""
        while bars:
            bars.pop().close()
        print(f"... {line}", flush=True)
        bars.append(tqdm(total=total, desc=line.split(" ")[0], unit=unit, file=sys.stderr,
                         leave=False, dynamic_ncols=True))

    def progress(n: int) -> None:
        if bars:
            bars[0].update(n)

    model, report = train_labels(a.store, a.embedder, cache, points=args.points,
                                 run_eval=not args.no_eval, progress=progress,
                                 on_stage=stage, out=out, ota=args.ota)
    for bar in bars:
        bar.close()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_evaluation(report)
        sentences = report["training"].get("sentences")
        rows = f"{report['training']['quotes']} quotes" + (
            f" and {sentences} hand-labelled sentences" if sentences else "")
        print(f"Model: {model.kind} features (out-of-fold macro-F1 "
              f"{model.oof_macro_f1:.3f} on all {rows}); saved to {out}")
        gate = report.get("gate")
        if gate:
            o = gate["oof"]
            print(f"Severity gate: {gate['sentences']} hand-labelled sentences of "
                  f"{gate['services']} services ({gate['against_user']} High/Medium); "
                  f"out-of-fold High/Medium precision {o['precision']:.3f}, recall "
                  f"{o['recall']:.3f}, F1 {o['f1']:.3f} at threshold {o['threshold']:.2f}")
        else:
            print("Severity gate: none (no --ota); severity comes from the ToS;DR neighbour "
                  "rule alone")
    if not args.no_label:
        with tqdm(total=a.store.counts()["clauses"], desc="labelling", unit="clause",
                  file=sys.stderr, leave=False) as bar:
            # the saved int8 model, as ingest loads it: the stored labels then name the same
            # model, and the next ingest finds them up to date
            run_ = label_corpus(a.store, read_model(out), progress=bar.update)
        print(f"Labelled {run_.labelled_clauses} of {run_.clauses} clauses "
              f"({run_.labels} labels) in {run_.seconds:.1f} s")
    return 0
