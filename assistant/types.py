"""The runtime's own types: what retrieval returns and what an answer holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

Progress = Callable[[int], None]  # called with the number of items done since the last call

# hybrid: dense + BM25 fused; precedent: hybrid with ToS;DR precedents in place of the dense
# list (opt-in, assistant/precedents.py)
RETRIEVAL_MODES = ("hybrid", "dense", "lexical", "precedent")
# eval columns: the retrieval modes plus ablations of the trained stages (evals/runner.py):
# "fused" = hybrid without the trained model, "reranked" = hybrid + reranker, no reader,
# "plain" = "fused" without the question adapter, "fast" = hybrid reading only the top 4
EVAL_COLUMNS = (*RETRIEVAL_MODES, "fused", "reranked", "plain", "fast")


@dataclass(frozen=True)
class Filters:
    platforms: tuple[str, ...] = ()  # platform IDs (slugs); empty: all platforms
    doc_types: tuple[str, ...] = ()
    as_of: str = ""  # ISO date: the versions in force then; empty: current versions
    # only these record IDs (e.g. clauses with a category/severity label); None: no restriction
    records: frozenset[str] | None = None

    def describe(self, names: dict[str, str]) -> str:
        plats = ", ".join(names.get(p, p) for p in self.platforms) or "all platforms"
        docs = ", ".join(self.doc_types) or "all document types"
        when = f" as of {self.as_of}" if self.as_of else ""
        only = f"; {len(self.records)} selected clauses" if self.records is not None else ""
        return f"{plats}; {docs}{when}{only}"


@dataclass(frozen=True)
class Hit:
    record_id: str
    platform: str
    platform_id: str
    doc_type: str
    document_id: str
    section: str
    text: str
    dense: float | None = None  # cosine similarity, when the dense stage found it
    lexical: float | None = None  # BM25 score, when the lexical stage found it
    fused: float = 0.0  # reciprocal-rank fusion score
    dense_rank: int | None = None
    lexical_rank: int | None = None
    rerank: float | None = None  # the cross-encoder's relevance score, when it read the hit

    def scores(self) -> dict[str, float | None]:
        out = {"dense": self.dense, "lexical": self.lexical, "fused": self.fused}
        if self.rerank is not None:
            out["rerank"] = self.rerank
        return out


@dataclass(frozen=True)
class Citation:
    record_id: str
    platform: str
    document: str  # document type
    section: str
    quote: str
    start: int  # offsets of the quote inside the record's text
    end: int
    scores: dict[str, float | None] = field(default_factory=dict)
    n: int = 0  # number shown in the answer text, [1], [2], ...
    # the reader's answering words inside the record's text (within start:end); -1: none
    key_start: int = -1
    key_end: int = -1

    @property
    def key(self) -> str:
        """The answering words the reader found, else the whole quote."""
        if 0 <= self.key_start < self.key_end and self.start <= self.key_start \
                and self.key_end <= self.end:
            return self.quote[self.key_start - self.start: self.key_end - self.start]
        return self.quote

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Search(Protocol):
    """What a handler needs to find clauses: ``Assistant.retrieve``, or a stand-in."""

    def __call__(self, question: str, filters: Filters, k: int = 10,
                 mode: str = "hybrid", *, adapt: bool = True) -> list[Hit]:
        """``adapt``: through the question adapter when the assistant has one."""
        ...


@dataclass(frozen=True)
class CompareRow:
    """One platform's row of a comparison."""

    platform: str
    platform_id: str
    document: str
    quote: str
    record_id: str
    addressed: bool
    searched: str  # documents searched, for the "not addressed" row
    n: int = 0
    answer: str = ""  # "yes" / "no" when the topic is a yes/no question the clause settles


@dataclass
class Answer:
    """An answer and what the front ends show beside it. ``meta`` holds route-specific
    details for the JSON output (change IDs, the generator used); the front ends read only the
    typed fields."""

    text: str
    citations: list[Citation]
    evidence: list[Hit]
    route: str = "ask"
    abstained: bool = False
    lead: str = ""  # "yes" / "no" when the answer opens with one (assistant/lead.py)
    focus: str = ""  # what was searched, shown to the user
    timings: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    platforms: tuple[str, ...] = ()  # platform IDs searched (or compared)
    table: list[CompareRow] = field(default_factory=list)  # a comparison's rows
    top_dense: float | None = None  # the best evidence's cosine similarity
    top_coverage: float | None = None  # the share of question words the best sentence holds

    def to_dict(self) -> dict[str, Any]:
        meta = dict(self.meta)
        if self.platforms:
            meta.setdefault("platforms", list(self.platforms))
        if self.table:
            meta["table"] = [asdict(r) for r in self.table]
        for key in ("top_dense", "top_coverage"):
            if getattr(self, key) is not None:
                meta[key] = getattr(self, key)
        return {
            "answer": self.text,
            "route": self.route,
            "abstained": self.abstained,
            "lead": self.lead,
            "focus": self.focus,
            "citations": [c.to_dict() for c in self.citations],
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "meta": meta,
        }
