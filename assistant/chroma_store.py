"""Clause vectors in Chroma, through LlamaIndex's ChromaVectorStore. chromadb is imported here
and nowhere else.

The embedded ``PersistentClient`` is the default; ``url`` selects a Chroma server
(``chromadb.HttpClient``). Collections are created with ``embedding_function=None`` (Chroma's
default function would download a model) and cosine HNSW with a raised ``ef_search``: 800,
because at a million clause vectors on a server, recall@10 against exact search was 0.932 at
ef_search 200, 0.978 at 800 and 0.998 at 2000 (p95 7, 9 and 12 ms; evals/bench_scale.py).
The graph is built with max_neighbors 16 and ef_construction 100, about 1.7x faster to insert
than 32 / 200 (3,900 against 2,300 vectors per second, embedded, 30k vectors; recall@10 0.998
against 1.000 there). A million vectors went into a server at 888 per second.

Chroma keeps vectors and filter metadata only; clause text stays in SQLite, the system of
record. Storing the text too would feed Chroma's full-text index on every insert: measured on
30,000 clause vectors, 982 inserts/s with text against 1,846/s without.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from corpus import faults
from corpus.errors import BadInput, StoreUnavailable

COLLECTION = "clauses"
EF_SEARCH = 800
HNSW: dict[str, Any] = {"space": "cosine", "ef_construction": 100, "ef_search": EF_SEARCH,
                        "max_neighbors": 16}
BATCH = 2000
# SQLite's "database is locked" (SQLITE_BUSY) comes back at once, without waiting out Chroma's
# busy timeout, when two connections of one process deadlock on a lock upgrade: seen when a
# second client opens a store the first has just written to. The write was rolled back, so
# the call is tried again after these pauses (6.35 s in all) before it counts as a failure.
BUSY_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)


@dataclass(frozen=True)
class VectorHit:
    record_id: str
    score: float  # cosine similarity
    metadata: dict[str, Any]


def _client(path: Path | None, url: str) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if url:
        u = urlparse(url if "://" in url else f"http://{url}")
        if not u.hostname:
            raise BadInput(f"--chroma-url {url!r} is not a URL like http://127.0.0.1:8000")
        try:
            return chromadb.HttpClient(host=u.hostname, port=u.port or 8000,
                                       ssl=u.scheme == "https", settings=settings)
        except Exception as exc:  # connection refused, DNS, TLS...
            raise StoreUnavailable(f"cannot reach the Chroma server at {url} "
                                   f"({_one_line(exc)}); start it (e.g. `chroma run --path DIR "
                                   f"--port {u.port or 8000}`) or drop --chroma-url") from exc
    assert path is not None
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def _when_free(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, tried again after each of BUSY_WAITS while SQLite reports the
    database locked; any other failure, or the last one, is raised."""
    import time

    for pause in BUSY_WAITS:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if "database is locked" not in str(exc):
                raise
        time.sleep(pause)
    return fn(*args, **kwargs)


def _one_line(exc: BaseException, limit: int = 200) -> str:
    """The exception as one short line: its type and the first line of its message."""
    text = (str(exc).strip().splitlines() or [""])[0]
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class ChromaIndex:
    def __init__(self, path: Path | None = None, url: str = "", model: str = "",
                 collection: str = COLLECTION):
        self.url = url
        self.model = model
        try:
            self._client = _when_free(_client, path, url)
            self._collection = _when_free(self._open, collection)
        except (BadInput, StoreUnavailable):
            raise
        except Exception as exc:
            where = url or str(path)
            raise StoreUnavailable(f"the vector store at {where} is not usable "
                                   f"({_one_line(exc)})") from exc
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.store = ChromaVectorStore(chroma_collection=self._collection)

    def _open(self, name: str) -> Any:
        coll = self._client.get_or_create_collection(
            name, embedding_function=None, configuration={"hnsw": HNSW},
            metadata={"embed_model": self.model})
        if self.model and (coll.metadata or {}).get("embed_model") != self.model:
            # vectors of another model are useless here: start the collection again
            self._client.delete_collection(name)
            coll = self._client.get_or_create_collection(
                name, embedding_function=None, configuration={"hnsw": HNSW},
                metadata={"embed_model": self.model})
        if self._ef_search(coll) not in (None, EF_SEARCH):
            # a collection made with another ef_search: the search-time setting can change in
            # place (the graph itself stays as it was built)
            self._modify_ef_search(coll, EF_SEARCH)
        return coll

    @staticmethod
    def _ef_search(coll: Any) -> int | None:
        return ((coll.configuration_json or {}).get("hnsw") or {}).get("ef_search")

    @staticmethod
    def _modify_ef_search(coll: Any, value: int) -> None:
        import warnings

        with warnings.catch_warnings():  # chromadb 1.5 warns about its own legacy config field
            warnings.simplefilter("ignore", DeprecationWarning)
            coll.modify(configuration={"hnsw": {"ef_search": value}})

    @property
    def ef_search(self) -> int | None:
        """The collection's search-time HNSW breadth, as stored."""
        return self._ef_search(self._collection)

    def set_ef_search(self, value: int) -> None:
        """Store a new search-time breadth. A Chroma server applies it when it next loads the
        index (after a restart), not to the index it has in memory."""
        self._guard("setting ef_search", self._modify_ef_search, self._collection, value)

    def _guard(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return _when_free(fn, *args, **kwargs)
        except Exception as exc:
            if self.url:
                raise StoreUnavailable(
                    f"the Chroma server at {self.url} failed while {what} ({_one_line(exc)}); "
                    "the SQLite store keeps every record: once the server is back, run the "
                    "same command again and it resumes where it stopped") from exc
            raise StoreUnavailable(f"the embedded Chroma store failed while {what} "
                                   f"({_one_line(exc)})") from exc

    def count(self) -> int:
        return int(self._guard("counting vectors", self._collection.count))

    def ids(self) -> dict[str, dict[str, Any]]:
        """Every stored ID with its metadata."""
        out: dict[str, dict[str, Any]] = {}
        total = self.count()
        for offset in range(0, total, 10000):
            got = self._guard("listing IDs", self._collection.get, include=["metadatas"],
                              limit=10000, offset=offset)
            for rid, meta in zip(got["ids"], got["metadatas"], strict=True):
                out[rid] = dict(meta or {})
        return out

    def add(self, rows: Sequence[tuple[str, Iterable[float], dict[str, Any]]]) -> None:
        """(record_id, vector, metadata) rows, written through LlamaIndex. No clause text: it
        stays in SQLite (see the module docstring)."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        def source(meta: dict[str, Any]) -> dict:
            # LlamaIndex writes the node's ref_doc_id over metadata["document_id"]
            doc = meta.get("document_id")
            return {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=str(doc))} if doc else {}

        for i in range(0, len(rows), BATCH):
            nodes = [TextNode(id_=rid, text="", metadata=meta, relationships=source(meta),
                              embedding=list(map(float, vec)))
                     for rid, vec, meta in rows[i:i + BATCH]]
            faults.point("chroma-add")
            self._guard("adding vectors", self.store.add, nodes)

    def update_metadata(self, items: Sequence[tuple[str, dict[str, Any]]]) -> None:
        for i in range(0, len(items), BATCH):
            chunk = items[i:i + BATCH]
            got = self._guard("reading metadata", self._collection.get,
                              ids=[rid for rid, _ in chunk], include=["metadatas"])
            current = dict(zip(got["ids"], got["metadatas"], strict=True))
            metas = [{**(current.get(rid) or {}), **meta} for rid, meta in chunk]
            faults.point("chroma-update")
            self._guard("updating metadata", self._collection.update,
                        ids=[rid for rid, _ in chunk], metadatas=metas)

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), BATCH):
            self._guard("deleting vectors", self._collection.delete, ids=ids[i:i + BATCH])

    def query(self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
              ) -> list[VectorHit]:
        """Nearest clauses through ``ChromaVectorStore.query``; ``where`` as metadata filters."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        q = VectorStoreQuery(query_embedding=list(map(float, vector)), similarity_top_k=k,
                             filters=_filters(where))
        res = self._guard("querying", self.store.query, q)
        import math

        hits = []
        for node, sim in zip(res.nodes or [], res.similarities or [], strict=False):
            cos = 1.0 + math.log(sim) if sim > 0 else -1.0  # the store reports exp(-distance)
            hits.append(VectorHit(node.node_id, cos, dict(node.metadata)))
        # equal vectors (the same text in two records) tie; HNSW returns them in insertion
        # order, which depends on how ingest batched them, so ties go by record ID
        hits.sort(key=lambda h: (-round(h.score, 6), h.record_id))
        return hits


def _filters(where: dict[str, Any] | None) -> Any:
    """Our filter dict ({key: value | [values] | (op, value)}) as LlamaIndex MetadataFilters."""
    if not where:
        return None
    from llama_index.core.vector_stores.types import (
        FilterOperator,
        MetadataFilter,
        MetadataFilters,
    )

    ops = {"==": FilterOperator.EQ, "<=": FilterOperator.LTE, ">": FilterOperator.GT,
           ">=": FilterOperator.GTE, "<": FilterOperator.LT}
    items: list[MetadataFilter | MetadataFilters] = []
    for key, value in where.items():
        if isinstance(value, list):
            items.append(MetadataFilter(key=key, value=value, operator=FilterOperator.IN))
        elif isinstance(value, tuple):
            for op, v in zip(value[::2], value[1::2], strict=True):
                items.append(MetadataFilter(key=key, value=v, operator=ops[op]))
        else:
            items.append(MetadataFilter(key=key, value=value, operator=FilterOperator.EQ))
    return MetadataFilters(filters=items)
