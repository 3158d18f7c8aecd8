"""Question + passage pairs as word pieces (assistant/qa_tokens.py): a question read against
many passages is tokenised once, and any rows of a batch are exactly the arrays their pairs
would have on their own (so a passage reads the same whatever is read beside it)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import trained_weights as tw
from assistant.qa_tokens import PairEncoder

PASSAGES = ["We may suspend your account.",
            "Streamly keeps your listening history for as long as your account is open and "
            "deletes it within 90 days after you close it.",
            "Cookies."]


@pytest.fixture(scope="module")
def encoder() -> PairEncoder:
    return PairEncoder(tw.base_model_dir() / "tokenizer.json", 64)


@pytest.mark.parametrize("rows", [[0], [1], [2], [2, 0], [0, 1, 2]])
def test_rows_taken_from_a_batch_are_the_batch_of_those_pairs(encoder, rows):
    q = "  Can Streamly close my account?  "
    together = encoder.encode([(q, p) for p in PASSAGES]).take(rows)
    alone = encoder.encode([(q, PASSAGES[r]) for r in rows])
    for name, want in alone.arrays().items():
        got = together.arrays()[name]
        assert got.flags["C_CONTIGUOUS"] and np.array_equal(got, want), name
    assert np.array_equal(together.passage, alone.passage)
    assert together.offsets == alone.offsets


def test_a_question_asked_of_many_passages_is_tokenised_once(encoder, monkeypatch):
    seen: list[list[str]] = []
    real = encoder.tok

    class Counting:
        def encode_batch(self, texts: list[str], **kw: object) -> object:
            seen.append(list(texts))
            return real.encode_batch(texts, **kw)

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    monkeypatch.setattr(encoder, "tok", Counting())
    batch = encoder.encode([("Can they close it?", p) for p in PASSAGES] + [("Why?", "Cookies.")])
    assert seen[0] == ["Can they close it?", "Why?"] and seen[1] == [*PASSAGES, "Cookies."]
    assert batch.input_ids.shape[0] == 4
