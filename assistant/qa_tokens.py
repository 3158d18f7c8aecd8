"""Question + passage pairs as MiniLM word pieces, the same way in training and at run time.

``[CLS] question [SEP] passage [SEP]``, lower-cased by the model's own ``tokenizer.json``; the
question is cut to ``MAX_QUESTION`` pieces and the passage fills the rest of ``max_len``. Each
passage token keeps its character offsets, so a predicted token span maps back to an exact
substring of the passage (the quote a citation shows). Imports only ``tokenizers`` and numpy,
so the training script runs on a machine with neither the project's store nor its indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAX_QUESTION = 48


@dataclass
class PairBatch:
    input_ids: np.ndarray  # (n, L) int64
    attention_mask: np.ndarray
    token_type_ids: np.ndarray
    offsets: list[list[tuple[int, int]]]  # per row, per token: passage char offsets
    passage: np.ndarray  # (n, L) bool: token belongs to the passage

    def arrays(self) -> dict[str, np.ndarray]:
        return {"input_ids": self.input_ids, "attention_mask": self.attention_mask,
                "token_type_ids": self.token_type_ids}

    def take(self, rows: list[int]) -> PairBatch:
        """These rows as their own batch, padded only to the longest of them: the arrays a
        batch of just these pairs would have."""
        width = int(self.attention_mask[rows].sum(axis=1).max())

        def cut(a: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(a[rows, :width])

        return PairBatch(cut(self.input_ids), cut(self.attention_mask),
                         cut(self.token_type_ids), [self.offsets[r][:width] for r in rows],
                         cut(self.passage))


class PairEncoder:
    def __init__(self, tokenizer_json: Path | str, max_len: int = 256):
        from tokenizers import Tokenizer

        tok: Any = Tokenizer.from_file(str(tokenizer_json))
        tok.no_truncation()
        tok.no_padding()
        self.tok = tok
        self.max_len = max_len
        self.cls: int = tok.token_to_id("[CLS]")
        self.sep: int = tok.token_to_id("[SEP]")

    def encode(self, pairs: list[tuple[str, str]]) -> PairBatch:
        questions = [q.strip() for q, _ in pairs]
        distinct = list(dict.fromkeys(questions))  # one question is read against many passages
        by_text = dict(zip(distinct, self.tok.encode_batch(distinct, add_special_tokens=False),
                           strict=True))
        qs = [by_text[q] for q in questions]
        ps = self.tok.encode_batch([p for _, p in pairs], add_special_tokens=False)
        rows: list[tuple[list[int], list[int], list[tuple[int, int]], list[bool]]] = []
        for q, p in zip(qs, ps, strict=True):
            qids = q.ids[:MAX_QUESTION]
            room = max(1, self.max_len - len(qids) - 3)
            pids, poffs = p.ids[:room], p.offsets[:room]
            rows.append(([self.cls, *qids, self.sep, *pids, self.sep],
                         [0] * (len(qids) + 2) + [1] * (len(pids) + 1),
                         [(0, 0)] * (len(qids) + 2) + list(poffs) + [(0, 0)],
                         [False] * (len(qids) + 2) + [True] * len(pids) + [False]))
        width = max(len(r[0]) for r in rows)
        n = len(rows)
        ids = np.zeros((n, width), dtype=np.int64)
        types = np.zeros((n, width), dtype=np.int64)
        mask = np.zeros((n, width), dtype=np.int64)
        is_p = np.zeros((n, width), dtype=bool)
        offsets = []
        for i, (r_ids, r_types, r_offs, r_p) in enumerate(rows):
            k = len(r_ids)
            ids[i, :k] = r_ids
            types[i, :k] = r_types
            mask[i, :k] = 1
            is_p[i, :k] = r_p
            offsets.append(r_offs + [(0, 0)] * (width - k))
        return PairBatch(ids, mask, types, offsets, is_p)


def char_span_to_tokens(offsets: list[tuple[int, int]], passage: np.ndarray, start: int,
                        end: int) -> tuple[int, int] | None:
    """Token positions (inclusive) covering characters [start, end) of the passage; None when
    the span was cut off."""
    s = e = None
    for i, (a, b) in enumerate(offsets):
        if not passage[i]:
            continue
        if s is None and b > start:
            s = i
        if a < end:
            e = i
    if s is None or e is None or e < s or offsets[s][0] >= end:
        return None
    return s, e


def best_span(start_logits: np.ndarray, end_logits: np.ndarray, passage: np.ndarray,
              max_tokens: int = 64) -> tuple[int, int, float]:
    """Highest start + end score over passage tokens with end >= start (at most ``max_tokens``
    apart); the score is relative to the null answer (the [CLS] token)."""
    idx = np.flatnonzero(passage)
    if not len(idx):
        return 0, 0, float("-inf")
    st, en = start_logits[idx], end_logits[idx]
    n = len(idx)
    scores = st[:, None] + en[None, :]
    i, j = np.indices((n, n))
    scores = np.where((j >= i) & (j - i < max_tokens), scores, -np.inf)
    a, b = np.unravel_index(int(np.argmax(scores)), scores.shape)
    null = float(start_logits[0] + end_logits[0])
    return int(idx[a]), int(idx[b]), float(scores[a, b]) - null
