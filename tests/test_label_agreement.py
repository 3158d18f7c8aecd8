"""A second annotator's labels of the held-out sentences, scored against the held-out labels
(``python -m evals.label_heldout agree``)."""

from __future__ import annotations

import json
from pathlib import Path

from evals import label_heldout


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps({"id": r["id"], "labels": r["labels"],
                                        "severity": r["severity"]}) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_the_held_out_labels_agree_with_themselves_and_one_change_shows(tmp_path) -> None:
    gold = label_heldout.heldout_rows()
    same = label_heldout.agreement(_write(tmp_path / "same.jsonl", gold))
    e = same["systems"]["second annotator"]
    assert e["macro_f1"] == 1.0 and e["high_medium"]["support"] == 166
    assert e["high_medium"]["precision"] == e["high_medium"]["recall"] == 1.0
    # one High/Medium sentence read as Low, one unlabelled sentence given a category
    changed = [dict(r) for r in gold]
    hm = next(i for i, r in enumerate(changed) if r["severity"] in ("high", "medium"))
    changed[hm]["severity"] = "low"
    none = next(i for i, r in enumerate(changed) if not r["labels"])
    changed[none].update(labels=["data-use"], severity="low")
    e = label_heldout.agreement(_write(tmp_path / "one.jsonl", changed))["systems"][
        "second annotator"]
    assert e["high_medium"] == {"precision": 1.0, "recall": round(165 / 166, 3),
                                "f1": round(2 * 165 / (165 + 166), 3), "support": 166,
                                "predicted": 165}
    assert e["per_category"]["data-use"]["recall"] == 1.0
    assert e["per_category"]["data-use"]["precision"] < 1.0
    assert e["any_label"]["recall"] == 1.0 and e["any_label"]["predicted"] == 668


def test_a_second_reading_must_cover_every_sentence(tmp_path, capsys) -> None:
    gold = label_heldout.heldout_rows()
    path = _write(tmp_path / "short.jsonl", gold[:-1])
    assert label_heldout.main(["agree", str(path)]) == 2
    assert capsys.readouterr().err.startswith(
        f"error: {path} must label every held-out sentence once (1 missing, 905 given for "
        "906)")
