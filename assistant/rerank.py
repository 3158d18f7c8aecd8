"""The answering stages after retrieval, each switchable so the eval reports can show what
each adds: rerank the fused candidates with the trained cross-encoder, read the answering
span inside the clauses. Both come from one forward pass per candidate
(``assistant.qa_model``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.qa_model import Reading
from assistant.types import Hit

CANDIDATES = 12  # fused candidates the cross-encoder reads: ~10 ms each at 1 thread
KEEP = 10


@dataclass(frozen=True)
class Stages:
    rerank: bool = True
    read: bool = True

    @property
    def any(self) -> bool:
        return self.rerank or self.read

    @property
    def name(self) -> str:
        return "+reader" if self.read and self.rerank else "+reranker" if self.rerank else \
            "reader only" if self.read else "fused"


FUSED = Stages(False, False)
RERANKED = Stages(True, False)
FULL = Stages(True, True)


def rerank(hits: list[Hit], readings: dict[str, Reading], keep: int = KEEP) -> list[Hit]:
    """Hits in the cross-encoder's order (its relevance score, fused order on ties); each
    keeps its score as ``rerank``. Hits the model did not read follow in fused order."""
    read = [h for h in hits if h.record_id in readings]
    rest = [h for h in hits if h.record_id not in readings]
    order = sorted(range(len(read)), key=lambda i: (-readings[read[i].record_id].relevance, i))
    ranked = [replace(read[i], rerank=readings[read[i].record_id].relevance) for i in order]
    return (ranked + rest)[:keep]
