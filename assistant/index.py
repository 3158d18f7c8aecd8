"""The clause index: Chroma vectors and a BM25 index over the records in the SQLite store.

``sync`` brings the index up to date with the store: it embeds only clause inputs that have no
vector yet (vectors are kept in SQLite, so the index can always be rebuilt without the model),
then adds, updates and deletes Chroma entries by record ID. ``ClauseTable`` holds what the
runtime needs in memory: texts and the metadata that filters act on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.embedder import Embedder
from corpus.store import Store

if TYPE_CHECKING:  # chromadb loads only where Chroma is used
    from assistant.chroma_store import ChromaIndex

EMBED_CHUNK = 512


@dataclass
class SyncStats:
    embedded: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    seconds_embedding: float = 0.0
    seconds_total: float = 0.0

    @property
    def per_second(self) -> float:
        return self.embedded / self.seconds_embedding if self.seconds_embedding else 0.0


def date_int(iso: str) -> int:
    return int(iso.replace("-", "")[:8] or 0)


def chroma_metadata(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "platform_id": row["platform_id"], "doc_type": row["doc_type"],
        "document_id": row["document_id"], "current": int(bool(row["current"])),
        "valid_from": date_int(row["valid_from"]), "valid_to": date_int(row["valid_to"]),
    }


def sync(store: Store, embedder: Embedder, chroma: ChromaIndex,
         on_embed_start: Callable[[int], None] | None = None,
         on_embedded: Callable[[int], None] | None = None) -> SyncStats:
    """Embed what SQLite lacks, then make Chroma match SQLite.

    Vectors of each embedded chunk go to Chroma on a worker thread while the next chunk is
    embedded. SQLite gets every chunk's vectors first, so a crash at any point loses nothing:
    the next run finds the records still missing from Chroma and adds them.
    """
    stats = SyncStats()
    t0 = time.perf_counter()
    rows = list(store.index_rows())
    existing = chroma.ids()
    wanted = {r["record_id"]: r for r in rows}
    to_add: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["record_id"] not in existing:
            to_add.setdefault(r["embed_key"], []).append(r)
    to_update = []
    for r in rows:
        have = existing.get(r["record_id"])
        meta = chroma_metadata(r)
        if have is not None and any(have.get(k) != v for k, v in meta.items()):
            to_update.append((r["record_id"], meta))
    to_delete = [rid for rid in existing if rid not in wanted]

    def add_rows(vectors: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray, dict]]:
        return [(r["record_id"], vec, chroma_metadata(r))
                for key, vec in vectors.items() for r in to_add.pop(key, [])]

    pending = store.missing_embeddings(embedder.name)
    if on_embed_start:
        on_embed_start(len(pending))
    pending.sort(key=lambda kt: len(kt[1]))
    with ThreadPoolExecutor(max_workers=1) as writer:
        inflight: Future[None] | None = None
        for i in range(0, len(pending), EMBED_CHUNK):
            chunk = pending[i:i + EMBED_CHUNK]
            vecs = embedder.embed([t for _, t in chunk], progress=on_embedded).astype(np.float32)
            store.put_embeddings(embedder.name, [(k, v.tobytes())
                                                 for (k, _), v in zip(chunk, vecs, strict=True)])
            stats.embedded += len(chunk)
            batch = add_rows({k: v for (k, _), v in zip(chunk, vecs, strict=True)})
            if inflight is not None:
                inflight.result()  # one insert at a time; errors surface here
            inflight = writer.submit(chroma.add, batch)
            stats.added += len(batch)
        stats.seconds_embedding = time.perf_counter() - t0
        if inflight is not None:
            inflight.result()
    # records whose vectors were already in SQLite (other record with the same text, or a
    # Chroma that lost them)
    stored = store.embeddings(embedder.name, sorted(to_add))
    rest = add_rows({k: np.frombuffer(v, dtype=np.float32) for k, v in stored.items()})
    chroma.add(rest)
    chroma.update_metadata(to_update)
    chroma.delete(to_delete)
    stats.added += len(rest)
    stats.updated, stats.deleted = len(to_update), len(to_delete)
    stats.seconds_total = time.perf_counter() - t0
    return stats


# columns kept as a small vocabulary plus one code per row (few distinct values)
CODED = ("document_id", "platform_id", "platform", "doc_type", "section")
TextSource = Callable[[list[str]], dict[str, str]]  # record IDs -> texts (the store)


def table_columns(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The columns of ``rows`` as numpy arrays (texts left out), for saving with np.savez:
    loading them takes milliseconds where unpickling 68k row dicts took a second."""
    out: dict[str, np.ndarray] = {
        "record_id": np.array([r["record_id"] for r in rows], dtype=str),
        "embed_key": np.array([r["embed_key"] for r in rows], dtype=str),
        "current": np.array([bool(r["current"]) for r in rows], dtype=bool),
        "valid_from": np.array([date_int(r["valid_from"]) for r in rows], dtype=np.int64),
        "valid_to": np.array([date_int(r["valid_to"]) for r in rows], dtype=np.int64)}
    for name in CODED:
        vocab, codes = np.unique(np.array([r.get(name) or "" for r in rows], dtype=object),
                                 return_inverse=True)
        out[f"{name}_vocab"] = vocab.astype(str)
        out[f"{name}_codes"] = codes.astype(np.int32)
    gaps = [(i, date_int(a), date_int(b)) for i, r in enumerate(rows)
            for a, b in r.get("gaps") or []]
    out["gaps"] = np.array(gaps, dtype=np.int64).reshape(-1, 3)
    return out


class ClauseTable:
    """Record metadata that filters act on, row-aligned with the lexical index. Texts come
    from ``texts`` (the store) when first asked for, so loading the table reads no text."""

    def __init__(self, columns: dict[str, np.ndarray], texts: TextSource):
        self.ids: list[str] = columns["record_id"].tolist()
        self.pos = {rid: i for i, rid in enumerate(self.ids)}
        self.embed_key = columns["embed_key"]
        for name in CODED:
            vocab = columns[f"{name}_vocab"].astype(object)
            setattr(self, name, vocab[columns[f"{name}_codes"]])
        self.document_id: np.ndarray
        self.platform_id: np.ndarray
        self.platform: np.ndarray
        self.doc_type: np.ndarray
        self.section: np.ndarray
        self.current = columns["current"]
        self.valid_from = columns["valid_from"]
        self.valid_to = columns["valid_to"]
        self.gaps: dict[int, list[tuple[int, int]]] = {}
        for i, a, b in columns["gaps"].tolist():
            self.gaps.setdefault(i, []).append((a, b))
        self._texts = texts
        self._text_cache: dict[str, str] = {}
        self._row_index: dict[str, dict[str, np.ndarray]] = {}  # column -> value -> rows

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> ClauseTable:
        """A table over rows that carry their texts (tests, benchmarks, small corpora)."""
        texts = {r["record_id"]: r["text"] for r in rows}
        return cls(table_columns(rows), lambda ids: {i: texts[i] for i in ids})

    def __len__(self) -> int:
        return len(self.ids)

    def text(self, i: int) -> str:
        return self.texts([i])[0]

    def texts(self, rows: Iterable[int]) -> list[str]:
        """Texts of these rows, read from the store once each (a question needs a few dozen)."""
        rids = [self.ids[i] for i in rows]
        missing = [r for r in rids if r not in self._text_cache]
        if missing:
            if len(self._text_cache) > 50_000:
                self._text_cache.clear()
            self._text_cache.update(self._texts(missing))
        return [self._text_cache[r] for r in rids]

    def row(self, i: int) -> dict[str, Any]:
        return {"record_id": self.ids[i], "document_id": self.document_id[i],
                "platform_id": self.platform_id[i], "platform": self.platform[i],
                "doc_type": self.doc_type[i], "section": self.section[i],
                "embed_key": str(self.embed_key[i]), "text": self.text(i)}

    def rows_of(self, column: str, values: Iterable[str]) -> np.ndarray:
        """Row numbers whose ``column`` is one of ``values``, from a per-value index built on
        first use: a platform's mask then costs its own rows, not a scan of every row
        (np.isin over an object array took 4 ms at 68k rows and 220 ms at 1M)."""
        index = self._row_index
        if column not in index:
            groups: dict[str, list[int]] = {}
            for i, v in enumerate(getattr(self, column)):
                groups.setdefault(v, []).append(i)
            index[column] = {v: np.array(ix, dtype=np.int64) for v, ix in groups.items()}
        parts = [index[column][v] for v in values if v in index[column]]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def mask(self, platforms: tuple[str, ...], doc_types: tuple[str, ...], as_of: str,
             records: frozenset[str] | None = None) -> np.ndarray:
        n = len(self.ids)
        if platforms:
            m = np.zeros(n, dtype=bool)
            m[self.rows_of("platform_id", platforms)] = True
        else:
            m = np.ones(n, dtype=bool)
        if records is not None:
            keep = np.zeros(n, dtype=bool)
            keep[[self.pos[r] for r in records if r in self.pos]] = True
            m &= keep
        if doc_types:
            keep = np.zeros(n, dtype=bool)
            keep[self.rows_of("doc_type", doc_types)] = True
            m &= keep
        if as_of:
            d = date_int(as_of)
            m &= (self.valid_from <= d) & (self.valid_to > d)
            for i, spans in self.gaps.items():
                if any(a <= d < b for a, b in spans):
                    m[i] = False
        else:
            m &= self.current
        return m
