"""Generate the ToS;DR suite (evals/suites/tosdr.jsonl) from ToS;DR points and the current
documents in a store.

A point becomes a case when its platform is in the corpus, its case has a question template
(``evals/tosdr_templates.json``) and its quoted clause is still found in one of the platform's
current clauses: ``corpus.link.best_match``, rapidfuzz ``partial_ratio`` >= 85 (0-100) with the
clause covering at least half of the quote. The expected record IDs are that clause and any
other current clause of the platform with the same normalised text (the same provision in a
second document). Points of the same platform and case are merged into one question.

    python -m evals.make_tosdr_suite --store /work/data/store.sqlite \
        --points ../shared/policy-docs/tosdr/points.jsonl --out evals/suites/tosdr.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus.ids import platform_slug
from corpus.link import MIN_COVER, THRESHOLD, best_match, candidates
from corpus.store import Store
from corpus.text import normalise
from evals.templates import question_for


def generate(store: Store, points_path: Path,
             question: Callable[[str, str], str | None] = question_for
             ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """``question(case, platform)``: the wording asked, None to skip the case (default: the
    evaluation templates)."""
    names = store.platforms()
    stats: Counter[str] = Counter()
    clauses: dict[str, list[tuple[str, str, frozenset[str]]]] = {}
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    with points_path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                p = json.loads(line)
                if not isinstance(p, dict) or not p.get("point_id") or not p.get("service"):
                    raise ValueError("not a point")
            except ValueError:
                stats["malformed_lines"] += 1
                continue
            stats["points"] += 1
            quote = str(p.get("quote_text") or "").strip()
            if not quote:
                continue
            stats["with_quote"] += 1
            pid = platform_slug(str(p["service"]))
            if pid not in names:
                continue
            stats["platform_in_corpus"] += 1
            case = str(p.get("case") or "").strip()
            asked = question(case, names[pid])
            if asked is None:
                continue
            stats["case_templated"] += 1
            if pid not in clauses:
                clauses[pid] = candidates([(c.record_id, normalise(c.text))
                                           for c in store.current_clauses(pid)])
            rid, score = best_match(quote, clauses[pid])
            if rid is None:
                continue
            stats["quote_found"] += 1
            norm = next(n for r, n, _ in clauses[pid] if r == rid)
            same = sorted(r for r, n, _ in clauses[pid] if n == norm)
            key = (pid, case)
            entry = merged.setdefault(key, {
                "id": f"tosdr-{p['point_id']}", "type": "question", "question": asked,
                "expected": [], "quote": [], "meta": {"platform": names[pid], "case": case,
                                                      "points": [], "match_scores": []}})
            entry["expected"] += [r for r in same if r not in entry["expected"]]
            entry["quote"].append(quote)
            entry["meta"]["points"].append(str(p["point_id"]))
            entry["meta"]["match_scores"].append(round(score, 1))
    cases = sorted(merged.values(), key=lambda c: (c["meta"]["platform"], c["meta"]["case"]))
    stats["cases"] = len(cases)
    stats["platforms"] = len({c["meta"]["platform"] for c in cases})
    return cases, dict(stats)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, required=True, help="store.sqlite of the full corpus")
    ap.add_argument("--points", type=Path, required=True, help="ToS;DR points.jsonl")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "suites" / "tosdr.jsonl")
    args = ap.parse_args(argv)
    store = Store(args.store)
    cases, stats = generate(store, args.points)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for c in cases:
            fh.write(json.dumps(c, ensure_ascii=False) + "\n")
    stats_line = ", ".join(f"{k} {v}" for k, v in stats.items())
    print(f"match: partial_ratio >= {THRESHOLD:g}, clause covers >= {MIN_COVER:.0%} of the quote")
    print(f"{stats_line}; corpus {store.fingerprint()}")
    print(f"wrote {len(cases)} cases to {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
