"""Precedents: what ToS;DR analysts quoted on *other* platforms, as examples of the clause a
question is after.

A plain-language question ("Can Twitch distribute my content in any media?") and the clause that
answers it often share few words and sit far apart in embedding space. ToS;DR cases name the
topic in words close to the question ("The service can distribute your content through any
media known now or in the future"), and each case carries analysts' quotes from many platforms.
So: the question picks its nearest cases by their titles, and each clause of the platform asked
about is scored by its similarity to those cases' quotes (mean of its three best matches),
weighted by how well each case fits the question. Quotes from the platform being asked about are
never used, so the ToS;DR eval suite, built from those quotes, is not answered by its own key.

Quote and case-title vectors are computed on first use (about 8,000 short texts) and kept in
the SQLite store next to the clause vectors (``embeddings`` table, keys ``pq-…`` and ``pc-…``),
so ingest does not pay for a retrieval mode most users never select.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_QUOTE_CHARS = 20
TOP_CASES = 3  # cases a question is matched to
CASE_SHARPNESS = 20.0  # weight exp(20 * (sim - best sim)): a case 0.05 below the best counts 0.37
MIN_CASE_SIM = 0.45  # below this the question is about no ToS;DR case: no precedent list
NEIGHBOURS = 3  # a clause's score: mean similarity to its 3 nearest precedent quotes


def _key(prefix: str, text: str) -> str:
    return f"{prefix}-{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def _inputs(store: Any) -> tuple[list[tuple[str, str, str]], list[str]]:
    rows = [(a.platform_id, a.case, a.quote) for a in store.assessments(MIN_QUOTE_CHARS)]
    return rows, sorted({c for _, c, _ in rows})


def embed_precedents(store: Any, embedder: Any) -> int:
    """Embed the quotes and case titles that have no vector yet; returns how many."""
    rows, cases = _inputs(store)
    wanted = {_key("pq", q): q for _, _, q in rows} | {_key("pc", c): c for c in cases}
    have = store.embeddings(embedder.name, sorted(wanted))
    todo = sorted((k, t) for k, t in wanted.items() if k not in have)
    if todo:
        vecs = embedder.embed([t for _, t in todo]).astype(np.float32)
        store.put_embeddings(embedder.name, [(k, v.tobytes())
                                             for (k, _), v in zip(todo, vecs, strict=True)])
    return len(todo)


@dataclass
class Precedents:
    case_vecs: np.ndarray  # one row per case title
    quote_vecs: np.ndarray  # one row per quote
    quote_case: np.ndarray  # case row of each quote
    quote_platform: np.ndarray  # platform_id of each quote

    @classmethod
    def load(cls, store: Any, model: str) -> Precedents | None:
        """From the stored vectors; None when the store has no usable annotations or their
        vectors are not there yet (``embed_precedents`` makes them)."""
        rows, cases = _inputs(store)
        if not rows:
            return None
        keys = [_key("pc", c) for c in cases] + [_key("pq", q) for _, _, q in rows]
        blobs = store.embeddings(model, sorted(set(keys)))
        if any(k not in blobs for k in keys):
            return None
        vec = lambda k: np.frombuffer(blobs[k], dtype=np.float32)  # noqa: E731
        case_row = {c: i for i, c in enumerate(cases)}
        return cls(np.stack([vec(_key("pc", c)) for c in cases]),
                   np.stack([vec(_key("pq", q)) for _, _, q in rows]),
                   np.array([case_row[c] for _, c, _ in rows], dtype=np.int64),
                   np.array([p for p, _, _ in rows], dtype=object))

    def scores(self, query: np.ndarray, clauses: np.ndarray, platforms: tuple[str, ...]
               ) -> np.ndarray | None:
        """One score per row of ``clauses`` (unit vectors of the platforms' clauses), or None
        when the question matches no case well enough."""
        sims = self.case_vecs @ query
        top = np.argsort(-sims)[:TOP_CASES]
        if not len(top) or sims[top[0]] < MIN_CASE_SIM:
            return None
        others = ~np.isin(self.quote_platform, list(platforms))
        total = np.zeros(len(clauses), dtype=np.float64)
        weight = 0.0
        for case in top:
            sel = (self.quote_case == case) & others
            if not sel.any():
                continue
            w = float(np.exp(CASE_SHARPNESS * (sims[case] - sims[top[0]])))
            near = clauses @ self.quote_vecs[sel].T
            k = min(NEIGHBOURS, near.shape[1])
            total += w * np.sort(near, axis=1)[:, -k:].mean(axis=1)
            weight += w
        return total / weight if weight else None
