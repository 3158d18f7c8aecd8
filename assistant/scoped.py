"""Exact dense search inside a platform scope, over the vectors kept in the SQLite store.

A single Chroma node filters by scanning metadata and then searching HNSW with an allow list, so
a platform-scoped query costs time in proportion to the whole collection: about 0.5 s at 100k
clauses on a Chroma server, against 30 ms unfiltered (evals/bench_scale.py). A platform holds a
few hundred to a few thousand clauses, so a dot product over its vectors is cheaper and exact.
Vectors are read from the store on first use and kept per platform (least recently used out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from assistant.index import ClauseTable


class ScopedVectors:
    def __init__(self, store: Any, model: str, table: ClauseTable, max_platforms: int = 256):
        self.store, self.model, self.table = store, model, table
        self.max_platforms = max_platforms
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def _platform(self, pid: str) -> tuple[np.ndarray, np.ndarray]:
        """(row indices, unit vectors) of one platform's clauses that have a vector."""
        with self._lock:
            if pid in self._cache:
                self._cache.move_to_end(pid)
                return self._cache[pid]
            rows = self.table.rows_of("platform_id", [pid]).tolist()
            keys = [str(k) for k in self.table.embed_key[rows]]
            blobs = self.store.embeddings(self.model, sorted(set(keys)))
            have = [(i, blobs[k]) for i, k in zip(rows, keys, strict=True) if k in blobs]
            idx = np.array([i for i, _ in have], dtype=np.int64)
            mat = (np.stack([np.frombuffer(b, dtype=np.float32) for _, b in have])
                   if have else np.zeros((0, 1), dtype=np.float32))
            self._cache[pid] = (idx, mat)
            if len(self._cache) > self.max_platforms:
                self._cache.popitem(last=False)
            return idx, mat

    def vectors(self, platforms: tuple[str, ...], mask: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """(row indices, unit vectors) of the platforms' clauses, only rows where ``mask`` (over
        the table's rows) is true."""
        parts = [self._platform(p) for p in platforms]
        parts = [(i, m) for i, m in parts if len(i)]
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 1), dtype=np.float32)
        idx = np.concatenate([i for i, _ in parts])
        mat = np.concatenate([m for _, m in parts])
        if mask is None:
            return idx, mat
        keep = mask[idx]
        return idx[keep], mat[keep]

    def search(self, vector: Any, platforms: tuple[str, ...], mask: np.ndarray | None = None,
               k: int | None = None) -> list[tuple[int, float]]:
        """The platforms' clauses as (row, cosine), best first (ties by row), keeping only rows
        where ``mask`` is true and at most ``k`` of them."""
        idx, mat = self.vectors(platforms, mask)
        if not len(idx):
            return []
        sims = mat @ np.asarray(vector, dtype=np.float32)
        order = np.lexsort((idx, -sims))[:k]
        return [(int(idx[j]), float(sims[j])) for j in order]
