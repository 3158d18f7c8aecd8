"""Threshold calibration on hand-made evidence points whose best thresholds are known."""

import pytest

from evals.calibrate import Point, calibrate, points_from_report, score

POINTS = [
    Point(0.60, 0.20, False),  # answerable: strong clause, weak sentence
    Point(0.30, 0.90, False),  # answerable: weak clause, strong sentence
    Point(0.30, 0.30, True),  # unanswerable
    Point(0.25, 0.10, True),  # unanswerable
]


def test_score_counts_both_sides():
    ch = score(POINTS, 0.45, 0.6)
    assert (ch.abstain_recall, ch.answer_rate, ch.balanced_accuracy) == (1.0, 1.0, 1.0)
    ch = score(POINTS, 0.7, 0.95)  # abstains on everything
    assert (ch.abstain_recall, ch.answer_rate, ch.balanced_accuracy) == (1.0, 0.0, 0.5)


def test_calibrate_prefers_nearest_perfect_pair():
    # every pair with 0.30 < dense <= 0.60 and 0.30 < coverage <= 0.90 is perfect
    assert (calibrate(POINTS).dense, calibrate(POINTS).coverage) == (0.45, 0.6)
    best = calibrate(POINTS, current=(0.2, 0.2))
    assert (best.dense, best.coverage, best.balanced_accuracy) == (0.31, 0.32, 1.0)
    with pytest.raises(ValueError):
        calibrate([p for p in POINTS if not p.should_abstain])


def test_points_from_report_reads_one_mode():
    report = {"results": [
        {"mode": "hybrid", "type": "abstain", "top_dense": 0.2, "top_coverage": 0.1},
        {"mode": "hybrid", "type": "question", "top_dense": 0.7, "top_coverage": 0.8},
        {"mode": "lexical", "type": "question", "top_dense": 0.0, "top_coverage": 0.8},
        {"mode": "hybrid", "type": "record"},
    ]}
    assert points_from_report(report) == [Point(0.2, 0.1, True), Point(0.7, 0.8, False)]
