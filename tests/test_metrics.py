"""Metric functions against values computed by hand on small BEIR-shaped qrels and runs."""

import math

import pytest

from evals import metrics as M

QRELS = {
    "q1": {"d1": 1, "d4": 1},  # two relevant documents
    "q2": {"d9": 2},  # graded relevance
    "q3": {"d5": 1},  # never retrieved
}
RUN = {
    "q1": {"d1": 0.9, "d2": 0.8, "d3": 0.7, "d4": 0.6},  # relevant at ranks 1 and 4
    "q2": {"d7": 3.0, "d9": 2.0},  # relevant at rank 2
    "q3": {"d6": 1.0},
}


def test_ranked_orders_by_score_then_id():
    assert M.ranked({"b": 1.0, "a": 1.0, "c": 2.0}) == ["c", "a", "b"]
    assert M.ranked({"b": 1.0, "a": 1.0, "c": 2.0}, 2) == ["c", "a"]


def test_recall_at_k():
    # q1: 1 of 2 in top 1..3, 2 of 2 at 4; q2: 0 at 1, 1 at 2; q3: always 0
    assert M.recall_at_k(QRELS, RUN, 1) == pytest.approx((0.5 + 0 + 0) / 3)
    assert M.recall_at_k(QRELS, RUN, 3) == pytest.approx((0.5 + 1 + 0) / 3)
    assert M.recall_at_k(QRELS, RUN, 4) == pytest.approx((1 + 1 + 0) / 3)


def test_hit_and_mrr():
    assert M.hit_at_k(QRELS, RUN, 1) == pytest.approx(1 / 3)
    assert M.hit_at_k(QRELS, RUN, 3) == pytest.approx(2 / 3)
    assert M.mrr_at_k(QRELS, RUN, 10) == pytest.approx((1 + 0.5 + 0) / 3)
    assert M.mrr_at_k(QRELS, RUN, 1) == pytest.approx(1 / 3)


def test_ndcg_graded():
    # q1: DCG = 1/log2(2) + 1/log2(5); IDCG = 1 + 1/log2(3)
    q1 = (1 + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    # q2: DCG = 2/log2(3); IDCG = 2/log2(2) = 2
    q2 = (2 / math.log2(3)) / 2
    assert M.ndcg_at_k(QRELS, RUN, 10) == pytest.approx((q1 + q2 + 0) / 3)
    assert M.ndcg_at_k({"q": {"a": 1}}, {"q": {"a": 1.0}}, 10) == 1.0


def test_missing_run_counts_as_miss_and_zero_relevance_ignored():
    assert M.recall_at_k({"q": {"a": 1}}, {}, 10) == 0.0
    assert M.hit_at_k({"q": {"a": 0, "b": 1}}, {"q": {"a": 5.0}}, 1) == 0.0
    assert M.ndcg_at_k({"q": {"a": 0}}, {"q": {"a": 1.0}}, 10) == 0.0


def test_retrieval_metrics_keys():
    m = M.retrieval_metrics(QRELS, RUN)
    assert list(m) == ["recall@1", "recall@3", "recall@5", "recall@10", "hit@3", "mrr@10",
                       "ndcg@10"]
    assert m["recall@10"] == pytest.approx(2 / 3)


def test_squad_normalise_f1_em():
    assert M.normalize_answer("The  Cat, sat!") == "cat sat"
    assert M.exact_match("the cat sat.", "Cat sat") == 1.0
    assert M.exact_match("a cat", "dog") == 0.0
    # pred: cat sat on mat (4 tokens), gold: cat sat (2): P = 2/4, R = 1 -> F1 = 2/3
    assert M.f1_score("The cat sat on the mat", "the cat sat") == pytest.approx(2 / 3)
    # repeated tokens count by multiplicity: pred "not not use" vs gold "not use"
    assert M.f1_score("not not use", "not use") == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))
    assert M.f1_score("", "cat") == 0.0
    assert M.best_over_golds(M.f1_score, "cat", ["dog", "cat"]) == 1.0


def test_contains_answer():
    assert M.contains_answer("We keep logs for Thirty days.", ["thirty days"]) == 1.0
    assert M.contains_answer("We keep logs.", ["thirty days", "a week"]) == 0.0
