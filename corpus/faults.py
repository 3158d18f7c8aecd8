"""Fault injection for the crash-safety tests: named points in every write path of ingest and
label-corpus where the process can be made to die.

``POLICY_ASSISTANT_FAULT=<point>[:<n>]`` ends the process with ``os._exit(KILLED)`` the n-th time
(default: the first) it passes ``<point>``: no ``finally``, no ``atexit``, no flush, no commit,
as a kill -9 or a power cut would. Points inside a transaction die before its commit (SQLite
rolls it back); the point of the next write is the moment right after the previous commit.
Unset (the normal case) a point only counts its passes in ``hits``.
"""

from __future__ import annotations

import os
from collections import Counter

ENV = "POLICY_ASSISTANT_FAULT"
KILLED = 137  # the exit status a shell reports for SIGKILL

POINTS: dict[str, str] = {
    "document": "a document version's transaction (version, clauses, occurrences, current)",
    "seed": "a record page's transaction",
    "annotations": "the ToS;DR points' transaction (all points of a file replaced)",
    "source-mark": "the transaction marking a ToS;DR file as read",
    "links": "the transaction writing the ToS;DR links, after they were computed",
    "embeddings": "a chunk of vectors written to SQLite",
    "chroma-add": "a batch of vectors about to be added to Chroma",
    "chroma-update": "a batch of Chroma metadata updates",
    "changes": "a version pair's change records",
    "labels": "a batch of clause labels (the whole table is one transaction)",
}

hits: Counter[str] = Counter()


def point(name: str) -> None:
    """Pass the named point: die here if ``$POLICY_ASSISTANT_FAULT`` says so."""
    if name not in POINTS:
        raise ValueError(f"unknown fault point {name!r}")
    hits[name] += 1
    spec = os.environ.get(ENV)
    if not spec:
        return
    want, _, nth = spec.partition(":")
    if want == name and hits[name] == int(nth or 1):
        os._exit(KILLED)
