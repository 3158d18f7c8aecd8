"""Precedent scoring on hand-made unit vectors whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.precedents import Precedents


def unit(i: int, dim: int = 6) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    return v


@pytest.fixture()
def precedents() -> Precedents:
    # case 0 is described by axis 0, case 1 by axis 1; quotes: case 0 on platform "a" (axis 2)
    # and on platform "b" (axis 3), case 1 on platform "b" (axis 4)
    return Precedents(
        case_vecs=np.stack([unit(0), unit(1)]),
        quote_vecs=np.stack([unit(2), unit(3), unit(4)]),
        quote_case=np.array([0, 0, 1]),
        quote_platform=np.array(["a", "b", "b"], dtype=object))


def test_clause_like_another_platforms_quote_ranks_first(precedents: Precedents) -> None:
    clauses = np.stack([unit(2), unit(3), unit(5)])  # platform a's clauses
    scores = precedents.scores(unit(0), clauses, ("a",))
    assert scores is not None
    # platform a's own quote (axis 2) is never a precedent for platform a: only b's counts
    assert scores.tolist() == pytest.approx([0.0, 1.0, 0.0])


def test_own_quote_counts_for_other_platforms(precedents: Precedents) -> None:
    clauses = np.stack([unit(2), unit(3)])
    scores = precedents.scores(unit(0), clauses, ("c",))
    assert scores is not None
    # asked about platform c, both quotes of case 0 are precedents; a clause matches one of
    # them fully and the other not at all: mean of its (up to 3) best matches = 0.5
    assert scores.tolist() == pytest.approx([0.5, 0.5])


def test_question_about_no_case_gets_no_precedents(precedents: Precedents) -> None:
    assert precedents.scores(unit(5), np.stack([unit(3)]), ("a",)) is None


def test_second_case_is_weighted_by_its_fit(precedents: Precedents) -> None:
    q = (unit(0) + 0.9 * unit(1)).astype(np.float32)
    q /= np.linalg.norm(q)
    clauses = np.stack([unit(3), unit(4)])
    scores = precedents.scores(q, clauses, ("a",))
    assert scores is not None
    sims = np.array([1.0, 0.9]) / np.linalg.norm([1.0, 0.9])
    w1 = np.exp(20 * (sims[1] - sims[0]))  # case 1 fits 0.074 worse than case 0
    assert scores.tolist() == pytest.approx([1 / (1 + w1), w1 / (1 + w1)])


def test_precedent_list_stands_in_for_the_dense_list(fresh_assistant) -> None:
    from assistant.types import Filters

    f = Filters(platforms=("learnify",))
    q = "Can Learnify delete my account without prior notice and without a reason?"
    timings: dict[str, float] = {}
    fresh_assistant.retrieve(q, f, mode="precedent", timings=timings)
    # the ToS;DR case of that title has a Streamly quote: a precedent for Learnify
    assert "precedent_ms" in timings and "dense_ms" not in timings and "lexical_ms" in timings


def test_question_about_no_case_retrieves_as_hybrid(fresh_assistant) -> None:
    from assistant.types import Filters

    f = Filters(platforms=("learnify",))
    q = "How long is the refund window for annual plans?"
    timings: dict[str, float] = {}
    got = fresh_assistant.retrieve(q, f, mode="precedent", timings=timings)
    want = fresh_assistant.retrieve(q, f, mode="hybrid")
    assert "dense_ms" in timings
    assert [h.record_id for h in got] == [h.record_id for h in want]
    assert [h.fused for h in got] == [h.fused for h in want]
