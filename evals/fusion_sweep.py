"""The dense list's weight in hybrid fusion (``assistant/retrieve.py``: ``DENSE_WEIGHT``),
replayed on the training-side tuning sets (``python -m evals.tuning_sets``) with the fold
question adapters, so no evaluation suite is looked at.

    python -m evals.fusion_sweep --data-dir DATA --sets DIR --adapters A0 A1 --lists FILE.json

Each question of fold K is searched with the question adapter trained without fold K: each
retriever's 40 candidates (the depth fusion takes) and the hybrid top 12 are recorded once
(56 s here; no QA model runs), written to ``--lists``; a later run with an existing file
only replays. The replay fuses the two lists as retrieval does (reciprocal rank, k 60, the
dense list weighted, ties by record ID) at each ``--weights`` value, beside dense alone, and
prints hit@1/3/5/10/12 per set of ``evals.tuning_replay.SETS``. The recorded hybrid
lists check the replay: at the shipped weight it must give the same top 12.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.retrieve import DENSE_WEIGHT, DEPTH, rrf_vote
from evals import tuning_replay
from evals.tuning_replay import Order

CUTS = (1, 3, 5, 10, 12)


def fuse(dense: list[str], lexical: list[str], weight: float) -> list[str]:
    """The two lists fused by retrieval's own vote (``assistant.retrieve.rrf_vote``) with the
    dense list weighing ``weight``; ties broken by record ID, as retrieval breaks them."""
    score: dict[str, float] = {}
    for stage, found in (("dense", dense), ("lexical", lexical)):
        for rank, rid in enumerate(found, 1):
            score[rid] = score.get(rid, 0.0) + rrf_vote(stage, rank, weight)
    return sorted(score, key=lambda rid: (-score[rid], rid))


def record(a: Any, question: str, platforms: list[str]) -> dict[str, Any]:
    f = a.resolve_filters(question, platforms)
    return {m: [h.record_id for h in a.candidates(question, f, k=DEPTH if m != "hybrid"
                                                  else CUTS[-1], mode=m)]
            for m in ("dense", "lexical", "hybrid")}


def collect(data_dir: Path, sets: Path, adapters: list[Path]) -> dict[str, list[dict[str, Any]]]:
    """Each retriever's candidates and the hybrid top 12, per tuning question."""
    def fold_settings(k: int, settings: Any) -> Any:
        return replace(settings, qa="off", query_adapter="on",
                       query_adapter_model=str(adapters[k]))

    return tuning_replay.collect(data_dir, sets, fold_settings, record)


def replay_matches(records: dict[str, list[dict[str, Any]]], weight: float) -> tuple[int, int]:
    """How many recorded hybrid top-12 lists the replay at ``weight`` reproduces exactly."""
    rows = [r for src in records.values() for r in src]
    same = sum(fuse(r["dense"], r["lexical"], weight)[:len(r["hybrid"])] == r["hybrid"]
               for r in rows)
    return same, len(rows)


def table(records: dict[str, list[dict[str, Any]]], weights: list[float]) -> str:
    def by_weight(w: float) -> Order:
        return lambda r: fuse(r["dense"], r["lexical"], w)

    rules = [(f"{w:g}", by_weight(w)) for w in weights]
    rules.append(("dense alone", lambda r: list(r["dense"])))
    return tuning_replay.table(records, rules, "dense weight", CUTS)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lists", type=Path, required=True,
                    help="JSON of recorded candidate lists: written when missing, else replayed")
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--sets", type=Path, help="the folder `python -m evals.tuning_sets` wrote")
    ap.add_argument("--adapters", type=Path, nargs=2, metavar=("A0", "A1"))
    ap.add_argument("--weights", type=float, nargs="+", default=[0, 0.5, 1, 1.5, 2, 3])
    args = ap.parse_args(argv)
    ready = args.data_dir and args.sets and args.adapters
    records = tuning_replay.recorded(
        args.lists, (lambda: collect(args.data_dir, args.sets, args.adapters)) if ready else None,
        "--data-dir, --sets and --adapters", ap.error)
    same, n = replay_matches(records, DENSE_WEIGHT)
    print(f"replay at the shipped weight {DENSE_WEIGHT:g} reproduces {same} of {n} recorded "
          "hybrid top-12 lists")
    print(table(records, args.weights))


if __name__ == "__main__":
    main()
