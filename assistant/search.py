"""Finding clauses: the dense, lexical and precedent retrievers over one runtime index,
fused by ``assistant.retrieve.HybridRetriever``. The embedder and Chroma are asked for only
when a search needs them: a platform-scoped question on a large corpus searches the
platform's vectors exactly and never opens Chroma."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from assistant.chroma_store import ChromaIndex
from assistant.embedder import Embedder
from assistant.precedents import Precedents, embed_precedents
from assistant.query_adapter import QueryAdapter
from assistant.retrieve import (
    DenseRetriever,
    HybridRetriever,
    LexicalRetriever,
    PrecedentRetriever,
    to_hits,
)
from assistant.runtime_index import RuntimeIndex
from assistant.scoped import ScopedVectors
from assistant.types import RETRIEVAL_MODES, Filters, Hit
from corpus.errors import BadInput
from corpus.store import Store

log = logging.getLogger(__name__)

# from this many clauses on, platform-scoped dense search is exact over the platform's vectors
# instead of a Chroma metadata filter, whose cost grows with the collection (see the README,
# "Shared deployments and scaling")
EXACT_SCOPE_MIN = 20000


class Searcher:
    """``search(question, filters, k, mode)``: the ``assistant.types.Search`` the handlers
    get."""

    def __init__(self, store: Store, index: RuntimeIndex, embedder: Callable[[], Embedder],
                 chroma: Callable[[], ChromaIndex],
                 adapter: Callable[[], QueryAdapter | None] = lambda: None):
        self.store, self.index = store, index
        self.table = index.table
        self._embedder, self._chroma, self._adapter = embedder, chroma, adapter
        self._scoped: ScopedVectors | None = None
        self._precedents: tuple[Precedents | None] | None = None

    def count(self, f: Filters) -> int:
        """How many clauses the filters leave."""
        return int(self.table.mask(f.platforms, f.doc_types, f.as_of, f.records).sum())

    def scope(self) -> ScopedVectors:
        """The platforms' clause vectors from SQLite, read per platform on first use."""
        if self._scoped is None:
            self._scoped = ScopedVectors(self.store, self._embedder().name, self.table)
        return self._scoped

    def precedents(self) -> Precedents | None:
        """ToS;DR precedent quotes (embedded on first use); None without annotations."""
        if self._precedents is None:
            embedder = self._embedder()
            precedents = Precedents.load(self.store, embedder.name)
            if precedents is None and (n := embed_precedents(self.store, embedder)):
                log.info("embedded %d ToS;DR precedent quotes and case titles", n)
                precedents = Precedents.load(self.store, embedder.name)
            self._precedents = (precedents,)
        return self._precedents[0]

    def __call__(self, question: str, filters: Filters | None = None, k: int = 10,
                 mode: str = "hybrid", timings: dict[str, float] | None = None,
                 adapt: bool = True) -> list[Hit]:
        """``adapt=False``: the question's plain embedding, even when there is an adapter
        (the eval's ``plain`` column); ``precedent`` mode always uses the plain one."""
        from llama_index.core.schema import QueryBundle

        filters = filters or Filters()
        timings = timings if timings is not None else {}
        bundle = QueryBundle(query_str=question)
        dense = lexical = adapter = None
        if mode in ("hybrid", "dense", "precedent"):
            embedder = self._embedder()
            t = time.perf_counter()
            plain = embedder.embed([question])
            # precedent mode compares the question with ToS;DR case titles at a cosine floor
            # set on plain vectors (assistant/precedents.py), so it keeps the plain one
            adapter = self._adapter() if adapt and mode != "precedent" else None
            bundle.embedding = (adapter(plain) if adapter else plain)[0].tolist()
            timings["embed_ms"] = (time.perf_counter() - t) * 1000
            exact = self.scope() if len(self.table) >= EXACT_SCOPE_MIN else None
            dense = DenseRetriever(self._chroma, embedder, self.table, filters, scoped=exact)
        if mode in ("hybrid", "lexical", "precedent"):
            lexical = LexicalRetriever(self.index.lexical, self.table, filters)
        if dense is None and lexical is None:
            raise BadInput(f"unknown retrieval mode {mode!r} ({', '.join(RETRIEVAL_MODES)})")
        precedent = None
        if mode == "precedent" and filters.platforms and (precedents := self.precedents()):
            precedent = PrecedentRetriever(precedents, self.scope(), self.table, filters)
        t = time.perf_counter()
        nodes = HybridRetriever(dense, lexical, top_k=k, timings=timings,
                                precedent=precedent).retrieve(bundle)
        hits = to_hits(nodes, self.table)
        if adapter is not None:
            hits = self._plain_cosines(hits, plain[0], embedder.name)
        timings["retrieve_ms"] = (time.perf_counter() - t) * 1000
        return hits

    def _plain_cosines(self, hits: list[Hit], question: np.ndarray, model: str) -> list[Hit]:
        """Each dense hit's cosine to the question's *plain* embedding. The adapter decides
        which clauses are found; how strong the evidence is stays on the scale the answerer's
        abstention thresholds were calibrated on (adapted cosines run lower and separated
        answerable from unanswerable questions worse: balanced accuracy 0.742 at best against
        0.881 at the shipped thresholds, see the README). Every indexed clause has its vector
        in the store; a hit without one (none expected) keeps the adapted cosine."""
        keys = {h.record_id: str(self.table.embed_key[self.table.pos[h.record_id]])
                for h in hits if h.dense is not None}
        stored = self.store.embeddings(model, sorted(set(keys.values())))
        out = []
        for h in hits:
            raw = stored.get(keys.get(h.record_id, ""))
            out.append(h if raw is None else
                       replace(h, dense=float(np.frombuffer(raw, dtype=np.float32) @ question)))
        return out
