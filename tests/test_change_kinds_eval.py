"""The change-kind eval (evals/change_kinds.py) on a store built from the fixtures, with a suite
written for the test, and the committed hand-labelled suite's shape."""

from __future__ import annotations

import json

from corpus import changes as ch
from corpus.ingest import ingest
from corpus.store import Store
from evals.change_kinds import HELDOUT, SUITE, evaluate, load_suite, main, report_text
from tests import trial_fixture as T
from tests.history_fixture import FIXTURE_HISTORY


def test_eval_counts_per_kind(tmp_path, capsys):
    data = tmp_path / "data"
    s = Store(data / "store.sqlite")
    ingest(s, [FIXTURE_HISTORY, T.write(tmp_path / "ota")])
    trial, cancel = ch.changes_for(s, "Coursera")
    videomeet = {r.kind: r for r in ch.changes_for(s, "Videomeet")}
    cases = [
        {"id": trial.change_id, "old_ids": trial.old_ids, "new_ids": trial.new_ids,
         "kind": "right-weakened"},
        # an ID that changed since labelling: found again by its record IDs
        {"id": "chg-gone-0000", "old_ids": cancel.old_ids, "new_ids": cancel.new_ids,
         "kind": "right-removed"},
        {"id": videomeet["removed"].change_id, "old_ids": videomeet["removed"].old_ids,
         "new_ids": [], "kind": "right-removed"},
        {"id": "chg-nowhere-0000", "old_ids": ["x"], "new_ids": ["y"], "kind": "editorial"},
    ]
    suite = tmp_path / "suite.jsonl"
    suite.write_text("".join(json.dumps(c) + "\n" for c in cases))
    result = evaluate(s, load_suite(suite))
    assert (result["cases"], result["found"], result["correct"]) == (4, 3, 2)
    assert result["missing"] == ["chg-nowhere-0000"]
    assert result["per_kind"]["right-removed"] == {
        "labelled": 2, "correct": 1, "predicted": 1, "precision_correct": 1}
    assert result["per_kind"]["right-weakened"] == {
        "labelled": 1, "correct": 1, "predicted": 2, "precision_correct": 1}
    assert result["confusions"] == [{"gold": "right-removed", "pred": "right-weakened", "n": 1}]
    text = report_text(result)
    assert text.splitlines()[0] == ("Change kinds: 2/3 correct (accuracy 0.667); substantive "
                                    "changes 2/3; editorial vs substantive 1.000")
    s.close()
    assert main(["--data-dir", str(data), "--suite", str(suite)]) == 0
    assert capsys.readouterr().out.startswith("Change kinds: 2/3 correct")


def test_committed_suites_are_hand_labelled_real_history():
    cases, heldout = load_suite(SUITE), load_suite(HELDOUT)
    assert (len(cases), len(heldout)) == (102, 40)
    ids = [c["id"] for c in cases + heldout]
    assert len(set(ids)) == len(ids)  # the held-out cases are new ones
    for c in cases + heldout:
        assert c["change"] in ("modified", "added", "removed")
        assert c["note"] and (c["old_ids"] or c["new_ids"])
    assert {c["sample"] for c in heldout} == {"heldout"}
