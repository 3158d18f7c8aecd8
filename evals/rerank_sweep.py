"""How the cross-encoder's relevance is combined with the fused rank, and how many candidates
it reads, replayed on the training-side tuning sets (``python -m evals.tuning_sets``) with the
fold models, so no evaluation suite is looked at.

    python -m evals.rerank_sweep --data-dir DATA --sets DIR --models F0 F1 --adapters A0 A1 \
        --readings FILE.json

Each question of fold K is answered by the QA model and question adapter trained without
fold K: the fused top 12 are recorded with the model's relevance of each (6 minutes here on one
thread for the 796 questions, the OPP-115 suites mostly indexed already), written to
``--readings``; a later run with an existing file only replays. The replay orders the
candidates by the shipped rule (``assistant.rerank.rerank_hits``: reciprocal-rank fusion of the
fused rank and the model's rank) and by a margin-weighted alternative (``weight`` x (logit +
log prior) - log(fused rank), tried on 2026-11-29 and not shipped, see evals/README.md) at each
``--weights`` value and candidate count, beside the fused order, and prints hit@1/3/5 per set
of ``evals.tuning_replay.SETS``.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant import Hit, rerank_hits
from assistant.qa_model import Reading
from corpus import doc_prior
from evals import tuning_replay
from evals.tuning_replay import Order

READ = 12
CUTS = (1, 3, 5)


def _record(a: Any, question: str, platforms: list[str]) -> dict[str, Any]:
    hits = a.candidates(question, a.resolve_filters(question, platforms), k=READ)
    rel = [r.relevance for r in a.qa.read(question, [h.text for h in hits])]
    return {"ids": [h.record_id for h in hits], "dt": [h.doc_type for h in hits], "rel": rel}


def collect(data_dir: Path, sets: Path, models: list[Path], adapters: list[Path]
            ) -> dict[str, list[dict[str, Any]]]:
    """The fused top 12 and the fold model's relevance of each, per tuning question."""
    def fold_settings(k: int, settings: Any) -> Any:
        return replace(settings, qa="on", qa_model=str(models[k]), query_adapter="on",
                       query_adapter_model=str(adapters[k]))

    return tuning_replay.collect(data_dir, sets, fold_settings, _record)


def _hits(r: dict[str, Any]) -> list[Hit]:
    return [Hit(rid, "", "", dt, "", "", "") for rid, dt in zip(r["ids"], r["dt"], strict=True)]


def _readings(r: dict[str, Any], candidates: int) -> dict[str, Reading]:
    return {rid: Reading(rel, None, 0.0, 0.0, 0.0, 1.0)
            for rid, rel in list(zip(r["ids"], r["rel"], strict=True))[:candidates]}


def by_rank_fusion(candidates: int) -> Order:
    """The shipped rule (``assistant.rerank.rerank_hits``), the model reading ``candidates``."""
    def order(r: dict[str, Any]) -> list[str]:
        ranked = rerank_hits(_hits(r), _readings(r, candidates), keep=READ)
        return [h.record_id for h in ranked]
    return order


def by_weight(weight: float, candidates: int) -> Order:
    """The alternative: a read clause scores ``weight`` x (logit + log document-type prior) -
    log(fused rank), so the model moves a clause only as far as its margin carries it; clauses
    not read follow in their fused order."""
    prior = doc_prior.load()

    def order(r: dict[str, Any]) -> list[str]:
        n = min(candidates, len(r["ids"]))
        score = [weight * (r["rel"][i] + doc_prior.log_weight(prior, r["dt"][i]))
                 - math.log(i + 1) for i in range(n)]
        return [r["ids"][i] for i in sorted(range(n), key=lambda i: (-score[i], i))] + \
            r["ids"][n:]
    return order


def table(records: dict[str, list[dict[str, Any]]], weights: list[float],
          counts: list[int]) -> str:
    rules: list[tuple[str, Order]] = [("fused (no model)", lambda r: list(r["ids"]))]
    rules += [(f"rank fusion (shipped), read {n}", by_rank_fusion(n)) for n in counts]
    rules += [(f"weight {w:g}, read {n}", by_weight(w, n)) for n in counts for w in weights]
    return tuning_replay.table(records, rules, "rule", CUTS)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--readings", type=Path, required=True,
                    help="JSON of recorded readings: written when missing, else replayed")
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--sets", type=Path, help="the folder `python -m evals.tuning_sets` wrote")
    ap.add_argument("--models", type=Path, nargs=2, metavar=("F0", "F1"))
    ap.add_argument("--adapters", type=Path, nargs=2, metavar=("A0", "A1"))
    ap.add_argument("--weights", type=float, nargs="+",
                    default=[0.1, 0.2, 0.3, 0.5, 1.0])
    ap.add_argument("--read", type=int, nargs="+", default=[4, 8, 12])
    args = ap.parse_args(argv)
    ready = args.data_dir and args.sets and args.models and args.adapters
    records = tuning_replay.recorded(
        args.readings,
        (lambda: collect(args.data_dir, args.sets, args.models, args.adapters)) if ready
        else None, "--data-dir, --sets, --models and --adapters", ap.error)
    print(table(records, args.weights, args.read))


if __name__ == "__main__":
    main()
