"""Slow tier: the label model shipped in the package, with the real embedding model, labels
sentences whose categories are not in doubt; nothing is trained or downloaded."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.embedder_factory import make_embedder
from assistant.labels import label_texts, load_model

pytestmark = pytest.mark.slow


TEXTS = ["These Terms are governed by the laws of the State of California.",
         "Any dispute between you and us will be resolved by binding individual "
         "arbitration.",
         "We may suspend or terminate your account at any time without notice.",
         "We do not sell your personal information to third parties.",
         "You must be at least 18 years old to use the service.",
         "Our offices are closed on public holidays.",
         "Click the blue button to continue.",
         "You must not use bots or scrapers to access the service.",
         "We keep your data for as long as necessary to provide the service."]


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    model = load_model(cache)  # nothing trained in this cache: the shipped model
    assert model.info["source"] == "shipped"
    return label_texts(model, make_embedder("minilm", cache_dir=cache), TEXTS)


def test_batch_selection_reads_the_gate_the_labels_come_from(labelled, tmp_path):
    """`evals.label_batch select` scores with the shipped gate: no score where the classifier
    gives no category (none of these texts is labelled by a written rule), and at or above
    the threshold exactly where the label says High or Medium."""
    from evals.label_batch import gate_scores

    gate, threshold = gate_scores(tmp_path)(TEXTS)
    assert [bool(np.isnan(g)) for g in gate] == [not r["categories"] for r in labelled]
    assert [bool(g >= threshold) for g in gate] == [r["severity"] in ("High", "Medium")
                                                    for r in labelled]


def test_the_shipped_model_names_each_category(labelled):
    top = [r["categories"][0]["slug"] if r["categories"] else None for r in labelled]
    assert top == ["governing-law", "arbitration", "account-termination", "data-sale",
                   "age-limits", None, None, "scraping-automated-access", "data-retention"]


def test_the_shipped_model_gives_severity_from_its_gate_and_the_nearest_assessments(labelled):
    """The gate moves the provider's home law up (the neighbour rule alone said Low) and a
    scraping ban and "as long as necessary" retention down (it said Medium), as the
    labelling rules of the hand-labelled sentences have them."""
    assert [r["severity"] for r in labelled] == ["Medium", "High", "Medium", "Favourable", "Low",
                                                 None, None, "Low", "Low"]
    law = labelled[0]["severity_by_category"]["governing-law"]["reason"]
    assert law.startswith("Medium: the severity gate, trained on hand-labelled sentences, "
                          "reads it as against the user (")
    assert "the neighbour rule alone said Low: the 25 ToS;DR assessments" in law
    scraping = labelled[7]["severity_by_category"]["scraping-automated-access"]["reason"]
    assert scraping.startswith("Low: the severity gate, trained on hand-labelled sentences, "
                               "reads it as not against the user (")
    # where gate and rule agree, the reason is the rule's own
    assert labelled[1]["severity_by_category"]["arbitration"]["reason"].startswith(
        "High: the 25 ToS;DR assessments of 'Arbitration and class-action waiver' closest")


def test_after_ingest_record_shows_labels_and_label_labels_a_line(tmp_path, capsys,
                                                                   monkeypatch):
    """The README's set-up on the fixture corpus, default embedder: no train-labels."""
    import io

    from assistant.cli import main
    from tests.conftest import FIXTURE_OTA
    from tests.test_retrieval import TERMINATE

    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "ingest", "--quiet", str(FIXTURE_OTA)]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("labels: ") and "of 15 clauses labelled" in last
    assert "shipped model" in last
    assert main(["--data-dir", data, "record", TERMINATE]) == 0
    page = capsys.readouterr().out
    assert ("Clause labels (classifier trained on ToS;DR assessments and hand-labelled "
            "sentences):") in page
    assert "Category  Account suspension and termination [account-termination]" in page
    monkeypatch.setattr("sys.stdin", io.StringIO("We may sell your personal data to brokers.\n"))
    assert main(["--data-dir", data, "label", "-"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert [c["slug"] for c in row["categories"]][0] == "data-sale"


def test_the_held_out_score_puts_an_earlier_model_beside_the_current_one(tmp_path):
    """`label_heldout score --before FOLDER` reads the earlier model from FOLDER and scores it
    the same way: here the shipped model saved without its gate, whose column must match the
    report's own "without its severity gate" column (computed another way) and not the
    shipped one."""
    import dataclasses

    from assistant.labels import SHIPPED, read_model, save_model
    from evals.label_heldout import score

    gateless = tmp_path / "gateless"
    save_model(dataclasses.replace(read_model(SHIPPED), gate=None), gateless)
    gold = [("governing-law", "medium"), ("arbitration", "high"),
            ("account-termination", "medium"), ("data-sale", "favourable"),
            ("age-limits", "low"), (None, "none"), (None, "none"),
            ("scraping-automated-access", "low"), ("data-retention", "low")]
    rows = [{"platform": "Demo", "doc_type": "Terms of Service", "text": t,
             "labels": [slug] if slug else [], "severity": sev}
            for t, (slug, sev) in zip(TEXTS, gold, strict=True)]
    rep = score(None, None, None, tmp_path / "cache", rows, before_dir=gateless)["systems"]
    assert list(rep) == ["label model (shipped, embedding+tfidf)",
                         "same model without its severity gate",
                         "earlier label model (gateless)"]
    now = rep["label model (shipped, embedding+tfidf)"]
    before = rep["earlier label model (gateless)"]
    assert before == rep["same model without its severity gate"]
    assert before["per_category"] == now["per_category"]  # the same categories
    assert now["high_medium"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 3,
                                  "predicted": 3}
    # the neighbour rule alone calls the scraping ban and "as long as necessary" retention
    # Medium and the provider's home law Low: 2 of its 4 calls right, 2 of the 3 found
    assert before["high_medium"] == {"precision": 0.5, "recall": 0.667, "f1": 0.571,
                                     "support": 3, "predicted": 4}
