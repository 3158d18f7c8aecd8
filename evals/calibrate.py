"""Calibrate the answerer's abstention thresholds on eval reports.

The default answerer abstains when the best clause's cosine is below ``dense`` AND the best
sentence covers less than ``coverage`` of the question's weighted terms. Each report.json holds,
per question, the evidence numbers the answerer saw (``top_dense``, ``top_coverage``). This
sweeps both thresholds over the answerable questions (they should be answered) and the
unanswerable ones (``abstain`` cases: they should not), and picks the pair with the best
balanced accuracy; ties go to the pair that answers more, then to the one nearer the current
defaults. Usage:

    python -m evals.calibrate eval-reports/handwritten/report.json eval-reports/tosdr/report.json
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DENSE_GRID = [round(0.20 + 0.01 * i, 2) for i in range(51)]  # 0.20 .. 0.70
COVERAGE_GRID = [round(0.20 + 0.02 * i, 2) for i in range(41)]  # 0.20 .. 1.00


@dataclass(frozen=True)
class Point:
    dense: float
    coverage: float
    should_abstain: bool


@dataclass(frozen=True)
class Choice:
    dense: float
    coverage: float
    balanced_accuracy: float
    abstain_recall: float  # unanswerable questions the rule abstains on
    answer_rate: float  # answerable questions the rule answers
    n_answerable: int
    n_unanswerable: int


def points_from_report(report: dict[str, Any], mode: str = "hybrid") -> list[Point]:
    out = []
    for r in report.get("results", []):
        if r.get("mode") != mode or r.get("top_dense") is None or r.get("top_coverage") is None:
            continue
        if r.get("type") == "abstain":
            out.append(Point(r["top_dense"], r["top_coverage"], True))
        elif r.get("type") == "question" or "answers" in r:
            out.append(Point(r["top_dense"], r["top_coverage"], False))
    return out


def score(points: list[Point], dense: float, coverage: float) -> Choice:
    pos = [p for p in points if p.should_abstain]
    neg = [p for p in points if not p.should_abstain]
    abstains = [p.dense < dense and p.coverage < coverage for p in points]
    tp = sum(a for a, p in zip(abstains, points, strict=True) if p.should_abstain)
    tn = sum(not a for a, p in zip(abstains, points, strict=True) if not p.should_abstain)
    rec = tp / len(pos) if pos else 0.0
    ans = tn / len(neg) if neg else 0.0
    return Choice(dense, coverage, (rec + ans) / 2, rec, ans, len(neg), len(pos))


def calibrate(points: list[Point], current: tuple[float, float] = (0.45, 0.6)) -> Choice:
    if not any(p.should_abstain for p in points) or all(p.should_abstain for p in points):
        raise ValueError("calibration needs both answerable and unanswerable questions")
    best: tuple[tuple[float, float, float], Choice] | None = None
    for d in DENSE_GRID:
        for c in COVERAGE_GRID:
            ch = score(points, d, c)
            key = (ch.balanced_accuracy, ch.answer_rate,
                   -abs(d - current[0]) - abs(c - current[1]))
            if best is None or key > best[0]:
                best = (key, ch)
    assert best is not None
    return best[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Pick abstention thresholds from eval reports.")
    ap.add_argument("reports", nargs="+", type=Path)
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument("--current", nargs=2, type=float, default=(0.45, 0.6),
                    metavar=("DENSE", "COVERAGE"))
    args = ap.parse_args(argv)
    points: list[Point] = []
    for path in args.reports:
        points += points_from_report(json.loads(path.read_text()), args.mode)
    now = score(points, *args.current)
    best = calibrate(points, tuple(args.current))
    for name, ch in (("current", now), ("calibrated", best)):
        print(f"{name:>10}: dense {ch.dense:.2f} coverage {ch.coverage:.2f} -> balanced accuracy "
              f"{ch.balanced_accuracy:.3f} (abstains on {ch.abstain_recall:.3f} of "
              f"{ch.n_unanswerable} unanswerable, answers {ch.answer_rate:.3f} of "
              f"{ch.n_answerable} answerable)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
