"""Evaluation metrics as pure functions.

Retrieval metrics take BEIR/TREC-shaped data: qrels ``{qid: {doc_id: relevance}}`` and runs
``{qid: {doc_id: score}}`` (higher score ranks first; ties broken by doc_id so results are
deterministic). Each ``*_at_k`` returns the mean over the queries of ``qrels``; a query with
no run counts as a miss. Answer metrics follow the official SQuAD v1.1 script (normalise:
lower case, drop punctuation and the articles a/an/the, squeeze spaces).
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Mapping[str, float]]


def ranked(scores: Mapping[str, float], k: int | None = None) -> list[str]:
    """Doc IDs by descending score (ties: doc_id ascending), cut at ``k``."""
    order = sorted(scores, key=lambda d: (-scores[d], d))
    return order if k is None else order[:k]


def _relevant(rels: Mapping[str, int]) -> set[str]:
    return {d for d, r in rels.items() if r > 0}


def _mean(values: Iterable[float]) -> float:
    vals = list(values)
    return sum(vals) / len(vals) if vals else 0.0


def recall_at_k(qrels: Qrels, run: Run, k: int) -> float:
    """Share of each query's relevant documents found in its top k, averaged over queries."""
    def one(qid: str) -> float:
        rel = _relevant(qrels[qid])
        if not rel:
            return 0.0
        top = set(ranked(run.get(qid, {}), k))
        return len(rel & top) / len(rel)
    return _mean(one(q) for q in qrels)


def hit_at_k(qrels: Qrels, run: Run, k: int) -> float:
    """Share of queries with at least one relevant document in the top k (success@k)."""
    return _mean(float(bool(_relevant(qrels[q]) & set(ranked(run.get(q, {}), k))))
                 for q in qrels)


def mrr_at_k(qrels: Qrels, run: Run, k: int) -> float:
    """Mean reciprocal rank of the first relevant document within the top k (0 if none)."""
    def one(qid: str) -> float:
        rel = _relevant(qrels[qid])
        for i, d in enumerate(ranked(run.get(qid, {}), k), 1):
            if d in rel:
                return 1.0 / i
        return 0.0
    return _mean(one(q) for q in qrels)


def ndcg_at_k(qrels: Qrels, run: Run, k: int) -> float:
    """nDCG@k with graded gains rel / log2(rank + 1) (the trec_eval / BEIR form)."""
    def one(qid: str) -> float:
        rels = qrels[qid]
        dcg = sum(rels.get(d, 0) / math.log2(i + 1)
                  for i, d in enumerate(ranked(run.get(qid, {}), k), 1))
        ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:k]
        idcg = sum(r / math.log2(i + 1) for i, r in enumerate(ideal, 1))
        return dcg / idcg if idcg else 0.0
    return _mean(one(q) for q in qrels)


def retrieval_metrics(qrels: Qrels, run: Run, ks: Iterable[int] = (1, 3, 5, 10)
                      ) -> dict[str, float]:
    out: dict[str, float] = {}
    for k in ks:
        out[f"recall@{k}"] = recall_at_k(qrels, run, k)
    out["hit@3"] = hit_at_k(qrels, run, 3)
    out["mrr@10"] = mrr_at_k(qrels, run, 10)
    out["ndcg@10"] = ndcg_at_k(qrels, run, 10)
    return out


# ---- SQuAD answer metrics ------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def f1_score(prediction: str, gold: str) -> float:
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = Counter(pred) & Counter(ref)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def best_over_golds(metric, prediction: str, golds: Iterable[str]) -> float:  # type: ignore[no-untyped-def]
    """SQuAD scores a prediction against its best-matching reference answer."""
    return max((metric(prediction, g) for g in golds), default=0.0)


def contains_answer(text: str, golds: Iterable[str]) -> float:
    """1.0 when the normalised text holds any normalised gold answer."""
    t = normalize_answer(text)
    return float(any(g and g in t for g in (normalize_answer(x) for x in golds)))
