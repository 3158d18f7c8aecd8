"""Hybrid retrieval through LlamaIndex retriever abstractions.

``DenseRetriever`` asks Chroma (through ``ChromaVectorStore``), ``LexicalRetriever`` asks BM25,
and ``HybridRetriever`` fuses their rankings by reciprocal rank (score = sum of 1/(60 + rank)).
Every hit keeps its dense, lexical and fused scores. Filters (platforms, document types, the
date whose versions are in force) reach both stages, so a platform-scoped question ranks only
that platform's clauses.
"""

from __future__ import annotations

import time
from typing import Any

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from assistant.chroma_store import ChromaIndex
from assistant.embedder import Embedder
from assistant.index import ClauseTable, _date_int
from assistant.lexical import LexicalIndex
from assistant.types import Filters, Hit

RRF_K = 60
DEPTH = 40  # candidates taken from each stage before fusion
RECORD_OVERFETCH = 25  # dense candidates per wanted one when Filters.records restricts them


def chroma_where(f: Filters) -> dict[str, Any]:
    where: dict[str, Any] = {}
    if f.platforms:
        where["platform_id"] = list(f.platforms)
    if f.doc_types:
        where["doc_type"] = list(f.doc_types)
    if f.as_of:
        d = _date_int(f.as_of)
        where["valid_from"] = ("<=", d)
        where["valid_to"] = (">", d)
    else:
        where["current"] = 1
    return where


def _node(table: ClauseTable, rid: str, **scores: Any) -> TextNode:
    row = table.rows[table.pos[rid]]
    return TextNode(id_=rid, text=row["text"], metadata={**scores})


class DenseRetriever(BaseRetriever):
    def __init__(self, chroma: ChromaIndex, embedder: Embedder, table: ClauseTable,
                 filters: Filters, k: int = DEPTH):
        super().__init__()
        self.chroma, self.embedder, self.table, self.filters, self.k = (
            chroma, embedder, table, filters, k)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        vec = query_bundle.embedding
        if vec is None:
            vec = self.embedder.embed([query_bundle.query_str])[0].tolist()
        f = self.filters
        allowed = f.records
        # the table also knows validity gaps inside one date range, and Chroma cannot filter
        # on a set of IDs: over-fetch when a record set applies, then keep what passes
        mask = self.table.mask(f.platforms, f.doc_types, f.as_of)
        k = self.k if allowed is None else min(len(self.table), self.k * RECORD_OVERFETCH)
        hits = self.chroma.query(vec, k, chroma_where(f))
        return [NodeWithScore(node=_node(self.table, h.record_id), score=h.score)
                for h in hits if h.record_id in self.table.pos
                and mask[self.table.pos[h.record_id]]
                and (allowed is None or h.record_id in allowed)][: self.k]


class LexicalRetriever(BaseRetriever):
    def __init__(self, lexical: LexicalIndex, table: ClauseTable, filters: Filters,
                 k: int = DEPTH):
        super().__init__()
        self.lexical, self.table, self.filters, self.k = lexical, table, filters, k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        f = self.filters
        mask = self.table.mask(f.platforms, f.doc_types, f.as_of, f.records)
        found = self.lexical.search(query_bundle.query_str, self.k, mask)
        return [NodeWithScore(node=_node(self.table, self.table.ids[i]), score=s)
                for i, s in found]


class HybridRetriever(BaseRetriever):
    """Reciprocal-rank fusion of a dense and a lexical retriever (either may be None)."""

    def __init__(self, dense: BaseRetriever | None, lexical: BaseRetriever | None,
                 top_k: int = 10, timings: dict[str, float] | None = None):
        super().__init__()
        self.dense, self.lexical, self.top_k = dense, lexical, top_k
        self.timings = timings if timings is not None else {}

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        fused: dict[str, dict[str, Any]] = {}
        for stage, retriever in (("dense", self.dense), ("lexical", self.lexical)):
            if retriever is None:
                continue
            t = time.perf_counter()
            found = retriever.retrieve(query_bundle)
            self.timings[f"{stage}_ms"] = (time.perf_counter() - t) * 1000
            for rank, nws in enumerate(found, 1):
                entry = fused.setdefault(nws.node.node_id, {"node": nws.node, "fused": 0.0})
                entry[stage] = nws.score
                entry[f"{stage}_rank"] = rank
                entry["fused"] += 1.0 / (RRF_K + rank)
        ordered = sorted(fused.values(), key=lambda e: (-e["fused"], e["node"].node_id))
        out = []
        for e in ordered[: self.top_k]:
            node = e["node"]
            node.metadata.update({k: e.get(k) for k in
                                  ("dense", "lexical", "fused", "dense_rank", "lexical_rank")})
            out.append(NodeWithScore(node=node, score=e["fused"]))
        return out


def to_hits(nodes: list[NodeWithScore], table: ClauseTable) -> list[Hit]:
    hits = []
    for n in nodes:
        row = table.rows[table.pos[n.node.node_id]]
        m = n.node.metadata
        hits.append(Hit(
            record_id=row["record_id"], platform=row["platform"], platform_id=row["platform_id"],
            doc_type=row["doc_type"], document_id=row["document_id"], section=row["section"],
            text=row["text"], dense=m.get("dense"), lexical=m.get("lexical"),
            fused=float(m.get("fused") or n.score or 0.0), dense_rank=m.get("dense_rank"),
            lexical_rank=m.get("lexical_rank")))
    return hits
