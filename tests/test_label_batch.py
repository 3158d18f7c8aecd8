"""Drawing a batch of sentences for hand labelling and collecting the labelled worksheets
(evals/label_batch.py), on a small Open Terms Archive snapshot written here."""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import numpy as np
import pytest

from corpus import sentence_labels
from evals import label_batch, label_heldout
from tests.conftest import ota_snapshot


def _para(service: str, doc: str, k: int) -> str:
    return f"Sentence {k} of the {doc} of {service} says something about the service."


def _doc(service: str, doc: str, n: int) -> str:
    return f"# {doc}\n\n" + "\n\n".join(_para(service, doc, k) for k in range(n)) + "\n"


DOCS = {
    ("Alpha", "Terms of Service"): _doc("Alpha", "terms", 6),
    ("Alpha", "Privacy Policy"): _doc("Alpha", "policy", 6),
    ("Beta", "Terms of Service"): _doc("Beta", "terms", 6),      # held out
    ("Match", "Terms of Service"): _doc("Match", "terms", 6),    # excluded by name
    ("Gamma", "Terms of Service"): _doc("Gamma", "terms", 8),
    ("Delta", "Terms of Service"): _doc("Delta", "terms", 2),    # shorter than a run
    ("Copy", "Privacy Policy"): _doc("Alpha", "policy", 6),      # Alpha's policy again
    ("Epsilon", "Privacy Policy"): _doc("Epsilon", "policy", 5),
}


@pytest.fixture()
def snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = ota_snapshot(tmp_path / "ota", DOCS)
    # Alpha's privacy policy is labelled already (batch 1); Beta is held out
    alpha = sentence_labels.document_sentences(DOCS[("Alpha", "Privacy Policy")])
    labelled = tmp_path / "labels.jsonl"
    labelled.write_text("".join(json.dumps({
        "id": f"alpha-pp-{n}", "collection": "demo-versions", "platform": "Alpha",
        "doc_type": "Privacy Policy", "n": n, "sha256": sentence_labels.digest(t),
        "labels": [], "severity": "none", "batch": 1}) + "\n" for n, t in enumerate(alpha)),
        encoding="utf-8")
    monkeypatch.setattr(sentence_labels, "LABELS_FILE", labelled)
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text(json.dumps({"platform": "Beta", "text": _para("Beta", "terms", 0),
                                   "labels": [], "severity": "none"}) + "\n", encoding="utf-8")
    monkeypatch.setattr(label_heldout, "HELDOUT", heldout)
    return root


def _sheet(folder: Path, name: str) -> list[dict]:
    return [json.loads(x) for x in (folder / "sheets" / f"{name}.jsonl").read_text(
        encoding="utf-8").splitlines()]


def test_draw_takes_runs_of_unlabelled_services_and_passes_over_copies(snapshot, tmp_path,
                                                                       capsys):
    out = tmp_path / "batch"
    assert label_batch.main(["draw", "--ota", str(snapshot), "--seed", "7", "--tos", "2",
                             "--privacy", "1", "--run", "3", "--out", str(out)]) == 0
    drawn = json.loads((out / "drawn.json").read_text())
    # Alpha is labelled, Beta held out, Match excluded; Copy repeats Alpha's labelled policy
    assert sorted(d["sheet"] for d in drawn if "sheet" in d) == ["delta-tos", "epsilon-pp",
                                                                 "gamma-tos"]
    assert [d["platform"] for d in drawn if "passed_over" in d] == ["Copy"]
    assert not {d["platform"] for d in drawn} & {"Alpha", "Beta", "Match"}
    for name, doc in (("gamma-tos", ("Gamma", "Terms of Service")),
                      ("delta-tos", ("Delta", "Terms of Service")),
                      ("epsilon-pp", ("Epsilon", "Privacy Policy"))):
        sheet = _sheet(out, name)
        whole = sentence_labels.document_sentences(DOCS[doc])
        first = sheet[0]["n"]
        assert [s["n"] for s in sheet] == list(range(first, first + min(3, len(whole))))
        assert [s["text"] for s in sheet] == whole[first:first + 3]
        assert [s["id"] for s in sheet] == [f"{name}-{s['n']}" for s in sheet]
    assert "Copy Privacy Policy (demo-versions): sentences" in capsys.readouterr().out
    # the same seed draws the same runs
    again = tmp_path / "again"
    label_batch.main(["draw", "--ota", str(snapshot), "--seed", "7", "--tos", "2",
                      "--privacy", "1", "--run", "3", "--out", str(again)])
    assert json.loads((again / "drawn.json").read_text()) == drawn


def test_draw_passes_over_skipped_services_and_keeps_clear_of_the_labelled_file_given(
        snapshot, tmp_path):
    out = tmp_path / "skip"
    label_batch.main(["draw", "--ota", str(snapshot), "--seed", "7", "--tos", "1",
                      "--privacy", "1", "--run", "3", "--skip", "Gamma", "--out", str(out)])
    drawn = json.loads((out / "drawn.json").read_text())
    assert [(d["platform"], d.get("passed_over", d.get("sheet"))) for d in drawn] == [
        ("Gamma", "--skip"), ("Delta", "delta-tos"),
        ("Copy", "repeats sentences already labelled"), ("Epsilon", "epsilon-pp")]
    # with an empty labelled file, Alpha is drawable and Copy no longer repeats labelled text
    empty = tmp_path / "none.jsonl"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "fresh"
    label_batch.main(["draw", "--ota", str(snapshot), "--seed", "7", "--tos", "3",
                      "--privacy", "0", "--run", "3", "--labelled", str(empty), "--out",
                      str(out)])
    sheets = sorted(d["sheet"] for d in json.loads((out / "drawn.json").read_text())
                    if "sheet" in d)
    assert sheets == ["alpha-tos", "delta-tos", "gamma-tos"]  # Beta is still held out


def test_draw_says_when_too_few_documents_are_left(snapshot, tmp_path, capsys):
    assert label_batch.main(["draw", "--ota", str(snapshot), "--seed", "7", "--tos", "3",
                             "--privacy", "1", "--out", str(tmp_path / "b")]) == 2
    # seed 7 shuffles Gamma, Delta, Copy, Epsilon: the privacy policies come after the terms
    assert capsys.readouterr().err.startswith(
        "error: only 2 documents could be drawn; [('Terms of Service', 1), "
        "('Privacy Policy', 1)] still wanted")


def _label(out: Path, name: str, rows: list[tuple[list[str], str]]) -> None:
    sheet = _sheet(out, name)
    (out / "labelled").mkdir(exist_ok=True)
    (out / "labelled" / f"{name}.jsonl").write_text("".join(
        json.dumps({"id": s["id"], "labels": labels, "severity": sev}) + "\n"
        for s, (labels, sev) in zip(sheet, rows, strict=True)), encoding="utf-8")


def _drawn(snapshot: Path, tmp_path: Path) -> Path:
    """The batch every collect test labels: Gamma's and Delta's terms, Epsilon's policy (runs
    of 3, 2 and 3 sentences)."""
    out = tmp_path / "batch"
    assert label_batch.main(["draw", "--ota", str(snapshot), "--seed", "7", "--tos", "2",
                             "--privacy", "1", "--run", "3", "--out", str(out)]) == 0
    return out


def test_collect_checks_the_sheets_and_writes_rows_that_rebuild(snapshot, tmp_path, capsys):
    out = _drawn(snapshot, tmp_path)
    none = ([], "none")
    term = (["account-termination"], "medium")
    _label(out, "gamma-tos", [term, none, none])
    _label(out, "delta-tos", [none, none])
    _label(out, "epsilon-pp", [(["data-sale"], "favourable"), none, none])
    capsys.readouterr()
    rows_file = tmp_path / "rows.jsonl"
    assert label_batch.main(["collect", str(out), "--ota", str(snapshot), "--batch", "4",
                             "--out", str(rows_file)]) == 0
    assert capsys.readouterr().out.startswith("8 sentences of 3 documents, 2 labelled")
    rows = sentence_labels.read_labels(rows_file)
    assert {r.batch for r in rows} == {4}
    assert [r.labels for r in rows if r.labels] == [("account-termination",), ("data-sale",)]
    assert sum(r.against_user for r in rows) == 1
    texts = sentence_labels.texts(rows, snapshot)
    assert texts[0] == _sheet(out, "gamma-tos")[0]["text"]
    # the scoring command reads them back, one batch at a time
    got = label_heldout.batch_rows(rows_file, 4, snapshot)
    assert [g["text"] for g in got] == texts and got[0]["labels"] == ["account-termination"]
    with pytest.raises(label_batch.BadInput, match="has no sentences of batch 3"):
        label_heldout.batch_rows(rows_file, 3, snapshot)


def test_collect_appends_a_batch_to_a_packed_labels_file_once(snapshot, tmp_path, capsys):
    out = _drawn(snapshot, tmp_path)
    none = ([], "none")
    _label(out, "gamma-tos", [(["account-termination"], "medium"), none, none])
    _label(out, "delta-tos", [none, none])
    _label(out, "epsilon-pp", [none, none, none])
    packed = tmp_path / "labels.jsonl.xz"
    collect = ["collect", str(out), "--ota", str(snapshot), "--out", str(packed)]
    assert label_batch.main([*collect, "--batch", "4", "--append"]) == 2  # no file yet
    assert "does not exist" in capsys.readouterr().err
    # the fixture's labels file (Alpha's policy, batch 1), packed
    earlier = sentence_labels.LABELS_FILE.read_text(encoding="utf-8")
    packed.write_bytes(lzma.compress(earlier.encode()))
    assert label_batch.main([*collect, "--batch", "4", "--append"]) == 0
    rows = sentence_labels.read_labels(packed)
    assert [r.batch for r in rows] == [1] * 6 + [4] * 8
    assert [r.id for r in rows[:6]] == [r.id for r in sentence_labels.read_labels()]
    assert lzma.decompress(packed.read_bytes()).decode().startswith(earlier)
    capsys.readouterr()
    assert label_batch.main([*collect, "--batch", "5", "--append"]) == 2
    assert "already holds 8 of these ids (delta-tos-" in capsys.readouterr().err
    assert len(sentence_labels.read_labels(packed)) == 14  # unchanged


@pytest.mark.parametrize(("rows", "message"), [
    ([(["no-such-category"], "low"), ([], "none"), ([], "none")],
     r"gamma-tos-\d+: \['no-such-category'\] not in the taxonomy"),
    ([(["data-sale"], "none"), ([], "none"), ([], "none")],
     r"gamma-tos-\d+: severity 'none' does not fit labels \['data-sale'\]"),
    ([([], "none"), ([], "none")], "the ids are not those of its worksheet"),
])
def test_collect_refuses_a_bad_sheet(snapshot, tmp_path, capsys, rows, message):
    out = _drawn(snapshot, tmp_path)
    _label(out, "delta-tos", [([], "none"), ([], "none")])
    _label(out, "epsilon-pp", [([], "none")] * 3)
    if len(rows) == 3:
        _label(out, "gamma-tos", rows)
    else:  # a sheet one sentence short
        sheet = _sheet(out, "gamma-tos")[:2]
        (out / "labelled" / "gamma-tos.jsonl").write_text("".join(
            json.dumps({"id": s["id"], "labels": [], "severity": "none"}) + "\n"
            for s in sheet), encoding="utf-8")
    assert label_batch.main(["collect", str(out), "--ota", str(snapshot), "--batch", "4",
                             "--out", str(tmp_path / "rows.jsonl")]) == 2
    import re

    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "rows.jsonl").exists()


def test_collect_says_which_line_of_a_labelled_sheet_is_not_json(snapshot, tmp_path, capsys):
    out = _drawn(snapshot, tmp_path)
    for name, n in (("gamma-tos", 3), ("delta-tos", 2), ("epsilon-pp", 3)):
        _label(out, name, [([], "none")] * n)
    sheet = out / "labelled" / "delta-tos.jsonl"
    lines = sheet.read_text(encoding="utf-8").splitlines()
    sheet.write_text(lines[0] + "\n" + lines[1][:-1] + "\n", encoding="utf-8")  # cut short
    assert label_batch.main(["collect", str(out), "--ota", str(snapshot), "--batch", "4",
                             "--out", str(tmp_path / "rows.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {sheet}:2: not JSON (") and err.count("\n") == 1


def test_collect_needs_every_drawn_document_labelled(snapshot, tmp_path, capsys):
    out = _drawn(snapshot, tmp_path)
    _label(out, "gamma-tos", [([], "none")] * 3)
    assert label_batch.main(["collect", str(out), "--ota", str(snapshot), "--batch", "4",
                             "--out", str(tmp_path / "rows.jsonl")]) == 2
    assert "labelled/delta-tos.jsonl is missing" in capsys.readouterr().err


def test_collect_refuses_a_worksheet_text_the_snapshot_does_not_have(snapshot, tmp_path,
                                                                     capsys):
    out = _drawn(snapshot, tmp_path)
    for name, n in (("gamma-tos", 3), ("delta-tos", 2), ("epsilon-pp", 3)):
        _label(out, name, [([], "none")] * n)
    sheet = out / "sheets" / "delta-tos.jsonl"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("Sentence 0", "Sentence 9", 1),
                     encoding="utf-8")
    assert label_batch.main(["collect", str(out), "--ota", str(snapshot), "--batch", "4",
                             "--out", str(tmp_path / "rows.jsonl")]) == 2
    assert ("delta-tos-0: sentence 0 of Delta Terms of Service does not match the labelled "
            "text") in capsys.readouterr().err


def test_scoring_a_batch_the_file_lacks_is_one_line(snapshot, tmp_path, capsys):
    empty = tmp_path / "none.jsonl"
    empty.write_text("", encoding="utf-8")
    assert label_heldout.main(["score", "--sentences", str(empty), "--batch", "4", "--ota",
                               str(snapshot)]) == 2
    assert capsys.readouterr().err == f"error: {empty} has no sentences of batch 4\n"


def _fake_gate(texts: list[str]) -> tuple[np.ndarray, float]:
    """Sentence 1 of each document is called High/Medium (0.9), sentence 2 sits just below the
    threshold (0.2 >= 0.5 x 0.3), sentence 3 far below it; the rest get no category (NaN)."""
    score = {"Sentence 1 ": 0.9, "Sentence 2 ": 0.2, "Sentence 3 ": 0.05}
    return np.array([next((v for k, v in score.items() if t.startswith(k)), np.nan)
                     for t in texts]), 0.3


@pytest.mark.parametrize("per_document, chosen", [
    (1, {"alpha-tos": [1], "gamma-tos": [1], "delta-tos": [1], "epsilon-pp": [1]}),
    (2, {"alpha-tos": [1, 2], "gamma-tos": [1, 2], "delta-tos": [1], "epsilon-pp": [1, 2]}),
])
def test_select_takes_sentences_the_gate_finds_hard_from_documents_not_held_out(
        snapshot, tmp_path, per_document, chosen):
    out = tmp_path / "batch"
    drawn = label_batch.select(snapshot, 7, 100, out, _fake_gate, per_document=per_document)
    # Beta is held out (all its documents), Match excluded, Alpha's policy and its copy labelled
    assert {d["sheet"]: d["selected"] for d in drawn} == {k: len(v) for k, v in chosen.items()}
    for name, ns in chosen.items():
        assert [r["n"] for r in _sheet(out, name)] == ns
    gamma = _sheet(out, "gamma-tos")[0]
    assert gamma["id"] == "gamma-tos-1" and gamma["text"] == _para("Gamma", "terms", 1)
    assert (gamma["before"], gamma["after"]) == (_para("Gamma", "terms", 0),
                                                 _para("Gamma", "terms", 2))
    assert _sheet(out, "delta-tos")[0]["after"] == ""  # Delta's last sentence


def test_select_names_a_sheet_by_its_collection_when_an_earlier_round_took_its_ids(
        snapshot, tmp_path):
    # an earlier round labelled sentence 1 of Gamma's terms in another collection as gamma-tos-1
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text(sentence_labels.LABELS_FILE.read_text(encoding="utf-8") + json.dumps({
        "id": "gamma-tos-1", "collection": "other-versions", "platform": "Gamma",
        "doc_type": "Terms of Service", "n": 1, "sha256": sentence_labels.digest("elsewhere"),
        "labels": [], "severity": "none", "batch": 6}) + "\n", encoding="utf-8")
    out = tmp_path / "batch"
    drawn = label_batch.select(snapshot, 7, 100, out, _fake_gate, per_document=1,
                               labelled_file=earlier)
    assert sorted(d["sheet"] for d in drawn) == ["alpha-tos", "delta-tos", "epsilon-pp",
                                                 "gamma-tos-demo-versions"]
    assert _sheet(out, "gamma-tos-demo-versions")[0]["id"] == "gamma-tos-demo-versions-1"


def test_select_scores_every_unlabelled_sentence_once(snapshot, tmp_path, capsys):
    seen: list[str] = []

    def gate(texts: list[str]) -> tuple[np.ndarray, float]:
        seen.extend(texts)
        return _fake_gate(texts)

    label_batch.select(snapshot, 7, 4, tmp_path / "b", gate)
    # Alpha's terms 6 + Gamma 8 + Delta 2 + Epsilon 5; not Beta, Match, Alpha's policy or Copy
    assert len(seen) == len(set(seen)) == 21
    assert not any("Beta" in t or "Match" in t or "policy of Alpha" in t for t in seen)
    assert "21 sentences scored" in capsys.readouterr().err
