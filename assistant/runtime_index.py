"""What answering holds in memory, built from the store and cached on disk per corpus: the
clause table (texts and the metadata filters act on), the BM25 index, word idf and the
documents not in English. The cache file is keyed by the store's fingerprint, so a changed
corpus is rebuilt, never read stale."""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from assistant.answer import idf_from_texts
from assistant.index import ClauseTable
from assistant.lexical import LexicalIndex
from corpus.errors import IndexMissing
from corpus.store import Store
from corpus.text import language_of

RUNTIME_CACHE = "v2"  # layout of the cache file: rows, BM25, idf, document languages


@dataclass
class RuntimeIndex:
    table: ClauseTable
    lexical: LexicalIndex
    idf: dict[str, float]
    languages: dict[tuple[str, str], str]  # (platform ID, document type) -> not English


def load_runtime_index(store: Store, cache_dir: Path) -> RuntimeIndex:
    """The index for the store as it is now: from the cache, else built and cached."""
    path = cache_dir / f"runtime-{RUNTIME_CACHE}-{store.fingerprint()}.pickle"
    cached = _read(path)
    if cached is None:
        rows = list(store.index_rows())
        if not rows:
            raise IndexMissing(
                f"no clauses in {store.path}; build the index with "
                "`policy-assistant ingest PATH` (e.g. ../shared/policy-docs)")
        texts = [r["embed_text"] for r in rows]
        languages = {(pid, dt): lang for pid, dt, text in store.current_texts()
                     if (lang := language_of(text)) != "English"}
        cached = (rows, LexicalIndex([r["record_id"] for r in rows], texts),
                  idf_from_texts(texts), languages)
        _write(path, cached)
    rows, lexical, idf, languages = cached
    return RuntimeIndex(ClauseTable(rows), lexical, idf, languages)


def _read(path: Path) -> tuple | None:
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)  # our own file, written below
    except Exception:
        return None


def _write(path: Path, value: tuple) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("runtime-*.pickle"):  # any earlier corpus or layout
            old.unlink(missing_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass  # a read-only data dir still works, just slower to start
