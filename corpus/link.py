"""Link ToS;DR quotes to the current clauses that still hold them (fuzzy match).

A quote links to the clause of the same platform with the best ``partial_ratio`` (the best
alignment of the shorter text inside the longer, 0-100) when that score is at least
``THRESHOLD`` and the clause covers at least half of the quote. Quotes from 2012-2020 often no
longer appear in today's documents; those stay unlinked.

Links are written with ``link_key``, a digest of everything they depend on (the stored versions,
each document's current version, the annotations). Ingest links whenever the stored key differs
from the store's, so a run killed at any point before the links were committed links on the
next run, even when that run finds every document and the points file unchanged.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable

from rapidfuzz import fuzz

from corpus.store import Assessment, Store
from corpus.text import normalise, words

THRESHOLD = 85.0
MIN_COVER = 0.5


Candidates = list[tuple[str, str, frozenset[str]]]  # (record_id, normalised text, words)
PREFILTER = 8  # partial_ratio runs only on the clauses sharing the most words with the quote


def candidates(clauses: list[tuple[str, str]]) -> Candidates:
    return [(rid, norm, frozenset(words(norm))) for rid, norm in clauses]


def best_match(quote: str, clauses: Candidates) -> tuple[str | None, float]:
    """(record_id, score) of the clause that best holds ``quote``."""
    q = normalise(quote)
    if len(q) < 20:
        return None, 0.0
    qw = frozenset(words(q))
    ranked = sorted(clauses, key=lambda c: len(qw & c[2]), reverse=True)[:PREFILTER]
    best: tuple[str | None, float] = (None, 0.0)
    for rid, norm, _ in ranked:
        short, long_ = (q, norm) if len(q) <= len(norm) else (norm, q)
        if len(short) < MIN_COVER * len(q):
            continue
        score = fuzz.partial_ratio(short, long_, score_cutoff=max(THRESHOLD, best[1]))
        if score > best[1]:
            best = (rid, score)
    return best if best[1] >= THRESHOLD else (None, best[1])


def link_key(store: Store) -> str:
    """A digest of what the links are computed from; it changes when any of it does."""
    h = hashlib.sha256()
    for rows in store.link_basis():
        for row in rows:
            h.update("\x1f".join(str(v) for v in row).encode("utf-8", "surrogatepass") + b"\x1e")
        h.update(b"\x1d")
    return h.hexdigest()[:32]


def links_due(store: Store) -> bool:
    """Whether the stored links are missing or were made from another state of the store."""
    return store.links_key() != link_key(store)


def link_annotations(store: Store, progress: Callable[[Iterable], Iterable] = lambda x: x) -> int:
    """Set each annotation's linked record; returns how many link."""
    key = link_key(store)
    by_platform: dict[str, list[Assessment]] = defaultdict(list)
    for q in store.assessments():
        by_platform[q.platform_id].append(q)
    known = store.platforms()
    links: list[tuple[str, str | None, float | None]] = []
    linked = 0
    for pid in progress(sorted(by_platform)):
        if pid not in known:
            links += [(q.annotation_id, None, None) for q in by_platform[pid]]
            continue
        clauses = candidates([(c.record_id, normalise(c.text))
                              for c in store.current_clauses(pid)])
        for q in by_platform[pid]:
            rid, score = best_match(q.quote, clauses)
            links.append((q.annotation_id, rid, round(score, 1) if rid else None))
            linked += rid is not None
    store.set_annotation_links(links, key)
    return linked
