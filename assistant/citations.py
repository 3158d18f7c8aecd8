"""The citation check: nothing reaches the user that cites a record it did not retrieve, or
quotes text that is not exactly in that record."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.types import Answer, Citation, Hit


class CitationError(Exception):
    """An answerer produced a citation that fails the check."""


def citation_problem(c: Citation, hits: dict[str, Hit]) -> str | None:
    hit = hits.get(c.record_id)
    if hit is None:
        return f"{c.record_id} was not among the retrieved clauses"
    if not c.quote or hit.text[c.start:c.end] != c.quote:
        return f"the quote for {c.record_id} is not the text at {c.start}:{c.end} of that record"
    return None


def verify(answer: Answer, retrieved: Iterable[Hit]) -> Answer:
    """Return ``answer`` unchanged if every citation checks out; raise CitationError if not."""
    by_id = {h.record_id: h for h in retrieved}
    for c in answer.citations:
        problem = citation_problem(c, by_id)
        if problem:
            raise CitationError(problem)
    return answer


def keep_valid(citations: Iterable[Citation], retrieved: Iterable[Hit]
               ) -> tuple[list[Citation], list[str]]:
    """Split citations into those that pass and the reasons the others fail (for LLM output)."""
    by_id = {h.record_id: h for h in retrieved}
    good, bad = [], []
    for c in citations:
        problem = citation_problem(c, by_id)
        if problem:
            bad.append(problem)
        else:
            good.append(c)
    return good, bad
