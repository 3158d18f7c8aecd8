"""Measure the change-kind rules (corpus/meaning.py) on the hand-labelled suite.

    python -m evals.change_kinds --data-dir DATA [--suite evals/suites/change_kinds/labelled.jsonl]
        [--json] [--show-misses]

Each suite line names a change record of the real tracked history (its ID, and the record IDs
on both sides in case the ID changed) and the kind a person gave it. The store must hold the
tracked history (`policy-assistant ingest ../shared/policy-docs`); it is only read. Prints
accuracy overall and per labelled kind (correct / labelled), and per predicted kind the share
that was right (precision), plus the confusions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from corpus import changes as ch
from corpus.errors import NotFound
from corpus.meaning import KINDS
from corpus.store import Store

SUITE = Path(__file__).parent / "suites" / "change_kinds" / "labelled.jsonl"
HELDOUT = SUITE.with_name("heldout.jsonl")


def load_suite(path: Path = SUITE) -> list[dict[str, Any]]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    for c in cases:
        if c["kind"] not in KINDS:
            raise ValueError(f"{c['id']}: unknown kind {c['kind']!r}")
    return cases


def find_record(store: Store, case: dict[str, Any]) -> ch.ChangeRecord | None:
    try:
        return ch.get_change(store, case["id"])
    except NotFound:
        pass
    return ch.find_change(store, case["old_ids"], case["new_ids"])


def evaluate(store: Store, cases: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for case in cases:
        rec = find_record(store, case)
        if rec is None:
            rows.append({"id": case["id"], "gold": case["kind"], "pred": None})
            continue
        m = ch.meaning_of(store, rec)
        rows.append({"id": case["id"], "gold": case["kind"], "pred": m.kind,
                     "severity": m.severity, "summary": m.summary, "note": case.get("note", "")})
    found = [r for r in rows if r["pred"] is not None]
    per_kind = {}
    for kind in KINDS:
        gold = [r for r in found if r["gold"] == kind]
        pred = [r for r in found if r["pred"] == kind]
        per_kind[kind] = {
            "labelled": len(gold), "correct": sum(r["pred"] == kind for r in gold),
            "predicted": len(pred), "precision_correct": sum(r["gold"] == kind for r in pred)}
    confusions = Counter((r["gold"], r["pred"]) for r in found if r["gold"] != r["pred"])
    correct = sum(r["gold"] == r["pred"] for r in found)
    substantive = [r for r in found if r["gold"] != "editorial"]
    return {
        "cases": len(rows), "found": len(found), "correct": correct,
        "accuracy": round(correct / len(found), 3) if found else 0.0,
        "editorial_vs_substantive_accuracy": round(sum(
            (r["gold"] == "editorial") == (r["pred"] == "editorial") for r in found)
            / max(1, len(found)), 3),
        "substantive_correct": sum(r["gold"] == r["pred"] for r in substantive),
        "substantive": len(substantive),
        "per_kind": per_kind,
        "confusions": [{"gold": g, "pred": p, "n": n} for (g, p), n in confusions.most_common()],
        "missing": [r["id"] for r in rows if r["pred"] is None],
        "rows": rows,
    }


def report_text(result: dict[str, Any], show_misses: bool = False) -> str:
    out = [f"Change kinds: {result['correct']}/{result['found']} correct "
           f"(accuracy {result['accuracy']:.3f}); substantive changes "
           f"{result['substantive_correct']}/{result['substantive']}; editorial vs "
           f"substantive {result['editorial_vs_substantive_accuracy']:.3f}",
           "", f"{'kind':<22}{'labelled':>9}{'correct':>9}{'recall':>8}{'predicted':>11}"
           f"{'precision':>11}"]
    for kind, k in result["per_kind"].items():
        recall = f"{k['correct'] / k['labelled']:.2f}" if k["labelled"] else "-"
        prec = f"{k['precision_correct'] / k['predicted']:.2f}" if k["predicted"] else "-"
        out.append(f"{kind:<22}{k['labelled']:>9}{k['correct']:>9}{recall:>8}"
                   f"{k['predicted']:>11}{prec:>11}")
    if result["confusions"]:
        out += ["", "Confusions (labelled -> predicted):"]
        out += [f"  {c['gold']} -> {c['pred']}: {c['n']}" for c in result["confusions"]]
    if result["missing"]:
        out += ["", f"Not in the store: {', '.join(result['missing'])}"]
    if show_misses:
        out += ["", "Misses:"]
        for r in result["rows"]:
            if r["pred"] is not None and r["pred"] != r["gold"]:
                out.append(f"  {r['id']}  labelled {r['gold']}, read {r['pred']}: "
                           f"{r['summary'][:160]}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True, help="data dir holding store.sqlite")
    p.add_argument("--suite", type=Path, default=SUITE,
                   help="a suite file, or 'heldout' for the 40 held-out cases")
    p.add_argument("--json", action="store_true")
    p.add_argument("--show-misses", action="store_true")
    args = p.parse_args(argv)
    path = Path(args.data_dir) / "store.sqlite"
    if not path.exists():
        print(f"error: no store at {path}", file=sys.stderr)
        return 2
    store = Store(path, read_only=True)  # never migrates or writes the store
    suite = HELDOUT if str(args.suite) == "heldout" else args.suite
    result = evaluate(store, load_suite(suite))
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=2))
    else:
        print(report_text(result, args.show_misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
