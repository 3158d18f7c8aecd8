"""Hybrid retrieval through LlamaIndex retriever abstractions.

``DenseRetriever`` asks Chroma (through ``ChromaVectorStore``), ``LexicalRetriever`` asks BM25,
and ``HybridRetriever`` fuses their rankings by reciprocal rank (score = sum of w/(60 + rank),
w = ``DENSE_WEIGHT`` for the dense list, 1 for the others).
Every hit keeps its dense, lexical and fused scores. Filters (platforms, document types, the
date whose versions are in force) reach both stages, so a platform-scoped question ranks only
that platform's clauses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from assistant.embedder import Embedder
from assistant.index import ClauseTable, date_int
from assistant.lexical import LexicalIndex
from assistant.precedents import Precedents
from assistant.scoped import ScopedVectors
from assistant.types import Filters, Hit

if TYPE_CHECKING:  # chromadb loads only when a search asks Chroma
    from assistant.chroma_store import ChromaIndex

RRF_K = 60
# the dense list's weight in the fusion (the lexical list's is 1). Of 0-3 (and dense alone),
# 1.5 and 2 were at least as good as 1 at every cut-off (hit@1/3/5/10/12) on both
# training-side tuning sets (``python -m evals.tuning_sets``, fold question adapters), 1.5 the
# smaller departure: text-hit@5 0.601 -> 0.623 on the 597 of 600 OPP-115 training-policy
# questions whose answer a clause holds, 0.503 -> 0.524 on 147 ToS;DR questions (the 49
# items, each case's 3 training wordings) of cases no evaluation suite asks; see evals/README.md
# and `python -m evals.fusion_sweep`, which replays it
DENSE_WEIGHT = 1.5


def rrf_vote(stage: str, rank: int, dense_weight: float | None = None) -> float:
    """What a stage's list gives the clause at ``rank`` (from 1) in the fusion; the dense
    list's vote weighs ``dense_weight``, by default ``DENSE_WEIGHT`` (``evals.fusion_sweep``
    replays other weights)."""
    weight = DENSE_WEIGHT if dense_weight is None else dense_weight
    return (weight if stage == "dense" else 1.0) / (RRF_K + rank)
DEPTH = 40  # candidates taken from each stage before fusion
OVERFETCH = 3  # dense candidates asked of Chroma per candidate kept after the filters
RECORD_OVERFETCH = 25  # the same when Filters.records restricts to a set of record IDs


def chroma_where(f: Filters) -> dict[str, Any]:
    where: dict[str, Any] = {}
    if f.platforms:
        where["platform_id"] = list(f.platforms)
    if f.doc_types:
        where["doc_type"] = list(f.doc_types)
    if f.as_of:
        d = date_int(f.as_of)
        where["valid_from"] = ("<=", d)
        where["valid_to"] = (">", d)
    else:
        where["current"] = 1
    return where


def _node(table: ClauseTable, rid: str, **scores: Any) -> TextNode:
    return TextNode(id_=rid, text=table.text(table.pos[rid]), metadata={**scores})


class DenseRetriever(BaseRetriever):
    """``chroma`` gives the Chroma index when a search needs it (not for exact scoped
    search)."""

    def __init__(self, chroma: Callable[[], ChromaIndex], embedder: Embedder, table: ClauseTable,
                 filters: Filters, k: int = DEPTH, scoped: ScopedVectors | None = None):
        super().__init__()
        self.chroma, self.embedder, self.table, self.filters, self.k = (
            chroma, embedder, table, filters, k)
        self.scoped = scoped

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        vec = query_bundle.embedding
        if vec is None:
            vec = self.embedder.embed([query_bundle.query_str])[0].tolist()
        # Chroma lists every match of a where clause before it searches, so a clause that
        # matches most of the collection (current == 1) costs more than the search itself at
        # scale (evals/bench_scale.py). Only the selective platform filter goes to Chroma; the
        # rest (document type, current or dated version, a record set) is checked here on an
        # over-fetched list, with the full filter as the fallback. Platform-scoped queries go
        # to ``scoped`` when given (exact search; see assistant/scoped.py).
        f = self.filters
        mask = self.table.mask(f.platforms, f.doc_types, f.as_of, f.records)
        if f.platforms and self.scoped is not None:  # exact, over the platforms' vectors
            ranked = self.scoped.search(vec, f.platforms, mask, self.k)
            self.table.texts(i for i, _ in ranked)  # one read of the store for all of them
            return [NodeWithScore(node=_node(self.table, self.table.ids[i]), score=s)
                    for i, s in ranked]
        depth = min(len(self.table),
                    self.k * (OVERFETCH if f.records is None else RECORD_OVERFETCH))

        def passing(hits: list[Any]) -> list[Any]:
            pos = self.table.pos
            return [h for h in hits if h.record_id in pos and mask[pos[h.record_id]]]

        hits = self.chroma().query(vec, depth, {"platform_id": list(f.platforms)}
                                 if f.platforms else None)
        kept = passing(hits)
        if len(kept) < self.k and len(hits) == depth:
            hits = self.chroma().query(vec, depth, chroma_where(f))
            kept = passing(hits)
        self.table.texts(self.table.pos[h.record_id] for h in kept[: self.k])
        return [NodeWithScore(node=_node(self.table, h.record_id), score=h.score)
                for h in kept[: self.k]]


class LexicalRetriever(BaseRetriever):
    def __init__(self, lexical: LexicalIndex, table: ClauseTable, filters: Filters,
                 k: int = DEPTH):
        super().__init__()
        self.lexical, self.table, self.filters, self.k = lexical, table, filters, k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        f = self.filters
        mask = self.table.mask(f.platforms, f.doc_types, f.as_of, f.records)
        found = self.lexical.search(query_bundle.query_str, self.k, mask)
        self.table.texts(i for i, _ in found)
        return [NodeWithScore(node=_node(self.table, self.table.ids[i]), score=s)
                for i, s in found]


class PrecedentRetriever(BaseRetriever):
    """The platforms' clauses ranked by half dense similarity, half precedent score (see
    assistant/precedents.py). Empty without a platform scope or when no ToS;DR case fits."""

    def __init__(self, precedents: Precedents, scope: ScopedVectors, table: ClauseTable,
                 filters: Filters, k: int = DEPTH):
        super().__init__()
        self.precedents, self.scope, self.table, self.filters, self.k = (
            precedents, scope, table, filters, k)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        f = self.filters
        if not f.platforms or query_bundle.embedding is None:
            return []
        q = np.asarray(query_bundle.embedding, dtype=np.float32)
        idx, mat = self.scope.vectors(
            f.platforms, self.table.mask(f.platforms, f.doc_types, f.as_of, f.records))
        if not len(idx):
            return []
        prec = self.precedents.scores(q, mat, f.platforms)
        if prec is None:
            return []
        cos = mat @ q
        score = 0.5 * cos + 0.5 * prec
        order = np.lexsort((idx, -score))[: self.k]
        self.table.texts(int(idx[j]) for j in order)
        return [NodeWithScore(node=_node(self.table, self.table.ids[int(idx[j])],
                                         dense=float(cos[j])),
                              score=float(score[j])) for j in order]


class HybridRetriever(BaseRetriever):
    """Reciprocal-rank fusion of a dense, a lexical and a precedent retriever (any may be
    None); the dense list weighs ``DENSE_WEIGHT``, the others 1. In precedent mode the
    precedent list stands in for the dense one at weight 1; when it finds nothing, the dense
    list is used, at its own weight."""

    def __init__(self, dense: BaseRetriever | None, lexical: BaseRetriever | None,
                 top_k: int = 10, timings: dict[str, float] | None = None,
                 precedent: BaseRetriever | None = None):
        super().__init__()
        self.dense, self.lexical, self.precedent, self.top_k = dense, lexical, precedent, top_k
        self.timings = timings if timings is not None else {}

    def _timed(self, stage: str, retriever: BaseRetriever, query_bundle: QueryBundle
               ) -> list[NodeWithScore]:
        t = time.perf_counter()
        found = retriever.retrieve(query_bundle)
        self.timings[f"{stage}_ms"] = (time.perf_counter() - t) * 1000
        return found

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        lists: list[tuple[str, list[NodeWithScore]]] = []
        if self.precedent is not None:
            found = self._timed("precedent", self.precedent, query_bundle)
            if found:  # it holds the dense similarity (half its score): it stands in for the
                lists.append(("precedent", found))  # dense list, not a second vote beside it
        if not lists and self.dense is not None:
            lists.append(("dense", self._timed("dense", self.dense, query_bundle)))
        if self.lexical is not None:
            lists.append(("lexical", self._timed("lexical", self.lexical, query_bundle)))
        fused: dict[str, dict[str, Any]] = {}
        for stage, found in lists:
            for rank, nws in enumerate(found, 1):
                entry = fused.setdefault(nws.node.node_id, {"node": nws.node, "fused": 0.0})
                entry[stage] = nws.score
                if stage == "precedent":  # its clause's own cosine, for the abstention check
                    entry["dense"] = nws.node.metadata.get("dense")
                entry[f"{stage}_rank"] = rank
                entry["fused"] += rrf_vote(stage, rank)
        ordered = sorted(fused.values(), key=lambda e: (-e["fused"], e["node"].node_id))
        out = []
        for e in ordered[: self.top_k]:
            node = e["node"]
            node.metadata.update({k: e.get(k) for k in
                                  ("dense", "lexical", "fused", "dense_rank", "lexical_rank",
                                   "precedent_rank")})
            out.append(NodeWithScore(node=node, score=e["fused"]))
        return out


def to_hits(nodes: list[NodeWithScore], table: ClauseTable) -> list[Hit]:
    hits = []
    for n in nodes:
        row = table.row(table.pos[n.node.node_id])
        m = n.node.metadata
        hits.append(Hit(
            record_id=row["record_id"], platform=row["platform"], platform_id=row["platform_id"],
            doc_type=row["doc_type"], document_id=row["document_id"], section=row["section"],
            text=row["text"], dense=m.get("dense"), lexical=m.get("lexical"),
            fused=float(m.get("fused") or n.score or 0.0), dense_rank=m.get("dense_rank"),
            lexical_rank=m.get("lexical_rank")))
    return hits
