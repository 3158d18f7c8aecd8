"""Choose the yes/no lead threshold on held-out training data, never on an evaluation suite.

For each fold K, the QA model trained without fold K reads the ToS;DR yes/no groups of fold
K's platforms (``qa_groups.jsonl`` from ``policy-assistant train-data``): the answering
passage (truth: its yes / no) and the group's lexically hardest non-answering passage (truth:
no lead). For every threshold it prints the leads given, the share right and the share of
answering passages that get a lead; a lead on a non-answering passage counts as wrong.

    python -m evals.calibrate_lead --data DIR/qa_groups.jsonl.xz --models F0 F1 --sample 800
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99)


def sweep(rows: list[tuple[int, float, float]]) -> list[dict[str, Any]]:
    """rows: (truth 0 yes / 1 no / 2 none, p_yes, p_no)."""
    out = []
    answering = sum(1 for t, _, _ in rows if t < 2)
    for tau in GRID:
        given = right = 0
        for truth, p_yes, p_no in rows:
            lead = 0 if p_yes >= tau else 1 if p_no >= tau else None
            if lead is None:
                continue
            given += 1
            right += lead == truth
        out.append({"threshold": tau, "leads": given, "precision": right / given if given
                    else 1.0, "answering_led": right / answering if answering else 0.0})
    return out


def main(argv: list[str] | None = None) -> int:
    from assistant.qa_model import QAModel
    from assistant.qa_train import read_groups

    p = argparse.ArgumentParser(prog="python -m evals.calibrate_lead", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--models", nargs=2, type=Path, required=True,
                   help="the model trained without fold 0, then the one without fold 1")
    p.add_argument("--sample", type=int, default=800, help="groups per fold")
    p.add_argument("--cache-dir", type=Path, default=Path("/tmp/policy-assistant-calibrate"))
    a = p.parse_args(argv)
    rows: list[tuple[int, float, float]] = []
    groups = [g for g in read_groups(a.data, sources=("tosdr",)) if g["pol"] is not None]
    for k in (0, 1):
        mine = [g for g in groups if g["fold"] == k]
        random.Random(k).shuffle(mine)
        model = QAModel(a.models[k], cache_dir=a.cache_dir, threads=2)
        for g in mine[: a.sample]:
            passages = [g["pos"]] + g["negs"][:1]
            for truth, r in zip([g["pol"], 2], model.read(g["q"], passages), strict=False):
                rows.append((truth, r.yes, r.no))
    table = sweep(rows)
    print(json.dumps({"pairs": len(rows), "sweep": table}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
