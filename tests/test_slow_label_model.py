"""Slow tier: the label model shipped in the package, with the real embedding model, labels
sentences whose categories are not in doubt; nothing is trained or downloaded."""

from __future__ import annotations

import json

import pytest

from assistant.embedder_factory import make_embedder
from assistant.labels import label_texts, load_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    model = load_model(cache)  # nothing trained in this cache: the shipped model
    assert model.info["source"] == "shipped"
    texts = ["These Terms are governed by the laws of the State of California.",
             "Any dispute between you and us will be resolved by binding individual "
             "arbitration.",
             "We may suspend or terminate your account at any time without notice.",
             "We do not sell your personal information to third parties.",
             "You must be at least 18 years old to use the service.",
             "Our offices are closed on public holidays.",
             "Click the blue button to continue."]
    return label_texts(model, make_embedder("minilm", cache_dir=cache), texts)


def test_the_shipped_model_names_each_category(labelled):
    top = [r["categories"][0]["slug"] if r["categories"] else None for r in labelled]
    assert top == ["governing-law", "arbitration", "account-termination", "data-sale",
                   "age-limits", None, None]


def test_the_shipped_model_gives_severity_from_the_nearest_assessments(labelled):
    assert [r["severity"] for r in labelled] == ["Low", "High", "Medium", "Favourable", "Low",
                                                 None, None]


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
    assert "Clause labels (classifier trained on ToS;DR assessments):" in page
    assert "Category  Account suspension and termination [account-termination]" in page
    monkeypatch.setattr("sys.stdin", io.StringIO("We may sell your personal data to brokers.\n"))
    assert main(["--data-dir", data, "label", "-"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert [c["slug"] for c in row["categories"]][0] == "data-sale"
