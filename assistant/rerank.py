"""The answering stages after retrieval, each switchable so the eval reports can show what
each adds: rerank the fused candidates with the trained cross-encoder, read the answering
span inside the clauses. Both come from one forward pass per candidate
(``assistant.qa_model``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from assistant.qa_model import Reading
from assistant.types import Hit
from corpus import doc_prior

CANDIDATES = 12  # fused candidates the cross-encoder reads: ~25 ms each at 1 thread
# the `fast` column and POLICY_ASSISTANT_CANDIDATES=4: reading the fused top 4 only costs about
# a third. The reader still answers from the top clauses, but only those 4 are reordered:
# recall@k for k >= 4 is the fused one (no clause from ranks 5-12 can move up)
FAST_CANDIDATES = 4
KEEP = 10
RRF_K = 60


@dataclass(frozen=True)
class Stages:
    rerank: bool = True
    read: bool = True
    adapt: bool = True  # the question adapter (when the assistant has one)
    candidates: int = CANDIDATES  # fused candidates the model reads (to rerank and to read)

    def __post_init__(self) -> None:
        if self.candidates < 1:
            raise ValueError(f"Stages.candidates must be at least 1, not {self.candidates}")

    @property
    def any(self) -> bool:
        return self.rerank or self.read

    @property
    def name(self) -> str:
        if not self.adapt:
            return "plain" if not self.any else "unadapted"
        name = "+reader" if self.read and self.rerank else "+reranker" if self.rerank else \
            "reader only" if self.read else "fused"
        return name if not self.any or self.candidates == CANDIDATES else \
            f"{name} (top {self.candidates})"


FUSED = Stages(False, False)
PLAIN = Stages(False, False, adapt=False)  # fused retrieval without the question adapter
RERANKED = Stages(True, False)
FULL = Stages(True, True)
FAST = Stages(True, True, candidates=FAST_CANDIDATES)


@lru_cache(maxsize=1)
def _prior() -> dict[str, float]:
    return doc_prior.load()


def rerank_hits(hits: list[Hit], readings: dict[str, Reading], keep: int = KEEP,
                prior: dict[str, float] | None = None) -> list[Hit]:
    """Hits ordered by reciprocal-rank fusion of their fused (retrieval) rank and the
    cross-encoder's rank, each list weighted alike (``RRF_K`` as in retrieval; on the
    training-side sets of ``evals.tuning_sets`` weighting the model 2x, 3x or alone did worse).
    The model's order is by its logit plus the log of the document-type prior
    (``corpus/doc_prior.py``: main documents over guidelines when equally relevant). The
    learned score joins the retrieval evidence rather than replacing it: alone, the
    cross-encoder put guidelines and look-alike clauses above the answering clause of
    questions worded unlike its training data (see the eval reports' ablation). Each hit
    keeps the model's own score as ``rerank``; hits it did not read follow."""
    weights = _prior() if prior is None else prior
    read = [h for h in hits if h.record_id in readings]
    rest = [h for h in hits if h.record_id not in readings]

    def adjusted(i: int) -> float:
        return readings[read[i].record_id].relevance + doc_prior.log_weight(weights,
                                                                            read[i].doc_type)

    by_model = sorted(range(len(read)), key=lambda i: (-adjusted(i), i))
    model_rank = {i: r for r, i in enumerate(by_model, 1)}
    score = {i: 1 / (RRF_K + i + 1) + 1 / (RRF_K + model_rank[i]) for i in range(len(read))}
    order = sorted(range(len(read)), key=lambda i: (-score[i], i))
    ranked = [replace(read[i], rerank=readings[read[i].record_id].relevance) for i in order]
    return (ranked + rest)[:keep]
