"""Score a suite only with models that never saw the question's platform.

The trained QA model learns from ToS;DR points of about 620 platforms, and the ToS;DR suite
asks about the same platforms. ``corpus.qa_training.fold_of`` splits platforms into two
folds; ``python -m assistant.qa_train --exclude-fold K`` trains a model without fold K. Here
each question is answered by the model that left its platform's fold out, and the two halves
are scored together. Questions that name no single platform are left out (counted).

    python -m evals.folds tosdr --data-dir DATA --models FOLD0_MODEL FOLD1_MODEL \
        [--adapters FOLD0_ADAPTER FOLD1_ADAPTER] --out DIR
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.cases import Case, load_cases
from evals.runner import latency_summary, resolve_target, run_cases, run_config, suite_metrics


def case_platform(a: Any, c: Case) -> str | None:
    names = [c.platform] if c.platform else c.platforms
    if c.type == "question" and c.meta.get("platform") and not names:
        names = [c.meta["platform"]]
    try:
        pids = a.resolve_filters(c.question or "x", names).platforms
    except Exception:
        return None
    return pids[0] if len(pids) == 1 else None


def evaluate_folds(target: str, settings: Any, models: tuple[Path, Path],
                   modes: tuple[str, ...] = ("hybrid",), limit: int | None = None,
                   adapters: tuple[Path, Path] | None = None) -> dict[str, Any]:
    """``adapters``: the question adapters trained without fold 0 and fold 1
    (``python -m assistant.adapter_train --exclude-fold K``); without them the adapter is off,
    since the shipped one saw every platform."""
    from assistant import Assistant
    from corpus.qa_training import fold_of

    path, fmt = resolve_target(target)
    if fmt != "suite":
        raise SystemExit("folds apply to case suites; PolicyQA's policies are never trained on")
    cases = load_cases(path)[:limit] if limit else load_cases(path)
    probe = Assistant(replace(settings, qa="off", query_adapter="off"))  # resolves platforms
    _ = probe.table  # loads the clause table once, before the cases
    fold: dict[str, int] = {}
    left_out = []
    for c in cases:
        pid = case_platform(probe, c)
        if pid is None:
            left_out.append(c.id)
        else:
            fold[c.id] = fold_of(pid)
    rows: list[dict[str, Any]] = []
    for k in (0, 1):
        adapter = ({"query_adapter": "on", "query_adapter_model": str(adapters[k])}
                   if adapters else {"query_adapter": "off"})
        a = Assistant(replace(settings, qa="on", qa_model=str(models[k]), **adapter),
                      store=probe.store, embedder=probe.embedder, chroma=probe.chroma)
        part = [c for c in cases if fold.get(c.id) == k]
        rows += run_cases(a, part, None, modes)["results"]
    metrics = {}
    for mode in modes:
        mine = [r for r in rows if r["mode"] == mode]
        metrics[mode] = suite_metrics(mine)
        metrics[mode].update(latency_summary([r["timings"] for r in mine if r.get("timings")]))
    config = run_config(probe, f"{path.stem} (grouped folds)", path, fmt, limit, modes)
    config["candidates_read"] = a.stages().candidates  # the probe runs without the model
    config["fold_models"] = [str(m) for m in models]
    config["fold_adapters"] = [str(m) for m in adapters] if adapters else "off"
    config["left_out"] = left_out
    config["per_fold"] = {k: sum(1 for v in fold.values() if v == k) for k in (0, 1)}
    return {"metrics": metrics, "results": rows, "latency": {}, "config": config,
            "notes": {"folds": "each question answered by the QA model (and the question "
                      "adapter, config.fold_adapters) trained without its platform's fold "
                      "(corpus.qa_training.fold_of); questions naming no single platform left "
                      "out (config.left_out)"}}


def main(argv: list[str] | None = None) -> int:
    from assistant import Settings
    from evals.report import write_report

    p = argparse.ArgumentParser(prog="python -m evals.folds", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("suite")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--models", nargs=2, type=Path, required=True,
                   help="the model trained without fold 0, then the one without fold 1")
    p.add_argument("--adapters", nargs=2, type=Path,
                   help="the question adapter trained without fold 0, then without fold 1 "
                   "(default: no adapter)")
    p.add_argument("--modes", nargs="+", default=["hybrid", "fused"])
    p.add_argument("--limit", type=int)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args(argv)
    settings = Settings.from_env(data_dir=a.data_dir)
    report = evaluate_folds(a.suite, settings, (a.models[0], a.models[1]), tuple(a.modes),
                            a.limit, (a.adapters[0], a.adapters[1]) if a.adapters else None)
    write_report(report, a.out)
    for mode, m in report["metrics"].items():
        keys = [k for k in ("hit@3", "recall@5", "mrr@10", "answered_correctly",
                            "yesno_lead_share", "yesno_lead_precision", "yesno_leads_wrong",
                            "yesno_cites_quote") if k in m]
        print(mode, " ".join(f"{k} {m[k]:.3f}" for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
