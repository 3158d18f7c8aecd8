"""Retrieval on the fixture corpus (hash embedder): exact top record IDs per stage."""

from __future__ import annotations

import pytest

from assistant.types import Filters

TERMINATE = "streamly-bf7b-32gp-7whs"
APPEAL = "streamly-5czy-ghj4-ejj1"
NO_SALE = "streamly-656s-bg1z-qwqs"
SCRAPING = "learnify-ma8v-cagd-xb17"
AI_TRAINING = "chatterbox-b666-xekx-779c"
MODERATION = "chatterbox-57a9-rcx2-04yn"


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_top_hit_per_stage(fixture_assistant, mode):
    a = fixture_assistant
    assert a.retrieve("sell personal data", mode=mode)[0].record_id == NO_SALE
    assert a.retrieve("robots spiders scrapers automated", mode=mode)[0].record_id == SCRAPING
    assert a.retrieve("train artificial intelligence models", mode=mode)[0].record_id == AI_TRAINING


def test_lexical_ranking_is_exact(fixture_assistant):
    ids = [h.record_id for h in fixture_assistant.retrieve("appeal", mode="lexical")]
    assert ids == [APPEAL, MODERATION]


def test_hybrid_keeps_stage_scores(fixture_assistant):
    hit = fixture_assistant.retrieve("sell personal data", mode="hybrid")[0]
    assert hit.dense is not None and hit.lexical is not None
    assert hit.dense_rank == 1 and hit.lexical_rank == 1
    assert hit.fused == pytest.approx(1.5 / 61 + 1 / 61)  # DENSE_WEIGHT 1.5


def test_platform_filter_ranks_only_that_platform(fixture_assistant):
    hits = fixture_assistant.retrieve("appeal", Filters(platforms=("chatterbox",)))
    assert {h.platform_id for h in hits} == {"chatterbox"}
    assert hits[0].record_id == MODERATION


def test_doc_type_filter(fixture_assistant):
    hits = fixture_assistant.retrieve("account", Filters(doc_types=("Privacy Policy",)))
    assert hits and {h.doc_type for h in hits} == {"Privacy Policy"}


@pytest.mark.parametrize("question,expected", [
    ("Can Streamly terminate my account?", ["streamly"]),
    ("can streamly terminate my account?", ["streamly"]),
    ("Does Streamlyy sell data?", ["streamly"]),  # small typo
    ("Compare Learnify and Chatterbox", ["learnify", "chatterbox"]),
    ("Can they terminate my account?", []),
])
def test_platform_recognition(fixture_assistant, question, expected):
    assert fixture_assistant.matcher.find(question) == expected


def test_unknown_platform_suggests_closest(fixture_assistant):
    from corpus.errors import BadInput

    with pytest.raises(BadInput, match="unknown platform 'Spotify'; closest known: "):
        fixture_assistant.resolve_filters("anything", ["Spotify"])
    # a small typo is not an error: it resolves
    assert fixture_assistant.resolve_filters("x", ["Streemly"]).platforms == ("streamly",)


def test_fusion_weighs_the_dense_list_more(monkeypatch):
    """Dense order B, A and lexical order A, B: with equal weights they would tie, and the
    node ID would put A first; with DENSE_WEIGHT 1.5 the dense list's leader B wins
    (1.5/61 + 1/62 against 1.5/62 + 1/61). At weight 1 the tie goes to A."""
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, TextNode

    from assistant import retrieve
    from assistant.retrieve import DENSE_WEIGHT, HybridRetriever

    class Fixed(BaseRetriever):
        def __init__(self, ids: list[str]):
            super().__init__()
            self.ids = ids

        def _retrieve(self, query_bundle):
            return [NodeWithScore(node=TextNode(id_=i, text=i), score=1.0) for i in self.ids]

    assert DENSE_WEIGHT == 1.5
    out = HybridRetriever(Fixed(["B", "A"]), Fixed(["A", "B"])).retrieve("q")
    assert [n.node.node_id for n in out] == ["B", "A"]
    assert [n.score for n in out] == pytest.approx([1.5 / 61 + 1 / 62, 1.5 / 62 + 1 / 61])
    monkeypatch.setattr(retrieve, "DENSE_WEIGHT", 1.0)
    out = HybridRetriever(Fixed(["B", "A"]), Fixed(["A", "B"])).retrieve("q")
    assert [n.node.node_id for n in out] == ["A", "B"]
    assert out[0].score == out[1].score
