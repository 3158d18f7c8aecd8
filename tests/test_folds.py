"""Grouped-fold evaluation (``evals.folds``) on the fixture corpus, with the answering model
switched off in the column run (so the fold models' paths are never opened)."""

from __future__ import annotations

from dataclasses import replace

from conftest import FIXTURES

from assistant.rerank import CANDIDATES
from evals.folds import evaluate_folds

SUITE = FIXTURES / "evals" / "suite.jsonl"


def test_the_report_records_how_many_candidates_the_fold_models_read(fixture_assistant,
                                                                     tmp_path):
    """The probe that resolves platforms runs without the model; the figure is the one the
    fold assistants read by (the setting, else the default)."""
    models = (tmp_path / "no-model-0", tmp_path / "no-model-1")
    settings = fixture_assistant.settings
    default = evaluate_folds(str(SUITE), settings, models, modes=("fused",))
    three = evaluate_folds(str(SUITE), replace(settings, candidates=3), models,
                           modes=("fused",))
    assert default["config"]["candidates_read"] == CANDIDATES
    assert three["config"]["candidates_read"] == 3

    def quality(report: dict) -> dict:
        return {k: v for k, v in report["metrics"]["fused"].items() if "_ms" not in k}

    assert quality(default) == quality(three)  # the model never ran
    assert quality(default)["hit@3"] > 0
