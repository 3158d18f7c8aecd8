"""The severity gate: trained on hand-labelled sentences, it decides High/Medium against the
rest on top of the ToS;DR neighbour rule; the labelled sentences are rebuilt from a snapshot."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from assistant.embedder import HashEmbedder
from assistant.labels import (
    assessments_from_points,
    assign,
    read_model,
    save_model,
    train_labels,
    training_set,
)
from corpus import sentence_labels
from corpus.classify import train
from corpus.errors import BadInput
from corpus.severity import gated
from corpus.severity_gate import (
    SeverityGate,
    fits,
    gate_threshold,
    neighbour_features,
    precision_at_recall,
    train_gate,
)
from tests.conftest import FIXTURES, ota_snapshot

POINTS = FIXTURES / "label_points.jsonl"
SHARED_OTA = Path(__file__).resolve().parents[2] / "shared" / "policy-docs" / "ota"

AGAINST = ["We may terminate your account at any time without notice.",
           "You waive any right to a class action and agree to binding arbitration.",
           "We may sell your personal information to data brokers.",
           "We may change these terms at any time without telling you."]
BENIGN = ["You may delete your account at any time from the settings page.",
          "We do not sell your personal information.",
          "You must be at least 13 years old to use the service.",
          "Contact our support team if you have questions."]


def _sentences(n_services: int = 6) -> tuple[list[str], np.ndarray, list[str]]:
    texts, y, groups = [], [], []
    for k in range(n_services):
        for t in AGAINST:
            texts.append(f"{t} (Service {k})")
            y.append(True)
            groups.append(f"s{k}")
        for t in BENIGN:
            texts.append(f"{t} (Service {k})")
            y.append(False)
            groups.append(f"s{k}")
    return texts, np.array(y), groups


def _gate() -> tuple[SeverityGate, list[int]]:
    texts, y, groups = _sentences()
    v = HashEmbedder().embed(texts)
    zeros = np.zeros((len(texts), 3), np.float32)
    ticks: list[int] = []
    gate = train_gate(v, zeros, zeros, zeros, texts, y, groups, tick=ticks.append)
    return gate, ticks


def v_dim() -> int:
    return HashEmbedder().embed(["x"]).shape[1]


def test_the_gate_learns_which_sentences_are_against_the_user() -> None:
    gate, ticks = _gate()
    assert len(ticks) == fits([f"s{k}" for k in range(6)]) == 7  # 6 folds + the final fit
    assert gate.info["sentences"] == 48 and gate.info["against_user"] == 24
    assert gate.info["services"] == 6 and gate.info["folds"] == 6
    # every fold holds out one service whose sentences differ from the others' by one word
    assert gate.info["oof"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0,
                                "threshold": gate.threshold, "rule": "precision 0.8",
                                "precision_at_recall_0.6": 1.0}
    assert gate.info["threshold_rows"] == 48
    probe = ["We may terminate your account at any time without notice.",
             "You may delete your account at any time from the settings page."]
    z = np.zeros((2, 3), np.float32)
    p = gate.proba(HashEmbedder().embed(probe), z, z, z, probe)
    assert p[0] >= gate.threshold > p[1]
    again, _ = _gate()
    assert again.threshold == gate.threshold and np.array_equal(again.coef, gate.coef)
    # it holds its 48 sentences (int8, as saved) and reads back to the same probabilities
    assert gate.ref_vectors is not None and gate.ref_vectors.shape == (48, v_dim())
    assert gate.info["neighbours"] == [5, 20]
    back = SeverityGate.from_arrays(*gate.arrays())
    assert back is not None and np.array_equal(back.ref_vectors, gate.ref_vectors)
    assert back.proba(HashEmbedder().embed(probe), z, z, z, probe).tolist() == p.tolist()


def test_model_selected_sentences_train_the_gate_but_do_not_set_its_threshold() -> None:
    texts, y, groups = _sentences()
    flipped = np.array([g == "s5" for g in groups])  # one service labelled the other way round
    y = y ^ flipped
    v = HashEmbedder().embed(texts)
    zeros = np.zeros((len(texts), 3), np.float32)
    everything = train_gate(v, zeros, zeros, zeros, texts, y, groups)
    chosen = train_gate(v, zeros, zeros, zeros, texts, y, groups, random_rows=~flipped)
    assert everything.info["threshold_rows"] == 48 and chosen.info["threshold_rows"] == 40
    # the flipped service still trains both (same weights), but only the first is scored on it
    assert np.array_equal(everything.coef, chosen.coef)
    assert chosen.info["oof"]["f1"] == 1.0 > everything.info["oof"]["f1"]


def test_precision_at_recall_is_the_best_precision_that_reaches_the_recall() -> None:
    y = np.array([True, False, True, False, True])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    # recall 1/3, 1/3, 2/3, 2/3, 1 at precision 1, 1/2, 2/3, 1/2, 3/5 down the ranking
    assert precision_at_recall(y, p, 0.6) == pytest.approx(2 / 3)
    assert precision_at_recall(y, p, 0.3) == 1.0
    assert precision_at_recall(y, p, 1.0) == pytest.approx(0.6)
    assert precision_at_recall(np.zeros(3, bool), p[:3], 0.6) == 0.0
    # tied scores are kept or dropped together: no threshold calls only the first 0.9
    tied = np.array([0.9, 0.9, 0.5, 0.5])
    assert precision_at_recall(np.array([True, False, True, False]), tied, 0.5) == 0.5


def test_the_gate_threshold_is_precision_first_only_where_the_folds_reach_the_target() -> None:
    p = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    # 5 of the top 6 are against the user: precision 5/6 at recall 5/6 (F1 0.833) from 0.51,
    # the best F1 above precision 0.8 (1 at 2/3 from 0.71: 0.8); the best F1 overall (precision
    # 0.75 at recall 1: 0.857) is from 0.31 to 0.40
    reached = np.array([1, 1, 1, 1, 0, 1, 0, 1, 0, 0], bool)
    assert gate_threshold(reached, p) == (0.51, "precision 0.8")
    # precision 0.8 only for the top score (recall 1/5): keep the best F1 (5/9, recall 1: 0.21-0.30)
    missed = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1, 0], bool)
    assert gate_threshold(missed, p) == (0.3, "best F1")


def test_neighbour_features_count_what_people_decided_for_the_nearest_labelled_sentences(
        ) -> None:
    near = np.array([0.9, np.sqrt(1 - 0.81), 0.0])    # cosine 0.9 to the query, against
    far = np.array([0.5, 0.0, np.sqrt(1 - 0.25)])     # cosine 0.5, not against
    refs = np.vstack([np.tile(near, (10, 1)), np.tile(far, (15, 1)), [[2.0, 0.0, 0.0]]])
    against = np.array([True] * 10 + [False] * 16)
    query = np.array([[1.0, 0.0, 0.0]])
    # the last reference is a copy of the query (cosine 1): skipped, so the nearest "not
    # against" is the 0.5 one; k=5: all five against; k=20: ten and ten, weighted 9 to 5
    got = neighbour_features(query, refs, against)
    assert got[0].tolist() == pytest.approx([1.0, 1.0, 0.5, 9 / 14, 0.9, 0.5], abs=1e-6)
    # in training, a service's own sentences are not its neighbours: 15 are left, none against
    groups = np.array(["own"] * 10 + ["other"] * 16)
    got = neighbour_features(query, refs, against, np.array(["own"]), groups)
    assert got[0].tolist() == pytest.approx([0.0, 0.0, 0.0, 0.0, -1.0, 0.5], abs=1e-6)


def test_a_gate_with_nothing_against_the_user_among_the_random_runs_says_so() -> None:
    texts, y, groups = _sentences()
    v = HashEmbedder().embed(texts)
    zeros = np.zeros((len(texts), 3), np.float32)
    with pytest.raises(BadInput, match="nothing to choose it on"):
        train_gate(v, zeros, zeros, zeros, texts, y, groups, random_rows=~y)


def test_gated_levels_and_reasons() -> None:
    why = "Medium: the 25 ToS;DR assessments ..."
    assert gated("Medium", why, 0.9, 0.4) == ("Medium", why)
    assert gated("High", why, 0.9, 0.4)[0] == "High"
    assert gated("Low", why, 0.9, 0.4)[0] == "Medium"
    assert gated("Favourable", why, 0.9, 0.4)[0] == "Medium"
    assert gated("High", why, 0.1, 0.4)[0] == "Low"
    assert gated("Favourable", why, 0.1, 0.4) == ("Favourable", why)
    level, reason = gated("Medium", why, 0.25, 0.4)
    assert level == "Low"
    assert reason == ("Low: the severity gate, trained on hand-labelled sentences, reads it as "
                      "not against the user (25%; threshold 40%); the neighbour rule alone "
                      "said Medium: the 25 ToS;DR assessments ...")


def _model_with(gate: SeverityGate | None):
    data = training_set(assessments_from_points(POINTS))
    m = train(data, HashEmbedder().embed(data.texts), "embedding", folds=3)
    m.embedder, m.info, m.gate = HashEmbedder.name, {"embedder": HashEmbedder.name}, gate
    return m


def _constant_gate(intercept: float, categories: int, products: bool = True
                   ) -> SeverityGate:
    # embedding, probabilities, bad and good shares (and both shares times the probability)
    width = HashEmbedder.dim + (5 if products else 3) * categories
    return SeverityGate(["unused"], np.ones(1, np.float32), np.zeros(width + 1, np.float32),
                        intercept, 0.5, products=products)


def test_a_gate_saved_before_the_product_features_reads_and_applies_as_it_was() -> None:
    k = 4
    old = _constant_gate(50.0, k, products=False)
    arrays, meta = old.arrays()
    del meta["gate"]["products"]  # files written before the key existed
    back = SeverityGate.from_arrays(arrays, meta)
    assert back is not None and back.products is False
    z = np.zeros((1, k), np.float32)
    vec = HashEmbedder().embed(["x y z"])
    assert back.proba(vec, z, z, z, ["x y z"]).tolist() == [1.0]
    new = SeverityGate.from_arrays(*_constant_gate(-50.0, k).arrays())
    assert new is not None and new.products is True
    assert new.proba(vec, z, z, z, ["x y z"])[0] < 1e-20


PROBE = ["We may terminate your account without notice.",
         "Bravo may sell your personal information.",
         "The weather is nice today."]


def test_the_gate_overrides_the_neighbour_rule_in_both_directions(tmp_path) -> None:
    plain = _model_with(None)
    k = len(plain.slugs)
    vecs = HashEmbedder().embed(PROBE)
    before = [[(s, lv) for s, _, lv, _ in x] for x in assign(plain, vecs, PROBE)]
    up = [[(s, lv) for s, _, lv, _ in x]
          for x in assign(_model_with(_constant_gate(50.0, k)), vecs, PROBE)]
    down = [[(s, lv) for s, _, lv, _ in x]
            for x in assign(_model_with(_constant_gate(-50.0, k)), vecs, PROBE)]
    assert [[s for s, _ in x] for x in before] == [["account-termination"], ["data-sale"], []]
    assert up == [[("account-termination", "High" if before[0][0][1] == "High" else "Medium")],
                  [("data-sale", "High" if before[1][0][1] == "High" else "Medium")], []]
    assert down == [[("account-termination", "Favourable" if before[0][0][1] == "Favourable"
                      else "Low")],
                    [("data-sale", "Favourable" if before[1][0][1] == "Favourable" else "Low")],
                    []]
    # saved and read back as plain arrays, the gate is the same
    save_model(_model_with(_constant_gate(50.0, k)), tmp_path)
    back = read_model(tmp_path)
    assert back.gate is not None and back.gate.intercept == 50.0 and back.gate.threshold == 0.5
    assert [[(s, lv) for s, _, lv, _ in x] for x in assign(back, vecs, PROBE)] == up


def test_the_committed_labels_are_well_formed_and_keep_clear_of_the_test_services() -> None:
    from corpus.taxonomy import load_taxonomy

    rows = sentence_labels.read_labels()
    assert len(rows) == 17508 and len({r.id for r in rows}) == 17508
    assert len({r.platform for r in rows}) == 149
    assert [sum(r.batch == b for r in rows) for b in range(1, 15)] == [
        1400, 1396, 1381, 1400, 1131] + [1200] * 9
    # batches 6-14 were chosen by a model: they train, thresholds come from the random runs
    assert [r.drawn_at_random for r in rows].count(True) == 6708
    # a later batch counts as chosen by a model unless named a random run; no batch: random
    row = rows[0]
    assert [dataclasses.replace(row, batch=b).drawn_at_random for b in (0, 5, 6, 15)] == [
        True, True, False, False]
    slugs = {c.slug for c in load_taxonomy()}
    assert all(set(r.labels) <= slugs for r in rows)
    assert all((r.severity == "none") == (not r.labels) for r in rows)
    heldout = {json.loads(line)["platform"] for line in (
        Path(__file__).parents[1] / "evals" / "suites" / "labels" / "heldout.jsonl"
    ).read_text(encoding="utf-8").splitlines() if line.strip()}
    assert len(heldout) == 14 and not heldout & {r.platform for r in rows}
    assert sum(r.against_user for r in rows) == 6281


def _labels_for(snapshot: Path, path: Path) -> list[dict]:
    """Label every sentence of every document by a written rule (against the user when it
    comes from AGAINST), numbered as the labels file numbers them."""
    from corpus.loaders.ota import load_ota

    rows = []
    for doc in load_ota(snapshot, lambda p: None):
        for n, text in enumerate(sentence_labels.document_sentences(doc.text)):
            bad = any(text.startswith(t[:30]) for t in AGAINST)
            rows.append({"id": f"{doc.platform}-{n}", "collection": doc.collection,
                         "platform": doc.platform, "doc_type": doc.doc_type, "n": n,
                         "sha256": sentence_labels.digest(text),
                         "labels": ["account-termination"] if bad else [],
                         "severity": "medium" if bad else "none"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return rows


def _docs() -> dict[tuple[str, str], str]:
    return {(f"Service{k}", "Terms of Service"):
            "# Terms of Service\n\n" + "\n\n".join(
                f"{t} This applies to Service{k}." for t in AGAINST + BENIGN) + "\n"
            for k in range(3)}


def test_labelled_sentences_are_rebuilt_from_the_snapshot_and_checked(tmp_path) -> None:
    snap = ota_snapshot(tmp_path / "ota", _docs())
    raw = _labels_for(snap, tmp_path / "labels.jsonl")
    rows = sentence_labels.read_labels(tmp_path / "labels.jsonl")
    assert len(rows) == len(raw) == 3 * 8 * 2  # each paragraph is two sentences
    got = sentence_labels.texts(rows, snap)
    assert got[0] == "We may terminate your account at any time without notice."
    assert got[1] == "This applies to Service0."
    bad = [r if i else type(r)(**{**r.__dict__, "sha256": "0" * 16})
           for i, r in enumerate(rows)]
    with pytest.raises(BadInput, match="does not match the labelled text"):
        sentence_labels.texts(bad, snap)
    with pytest.raises(BadInput, match="is not an Open Terms Archive snapshot"):
        sentence_labels.texts(rows, tmp_path)
    (tmp_path / "broken.jsonl").write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(BadInput, match="broken.jsonl:1: not a labelled sentence"):
        sentence_labels.read_labels(tmp_path / "broken.jsonl")


def test_train_labels_with_a_snapshot_trains_the_gate_and_reports_each_stage(
        tmp_path, monkeypatch) -> None:
    """A few-step training run on fixtures: 42 ToS;DR quotes and 48 labelled sentences of 3
    services train the category model together (9 groups: 5 folds + 1 fits per category),
    then the gate (3 folds + 1 fits), each stage announced and counted."""
    from corpus.store import Store

    snap = ota_snapshot(tmp_path / "ota", _docs())
    _labels_for(snap, tmp_path / "labels.jsonl")
    monkeypatch.setattr(sentence_labels, "LABELS_FILE", tmp_path / "labels.jsonl")
    stages: list[list] = []

    def on_stage(line: str, total: int | None, unit: str) -> None:
        stages.append([line.split(" ")[0] + " " + line.split(" ")[1], total, unit, 0])

    def progress(n: int) -> None:
        stages[-1][3] += n

    store = Store(tmp_path / "store.sqlite")  # not read: the quotes come from --points
    model, report = train_labels(store, HashEmbedder(), tmp_path / "cache", points=POINTS,
                                 run_eval=False, kinds=("embedding",), progress=progress,
                                 on_stage=on_stage, out=tmp_path / "model", ota=snap)
    store.close()
    assert [s[:3] for s in stages] == [["embedding 42", None, "quote"],
                                       ["embedding 48", None, "sentence"],
                                       ["training the", 6 * 32, "fit"],
                                       ["training the", 4, "fit"]]
    # 11 distinct texts among the 48 sentences are embedded (vectors are cached by text hash)
    assert [s[3] for s in stages] == [42, 11, 6 * 32, 4]
    assert report["training"]["sentences"] == 48
    assert report["gate"]["sentences"] == 48 and report["gate"]["services"] == 3
    assert report["gate"]["against_user"] == 12
    back = read_model(tmp_path / "model")
    assert back.gate is not None and back.gate.threshold == model.gate.threshold
    assert len(back.ref_vectors) == 42  # the severity rule's references: the quotes alone
    # a termination clause of a service never seen is labelled so
    probe = [AGAINST[0] + " This applies to Service9."]
    got = assign(back, HashEmbedder().embed(probe), probe)
    assert [s for s, *_ in got[0]] == ["account-termination"]


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_OTA.is_dir(), reason="needs ../shared/policy-docs/ota")
def test_every_committed_label_matches_its_sentence_in_the_shared_ota_snapshot() -> None:
    rows = sentence_labels.read_labels()
    texts = sentence_labels.texts(rows, SHARED_OTA)
    assert len(texts) == 17508 and all(len(t) >= 20 for t in texts)
