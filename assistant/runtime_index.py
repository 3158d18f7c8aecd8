"""What answering holds in memory, built from the store and cached on disk per corpus: the
clause table (the metadata filters act on; texts are read from the store when a hit needs
them), the BM25 index, word idf and the documents not in English.

The cache is a folder keyed by the store's fingerprint, so a changed corpus is rebuilt, never
read stale. The table's columns are numpy arrays (``np.savez``) and BM25 is saved in bm25s's
own format and memory-mapped, so a cold start reads a few megabytes instead of unpickling
68k row dicts (2.3 s with the pickle this replaces)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answer import idf_from_texts
from assistant.index import ClauseTable, table_columns
from assistant.lexical import LexicalIndex
from corpus.errors import IndexMissing
from corpus.store import Store
from corpus.text import language_of

RUNTIME_CACHE = "v3"  # layout of the cache folder: table.npz, bm25/, words.json


@dataclass
class RuntimeIndex:
    table: ClauseTable
    lexical: LexicalIndex
    idf: dict[str, float]
    languages: dict[tuple[str, str], str]  # (platform ID, document type) -> not English


def load_runtime_index(store: Store, cache_dir: Path) -> RuntimeIndex:
    """The index for the store as it is now: from the cache, else built and cached."""
    folder = cache_dir / f"runtime-{RUNTIME_CACHE}-{store.fingerprint()}"
    if (found := _read(folder, store)) is not None:
        return found
    rows = list(store.index_rows())
    if not rows:
        raise IndexMissing(
            f"no clauses in {store.path}; build the index with "
            "`policy-assistant ingest PATH` (e.g. ../shared/policy-docs)")
    texts = [r["embed_text"] for r in rows]
    columns = table_columns(rows)
    ids = [r["record_id"] for r in rows]
    index = RuntimeIndex(
        ClauseTable(columns, store.clause_texts), LexicalIndex(ids, texts),
        idf_from_texts(texts),
        {(pid, dt): lang for pid, dt, text in store.current_texts()
         if (lang := language_of(text)) != "English"})
    _write(folder, columns, index)
    return index


def _read(folder: Path, store: Store) -> RuntimeIndex | None:
    if not (folder / "words.json").exists():
        return None
    try:
        with np.load(folder / "table.npz") as npz:
            columns = {k: npz[k] for k in npz.files}
        words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        table = ClauseTable(columns, store.clause_texts)
        return RuntimeIndex(table, LexicalIndex.load(folder / "bm25", table.ids), words["idf"],
                            {(p, d): lang for p, d, lang in words["languages"]})
    except Exception:  # damaged or partial: built again
        return None


def _write(folder: Path, columns: dict[str, np.ndarray], index: RuntimeIndex) -> None:
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        np.savez(tmp / "table.npz", **columns)  # type: ignore[arg-type]  # numpy stub
        index.lexical.save(tmp / "bm25")
        # written last: its presence marks a complete folder
        (tmp / "words.json").write_text(json.dumps({
            "idf": index.idf,
            "languages": [[p, d, lang] for (p, d), lang in sorted(index.languages.items())]}),
            encoding="utf-8")
        for old in folder.parent.glob("runtime-*"):  # any earlier corpus or layout
            if old != tmp:
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        tmp.rename(folder)
    except OSError:  # a read-only data dir still works, just slower to start
        shutil.rmtree(tmp, ignore_errors=True)
