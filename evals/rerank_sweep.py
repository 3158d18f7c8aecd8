"""How the cross-encoder's relevance is combined with the fused rank, and how many candidates
it reads, replayed on the training-side tuning sets (``python -m evals.tuning_sets``) with the
fold models, so no evaluation suite is looked at.

    python -m evals.rerank_sweep --data-dir DATA --sets DIR --models F0 F1 --adapters A0 A1 \
        --readings FILE.json

Each question of fold K is answered by the QA model and question adapter trained without
fold K: the fused top 12 are recorded with the model's relevance of each (about 12 minutes on
one thread for the 796 questions), written to ``--readings``; a later run with an existing
file only replays. The replay orders the candidates by the shipped rule
(``assistant.rerank.rerank_hits``: reciprocal-rank fusion of the fused rank and the model's
rank) and by a margin-weighted alternative (``weight`` x (logit + log prior) - log(fused rank),
tried on 2026-11-29 and not shipped, see evals/README.md) at each ``--weights`` value and
candidate count, beside the fused order, and prints hit@1/3/5 per set:

- ``opp-span`` / ``opp-text``: 600 PolicyQA-style questions on OPP-115 training policies (gold:
  clauses overlapping the answer span / any clause of the policy holding the answer text);
- ``tosdr``: the 49 ToS;DR (platform, case) items no suite asks, one wording each;
- ``tosdr-wordings``: the same items in each of their case's training wordings (147).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant import Hit, rerank_hits
from assistant.qa_model import Reading
from corpus import doc_prior

SETS = (("opp-span", "opp", "span"), ("opp-text", "opp", "text"), ("tosdr", "tosdr", "text"),
        ("tosdr-wordings", "tosdr-wordings", "text"))
READ = 12


def _record(a: Any, question: str, platforms: list[str]) -> dict[str, Any]:
    hits = a.candidates(question, a.resolve_filters(question, platforms), k=READ)
    rel = [r.relevance for r in a.qa.read(question, [h.text for h in hits])]
    return {"ids": [h.record_id for h in hits], "dt": [h.doc_type for h in hits], "rel": rel}


def collect(data_dir: Path, sets: Path, models: list[Path], adapters: list[Path]
            ) -> dict[str, list[dict[str, Any]]]:
    """The fused top 12 and the fold model's relevance of each, per tuning question."""
    from assistant import Assistant, Settings
    from corpus.qa_training import fold_of
    from evals.cases import load_cases
    from evals.folds import case_platform
    from evals.runner import squad_qrels
    from evals.squad import load_squad

    base = Settings.from_env(data_dir=data_dir, threads=1)
    out: dict[str, list[dict[str, Any]]] = {"opp": [], "tosdr": [], "tosdr-wordings": []}
    probe = Assistant(replace(base, qa="off", query_adapter="off"))

    def fold_assistant(k: int, **parts: Any) -> Any:
        return Assistant(replace(parts.pop("settings", base), qa="on", qa_model=str(models[k]),
                                 query_adapter="on", query_adapter_model=str(adapters[k])),
                         **parts)

    for k in (0, 1):
        squad = load_squad(sets / f"opp115-train-f{k}.json")
        suite_dir = base.cache_dir / "suites" / f"{squad.sha256[:16]}-{base.embedder}"
        own = replace(base, data_dir=suite_dir, chroma_url="")
        a = fold_assistant(k, settings=own, embedder=probe.embedder)
        a.ingest_documents(squad.documents)
        overlap, holds, _ = squad_qrels(a, squad)
        for q in squad.questions:
            out["opp"].append({**_record(a, q.question, [q.platform]), "fold": k,
                               "span": sorted(overlap[q.qid]), "text": sorted(holds[q.qid])})
        print(f"OPP-115 fold {k}: {len(out['opp'])} questions", flush=True)
    wordings = {name.strip(): v["questions"] for name, v in json.loads(
        (Path(__file__).parents[1] / "corpus" / "tosdr_questions.json").read_text()
    )["cases"].items()}
    cases = load_cases(sets / "tosdr-untemplated.jsonl")
    for k in (0, 1):
        a = fold_assistant(k, store=probe.store, embedder=probe.embedder, chroma=probe.chroma)
        for c in cases:
            pid = case_platform(probe, c)
            if pid is None or fold_of(pid) != k:
                continue
            gold = {"fold": k, "text": sorted(c.expected)}
            out["tosdr"].append({**_record(a, c.question, c.platforms), **gold})
            for w in wordings[c.meta["case"].strip()]:
                q = w.replace("{platform}", c.meta["platform"])
                out["tosdr-wordings"].append({**_record(a, q, c.platforms), **gold})
        print(f"ToS;DR fold {k}: {len(out['tosdr'])} items", flush=True)
    return out


def _hits(r: dict[str, Any]) -> list[Hit]:
    return [Hit(rid, "", "", dt, "", "", "") for rid, dt in zip(r["ids"], r["dt"], strict=True)]


def _readings(r: dict[str, Any], candidates: int) -> dict[str, Reading]:
    return {rid: Reading(rel, None, 0.0, 0.0, 0.0, 1.0)
            for rid, rel in list(zip(r["ids"], r["rel"], strict=True))[:candidates]}


def by_rank_fusion(candidates: int) -> Callable[[dict[str, Any]], list[str]]:
    """The shipped rule (``assistant.rerank.rerank_hits``), the model reading ``candidates``."""
    def order(r: dict[str, Any]) -> list[str]:
        ranked = rerank_hits(_hits(r), _readings(r, candidates), keep=READ)
        return [h.record_id for h in ranked]
    return order


def by_weight(weight: float, candidates: int) -> Callable[[dict[str, Any]], list[str]]:
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


def hits_at(records: list[dict[str, Any]], gold: str, order: Callable[[dict[str, Any]], list[str]]
            ) -> tuple[int, list[float]]:
    rows = [r for r in records if r[gold]]
    found = [0, 0, 0]
    for r in rows:
        ranked, g = order(r), set(r[gold])
        for j, k in enumerate((1, 3, 5)):
            found[j] += any(x in g for x in ranked[:k])
    return len(rows), [x / max(1, len(rows)) for x in found]


def table(records: dict[str, list[dict[str, Any]]], weights: list[float],
          counts: list[int]) -> str:
    rules: list[tuple[str, Callable[[dict[str, Any]], list[str]]]] = [
        ("fused (no model)", lambda r: list(r["ids"]))]
    rules += [(f"rank fusion (shipped), read {n}", by_rank_fusion(n)) for n in counts]
    rules += [(f"weight {w:g}, read {n}", by_weight(w, n)) for n in counts for w in weights]
    sizes = {name: hits_at(records[src], gold, lambda r: r["ids"])[0] for name, src, gold in SETS}
    head = "| rule | " + " | ".join(f"{name} ({sizes[name]}) hit@1/3/5" for name, _, _ in SETS)
    lines = [head + " |", "|---|" + "---|" * len(SETS)]
    for label, order in rules:
        cells = [" / ".join(f"{x:.3f}" for x in hits_at(records[src], gold, order)[1])
                 for _, src, gold in SETS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
    if not args.readings.exists():
        if not (args.data_dir and args.sets and args.models and args.adapters):
            ap.error(f"{args.readings} does not exist: recording it needs --data-dir, --sets, "
                     "--models and --adapters")
        records = collect(args.data_dir, args.sets, args.models, args.adapters)
        args.readings.write_text(json.dumps(records))
    records = json.loads(args.readings.read_text())
    print(table(records, args.weights, args.read))


if __name__ == "__main__":
    main()
