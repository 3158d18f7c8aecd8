"""The dense list's weight in hybrid fusion (``assistant/retrieve.py``: ``DENSE_WEIGHT``),
replayed on the training-side tuning sets (``python -m evals.tuning_sets``) with the fold
question adapters, so no evaluation suite is looked at.

    python -m evals.fusion_sweep --data-dir DATA --sets DIR --adapters A0 A1 --lists FILE.json

Each question of fold K is searched with the question adapter trained without fold K: each
retriever's 40 candidates (the depth fusion takes) and the hybrid top 12 are recorded once
(a few minutes; no QA model runs), written to ``--lists``; a later run with an existing file
only replays. The replay fuses the two lists as retrieval does (reciprocal rank, k 60, the
dense list weighted, ties by record ID) at each ``--weights`` value, beside dense alone, and
prints text-hit@1/3/5/10/12 per set (the sets of ``evals.rerank_sweep``). The recorded hybrid
lists check the replay: at the shipped weight it must give the same top 12.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.rerank_sweep import SETS

DEPTH = 40
CUTS = (1, 3, 5, 10, 12)
RRF_K = 60  # as assistant/retrieve.py


def fuse(dense: list[str], lexical: list[str], weight: float) -> list[str]:
    """Reciprocal-rank fusion as ``assistant.retrieve`` fuses: the dense list's votes count
    ``weight``, the lexical list's 1; ties broken by record ID."""
    score: dict[str, float] = {}
    for rank, rid in enumerate(dense, 1):
        score[rid] = score.get(rid, 0.0) + weight / (RRF_K + rank)
    for rank, rid in enumerate(lexical, 1):
        score[rid] = score.get(rid, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(score, key=lambda rid: (-score[rid], rid))


def record(a: Any, question: str, platforms: list[str]) -> dict[str, Any]:
    f = a.resolve_filters(question, platforms)
    return {m: [h.record_id for h in a.candidates(question, f, k=DEPTH if m != "hybrid"
                                                  else CUTS[-1], mode=m)]
            for m in ("dense", "lexical", "hybrid")}


def collect(data_dir: Path, sets: Path, adapters: list[Path]) -> dict[str, list[dict[str, Any]]]:
    """Each retriever's candidates and the hybrid top 12, per tuning question."""
    from assistant import Assistant, Settings
    from corpus.qa_training import fold_of
    from evals.cases import load_cases
    from evals.folds import case_platform
    from evals.runner import squad_qrels
    from evals.squad import load_squad

    base = Settings.from_env(data_dir=data_dir, threads=1)
    out: dict[str, list[dict[str, Any]]] = {"opp": [], "tosdr": [], "tosdr-wordings": []}
    probe = Assistant(replace(base, qa="off", query_adapter="off"))

    def fold_settings(k: int, settings: Any = base) -> Any:
        return replace(settings, qa="off", query_adapter="on",
                       query_adapter_model=str(adapters[k]))

    for k in (0, 1):
        squad = load_squad(sets / f"opp115-train-f{k}.json")
        suite_dir = base.cache_dir / "suites" / f"{squad.sha256[:16]}-{base.embedder}"
        a = Assistant(fold_settings(k, replace(base, data_dir=suite_dir, chroma_url="")),
                      embedder=probe.embedder)
        a.ingest_documents(squad.documents)
        overlap, holds, _ = squad_qrels(a, squad)
        for q in squad.questions:
            out["opp"].append({**record(a, q.question, [q.platform]), "fold": k,
                               "span": sorted(overlap[q.qid]), "text": sorted(holds[q.qid])})
        print(f"OPP-115 fold {k}: {len(out['opp'])} questions", flush=True)
    wordings = {name.strip(): v["questions"] for name, v in json.loads(
        (Path(__file__).parents[1] / "corpus" / "tosdr_questions.json").read_text()
    )["cases"].items()}
    cases = load_cases(sets / "tosdr-untemplated.jsonl")
    for k in (0, 1):
        a = Assistant(fold_settings(k), store=probe.store, embedder=probe.embedder,
                      chroma=probe.chroma)
        for c in cases:
            pid = case_platform(probe, c)
            if pid is None or fold_of(pid) != k:
                continue
            gold = {"fold": k, "text": sorted(c.expected)}
            out["tosdr"].append({**record(a, c.question, c.platforms), **gold})
            for w in wordings[c.meta["case"].strip()]:
                q = w.replace("{platform}", c.meta["platform"])
                out["tosdr-wordings"].append({**record(a, q, c.platforms), **gold})
        print(f"ToS;DR fold {k}: {len(out['tosdr'])} items", flush=True)
    return out


def replay_matches(records: dict[str, list[dict[str, Any]]], weight: float) -> tuple[int, int]:
    """How many recorded hybrid top-12 lists the replay at ``weight`` reproduces exactly."""
    rows = [r for src in records.values() for r in src]
    same = sum(fuse(r["dense"], r["lexical"], weight)[:len(r["hybrid"])] == r["hybrid"]
               for r in rows)
    return same, len(rows)


def table(records: dict[str, list[dict[str, Any]]], weights: list[float]) -> str:
    heads = []
    for name, src, gold in SETS:
        n = sum(1 for r in records[src] if r[gold])
        heads.append(f"{name} ({n}) hit@" + "/".join(str(c) for c in CUTS))
    lines = ["| dense weight | " + " | ".join(heads) + " |", "|---|" + "---|" * len(SETS)]
    def by_weight(w: float) -> Callable[[dict[str, Any]], list[str]]:
        return lambda r: fuse(r["dense"], r["lexical"], w)

    orders = [(f"{w:g}", by_weight(w)) for w in weights]
    orders.append(("dense alone", lambda r: list(r["dense"])))
    for label, order in orders:
        cells = []
        for _, src, gold in SETS:
            rows = [r for r in records[src] if r[gold]]
            found = [sum(any(x in set(r[gold]) for x in order(r)[:c]) for r in rows)
                     for c in CUTS]
            cells.append(" / ".join(f"{x / max(1, len(rows)):.3f}" for x in found))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from assistant.retrieve import DENSE_WEIGHT

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lists", type=Path, required=True,
                    help="JSON of recorded candidate lists: written when missing, else replayed")
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--sets", type=Path, help="the folder `python -m evals.tuning_sets` wrote")
    ap.add_argument("--adapters", type=Path, nargs=2, metavar=("A0", "A1"))
    ap.add_argument("--weights", type=float, nargs="+", default=[0, 0.5, 1, 1.5, 2, 3])
    args = ap.parse_args(argv)
    if not args.lists.exists():
        if not (args.data_dir and args.sets and args.adapters):
            ap.error(f"{args.lists} does not exist: recording it needs --data-dir, --sets and "
                     "--adapters")
        args.lists.write_text(json.dumps(collect(args.data_dir, args.sets, args.adapters)))
    records = json.loads(args.lists.read_text())
    same, n = replay_matches(records, DENSE_WEIGHT)
    print(f"replay at the shipped weight {DENSE_WEIGHT:g} reproduces {same} of {n} recorded "
          "hybrid top-12 lists")
    print(table(records, args.weights))


if __name__ == "__main__":
    main()
