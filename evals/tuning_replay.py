"""What the answering-stage sweeps (``evals.rerank_sweep``, ``evals.fusion_sweep``) share: one
walk over the training-side tuning sets of ``python -m evals.tuning_sets``, each question asked
of an assistant built for its platform's fold, and hit rates of a replayed order.

The sets (``SETS``: name, records key, gold key):

- ``opp-span`` / ``opp-text``: 600 PolicyQA-style questions on OPP-115 training policies (gold:
  clauses overlapping the answer span / any clause of the policy holding the answer text);
- ``tosdr``: the 49 ToS;DR (platform, case) items no suite asks, one wording each;
- ``tosdr-wordings``: the same items in each of their case's training wordings (147).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

SETS = (("opp-span", "opp", "span"), ("opp-text", "opp", "text"), ("tosdr", "tosdr", "text"),
        ("tosdr-wordings", "tosdr-wordings", "text"))
Record = Callable[[Any, str, list[str]], dict[str, Any]]  # (assistant, question, platforms)
Order = Callable[[dict[str, Any]], list[str]]


def collect(data_dir: Path, sets: Path, fold_settings: Callable[[int, Any], Any],
            record: Record) -> dict[str, list[dict[str, Any]]]:
    """``record`` of every tuning question, asked of an assistant whose settings are
    ``fold_settings(K, settings)`` for the questions of fold K (models trained without K), with
    the question's fold and gold clauses added. The OPP-115 sets are indexed under the data
    dir's ``cache/suites`` as ``policy-assistant eval`` indexes a SQuAD file."""
    from assistant import Assistant, Settings
    from corpus.qa_training import fold_of
    from evals.cases import load_cases
    from evals.folds import case_platform
    from evals.runner import squad_qrels
    from evals.squad import load_squad

    base = Settings.from_env(data_dir=data_dir, threads=1)
    out: dict[str, list[dict[str, Any]]] = {"opp": [], "tosdr": [], "tosdr-wordings": []}
    probe = Assistant(replace(base, qa="off", query_adapter="off"))
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
        a = Assistant(fold_settings(k, base), store=probe.store, embedder=probe.embedder,
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


def hit_rates(records: list[dict[str, Any]], gold: str, order: Order, cuts: Sequence[int]
              ) -> tuple[int, list[float]]:
    """(questions with a gold clause, share of them with one in the top k of ``order``, for
    each k in ``cuts``)."""
    rows = [r for r in records if r[gold]]
    found = [0] * len(cuts)
    for r in rows:
        ranked, g = order(r), set(r[gold])
        for j, k in enumerate(cuts):
            found[j] += any(x in g for x in ranked[:k])
    return len(rows), [x / max(1, len(rows)) for x in found]


def table(records: dict[str, list[dict[str, Any]]], rules: list[tuple[str, Order]],
          first: str, cuts: Sequence[int]) -> str:
    """A Markdown table: one row per (label, order), hit@cuts per set; ``first`` heads the
    label column."""
    at = "/".join(str(c) for c in cuts)
    sizes = [hit_rates(records[src], gold, lambda r: [], cuts)[0] for _, src, gold in SETS]
    lines = [f"| {first} | " + " | ".join(f"{name} ({n}) hit@{at}" for (name, _, _), n
                                          in zip(SETS, sizes, strict=True)) + " |",
             "|---|" + "---|" * len(SETS)]
    for label, order in rules:
        cells = [" / ".join(f"{x:.3f}" for x in hit_rates(records[src], gold, order, cuts)[1])
                 for _, src, gold in SETS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def recorded(path: Path, record: Callable[[], Any] | None, needs: str,
             error: Callable[[str], NoReturn]) -> Any:
    """The readings recorded at ``path``; when the file is missing they are recorded first with
    ``record`` (None: the arguments that recording ``needs`` were not all given, and ``error``
    says so)."""
    if not path.exists():
        if record is None:
            error(f"{path} does not exist: recording it needs {needs}")
        path.write_text(json.dumps(record()))
    return json.loads(path.read_text())
