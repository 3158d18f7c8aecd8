"""The system of record: one SQLite file holding platforms, documents, versions, clauses,
annotations and embeddings. Every index is rebuilt from it.

Each document version is written in one transaction, so an ingest killed at any point leaves
whole documents or nothing; re-running it finishes the job without duplicates.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from corpus import faults, ids
from corpus.errors import BadInput, NotFound, StoreUnavailable
from corpus.models import Annotation, Document, SeedRecord, Segment
from corpus.schema import check_read_only, migrate
from corpus.text import normalise


@dataclass
class DocumentResult:
    document_id: str
    version_id: str
    status: str  # new | updated | unchanged | history
    clauses: int = 0
    new: int = 0
    removed: int = 0


@dataclass
class ClauseRow:
    record_id: str
    document_id: str
    platform: str
    doc_type: str
    text: str
    section: str
    version_id: str
    version_date: str
    source: str
    url: str
    sha256: str
    collection: str
    current: bool
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Version:
    version_id: str
    document_id: str
    version_date: str
    kind: str  # current | history
    sha256: str
    platform: str
    doc_type: str


class DocumentRow(NamedTuple):
    """A document with its current version's date, source and URL."""

    document_id: str
    platform_id: str
    platform: str
    doc_type: str
    collection: str
    current_version: str | None
    version_date: str | None
    url: str | None
    source: str | None


class CurrentClause(NamedTuple):
    """A clause of a document's current version."""

    record_id: str
    text: str
    doc_type: str


class Occurrence(NamedTuple):
    """A clause where one version holds it: offsets into that version's text."""
    record_id: str
    section: str
    start: int
    end: int
    text: str  # the clause's stored display text


class Span(NamedTuple):
    """A clause of a document's current version: its offsets in that version's text."""
    platform: str
    record_id: str
    start: int
    end: int


class StoredVector(NamedTuple):
    """One distinct clause input's vector, with one of its clauses' platform."""
    vector: bytes
    platform_id: str
    current: bool  # the clause is in the current version of its document


class ClauseInput(NamedTuple):
    record_id: str
    text: str
    embed_key: str


class ClauseRef(NamedTuple):
    platform_id: str
    embed_key: str
    text: str


class Assessment(NamedTuple):
    """A ToS;DR point as stored: who, which case, how it was rated, what it quotes."""
    annotation_id: str
    platform_id: str
    case: str
    classification: str
    quote: str


def embed_input(section: str, text: str) -> str:
    """What the embedding model reads: the section path gives a short clause its context."""
    return f"{section}: {text}" if section else text


_UNSET = object()


class Store:
    """The records' repository: the only way into the SQLite file (``corpus.schema`` holds its
    tables). ``read_only`` opens an existing, current store without ever writing it."""

    def __init__(self, path: Path | str, read_only: bool = False):
        self.path = Path(path)
        self._memo: dict[tuple[Any, ...], Any] = {}
        self._memo_version: tuple[int, int] | None = None
        try:
            if read_only:
                self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                            check_same_thread=False)
                self.conn.row_factory = sqlite3.Row
                check_read_only(self.conn, self.path)
                return
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            migrate(self.conn, self.path)
        except (OSError, sqlite3.Error) as exc:  # a file where a folder should be, not SQLite
            reason = getattr(exc, "strerror", None) or str(exc)
            raise StoreUnavailable(f"cannot open the store {self.path} ({reason}); --data-dir "
                                   "must be a folder this user can write, holding no store or "
                                   "one made by policy-assistant") from None

    def close(self) -> None:
        self.conn.close()

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, kept under ``key`` until the store changes: any write through this
        connection or any commit by another (SQLite's ``data_version``). For read-only
        summaries over the whole store that a page asks again and again (a record page's
        prevalence and "other platforms" lists took 450-940 ms a page on the full corpus)."""
        version = (int(self.conn.execute("PRAGMA data_version").fetchone()[0]),
                   self.conn.total_changes)
        if self._memo_version != version:
            self._memo.clear()
            self._memo_version = version
        value = self._memo.get(key, _UNSET)  # one read: another thread may clear it meanwhile
        if value is not _UNSET:
            return value
        value = compute()
        if len(self._memo) >= 256:
            self._memo.clear()
        self._memo[key] = value
        return value

    # ---- writing -------------------------------------------------------------------------

    def source_unchanged(self, path: str, sha256: str) -> bool:
        row = self.conn.execute("SELECT sha256 FROM sources WHERE path=?", (path,)).fetchone()
        return row is not None and row[0] == sha256

    def mark_source(self, path: str, sha256: str) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO sources VALUES(?, ?)", (path, sha256))
            faults.point("source-mark")

    def add_document(self, doc: Document, segments: Iterable[Segment] | None,
                     sha256: str) -> DocumentResult:
        """Store one version of a document with its clauses, atomically.

        ``segments`` may be None when the caller already knows the version is stored
        (the store checks that first, so an unchanged document is never segmented).
        """
        doc_id = ids.document_id(doc.collection, doc.platform, doc.doc_type)
        ver_id = ids.version_id(doc_id, doc.version_date, sha256)
        known = self.conn.execute("SELECT version_id FROM versions WHERE document_id=? AND "
                                  "sha256=?", (doc_id, sha256)).fetchone()
        current = self._current_version(doc_id)
        if known is not None:
            ver_id = known[0]
            if doc.kind == "current" and current != ver_id:
                return self._make_current(doc_id, ver_id, current)
            return DocumentResult(doc_id, ver_id, "unchanged" if doc.kind == "current"
                                  else "history")
        if segments is None:
            raise ValueError("segments are needed for a version not yet stored")
        doc_key = ids.document_key(doc.collection, doc.platform, doc.doc_type)
        pid = ids.platform_slug(doc.platform)
        seen: dict[str, int] = {}
        rows = []
        for pos, seg in enumerate(segments):
            norm = normalise(seg.text)
            k = seen.get(norm, 0)
            seen[norm] = k + 1
            rid = ids.record_id(doc.platform, doc_key, seg.text, k)
            rows.append((rid, norm, seg, pos))
        new = 0
        with self.conn:
            self.conn.execute("INSERT OR IGNORE INTO platforms VALUES(?, ?)", (pid, doc.platform))
            self.conn.execute(
                "INSERT OR IGNORE INTO documents VALUES(?, ?, ?, ?, ?, NULL)",
                (doc_id, pid, doc.platform, doc.doc_type, doc.collection))
            self.conn.execute(
                "INSERT INTO versions VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ver_id, doc_id, doc.version_date, sha256, doc.source, doc.url, doc.kind,
                 doc.text, json.dumps(doc.meta)))
            for rid, norm, seg, pos in rows:
                new += self._insert_clause(rid, doc_id, pid, doc, seg, norm)
                self.conn.execute("INSERT INTO occurrences VALUES(?, ?, ?, ?, ?, ?)",
                                  (ver_id, pos, rid, seg.section, seg.start, seg.end))
            result = DocumentResult(doc_id, ver_id, "history", len(rows), new)
            if doc.kind == "current":  # in the same transaction: never a document without it
                result.removed = self._set_current(doc_id, ver_id, current)
                result.status = "new" if current is None else "updated"
            faults.point("document")
        return result

    def _insert_clause(self, rid: str, doc_id: str, pid: str, doc: Document, seg: Segment,
                       norm: str) -> int:
        norm_sha = hashlib.sha256(norm.encode()).hexdigest()
        got = self.conn.execute("SELECT norm_sha FROM clauses WHERE record_id=?",
                                (rid,)).fetchone()
        if got is not None:
            if got[0] != norm_sha:
                raise BadInput(f"record ID collision on {rid}: two different texts")
            return 0
        text = embed_input(seg.section, seg.text)
        self.conn.execute(
            "INSERT INTO clauses VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 'segment', '{}')",
            (rid, doc_id, pid, doc.platform, doc.doc_type, seg.text, norm_sha, text,
             ids.text_key(text)))
        return 1

    def _current_version(self, doc_id: str) -> str | None:
        row = self.conn.execute("SELECT current_version FROM documents WHERE document_id=?",
                                (doc_id,)).fetchone()
        return row[0] if row else None

    def _make_current(self, doc_id: str, ver_id: str, old: str | None) -> DocumentResult:
        with self.conn:
            removed = self._set_current(doc_id, ver_id, old)
            faults.point("document")
        return DocumentResult(doc_id, ver_id, "updated", removed=removed)

    def _set_current(self, doc_id: str, ver_id: str, old: str | None) -> int:
        """Point the document at ``ver_id`` (inside the caller's transaction); returns how
        many records of the old current version the new one no longer holds."""
        removed = 0
        if old:
            removed = self.conn.execute(
                "SELECT COUNT(DISTINCT record_id) FROM occurrences WHERE version_id=? AND "
                "record_id NOT IN (SELECT record_id FROM occurrences WHERE version_id=?)",
                (old, ver_id)).fetchone()[0]
        self.conn.execute("UPDATE documents SET current_version=? WHERE document_id=?",
                          (ver_id, doc_id))
        return removed

    def add_seed_record(self, seed: SeedRecord, sha256: str) -> DocumentResult:
        """A record imported with its own IDs (its document is the page it came from)."""
        if not seed.record_id or not seed.text:
            raise BadInput("the record page has no record ID or no clause text")
        pid = ids.platform_slug(seed.platform)
        ver_id = f"{seed.document_id}@{seed.meta.get('first_tracked') or 'seed'}"
        if self.conn.execute("SELECT 1 FROM versions WHERE version_id=? AND sha256=?",
                             (ver_id, sha256)).fetchone():
            return DocumentResult(seed.document_id, ver_id, "unchanged")
        text = embed_input(seed.section, seed.text)
        with self.conn:
            self.conn.execute("INSERT OR IGNORE INTO platforms VALUES(?, ?)", (pid, seed.platform))
            self.conn.execute(
                "INSERT OR REPLACE INTO documents VALUES(?, ?, ?, ?, 'seed', ?)",
                (seed.document_id, pid, seed.platform, seed.doc_type, ver_id))
            self.conn.execute(
                "INSERT OR REPLACE INTO versions VALUES(?, ?, ?, ?, ?, ?, 'current', ?, ?)",
                (ver_id, seed.document_id, seed.meta.get("first_tracked") or "", sha256,
                 seed.source, seed.source, seed.text, json.dumps(seed.meta)))
            self.conn.execute(
                "INSERT OR REPLACE INTO clauses VALUES(?, ?, ?, ?, ?, ?, '', ?, ?, 'seed', ?)",
                (seed.record_id, seed.document_id, pid, seed.platform, seed.doc_type, seed.text,
                 text, ids.text_key(text), json.dumps(seed.meta)))
            self.conn.execute("INSERT OR REPLACE INTO occurrences VALUES(?, 0, ?, ?, 0, ?)",
                              (ver_id, seed.record_id, seed.section, len(seed.text)))
            faults.point("seed")
        return DocumentResult(seed.document_id, ver_id, "new", 1, 1)

    def replace_annotations(self, annotations: Iterable[Annotation]) -> int:
        n = 0
        with self.conn:
            self.conn.execute("DELETE FROM annotations")
            for a in annotations:
                self.conn.execute(
                    "INSERT OR REPLACE INTO annotations VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "NULL, NULL)",
                    (a.annotation_id, ids.platform_slug(a.platform), a.platform, a.case,
                     a.classification, a.quote, a.note, a.source_document, a.title))
                n += 1
            faults.point("annotations")
        return n

    def set_annotation_links(self, links: Iterable[tuple[str, str | None, float | None]],
                             key: str = "") -> None:
        """Write every annotation's link and, in the same transaction, ``key``: what the links
        were computed from (``corpus.link.link_key``), so a run that died before this commit
        links again."""
        with self.conn:
            self.conn.executemany(
                "UPDATE annotations SET record_id=?, match_score=? WHERE annotation_id=?",
                [(rid, score, aid) for aid, rid, score in links])
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES('links_key', ?)", (key,))
            faults.point("links")

    def links_key(self) -> str:
        """The key written with the links (empty: never linked)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key='links_key'").fetchone()
        return str(row[0]) if row else ""

    def put_embeddings(self, model: str, items: Iterable[tuple[str, bytes]]) -> None:
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO embeddings VALUES(?, ?, ?)",
                                  [(k, model, v) for k, v in items])
            faults.point("embeddings")

    # ---- reading -------------------------------------------------------------------------

    def missing_embeddings(self, model: str) -> list[tuple[str, str]]:
        """(embed_key, text) of every clause input not yet embedded with ``model``."""
        rows = self.conn.execute(
            "SELECT DISTINCT c.embed_key, c.embed_text FROM clauses c LEFT JOIN embeddings e "
            "ON e.embed_key=c.embed_key AND e.model=? WHERE e.embed_key IS NULL", (model,))
        return [(r[0], r[1]) for r in rows]

    def embeddings(self, model: str, keys: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                    "SELECT embed_key, vector FROM embeddings WHERE model=? AND embed_key IN "
                    f"({q})",
                    (model, *chunk)):
                out[r[0]] = r[1]
        return out

    def stored_vectors(self, model: str) -> list[StoredVector]:
        """Every vector of ``model``, one per distinct clause input, by embed key."""
        return [StoredVector(r[0], str(r[1]), bool(r[2])) for r in self.conn.execute(
            "SELECT e.vector, c.platform_id, "
            "  EXISTS(SELECT 1 FROM occurrences o JOIN documents d ON "
            "         d.current_version=o.version_id WHERE o.record_id=c.record_id) "
            "FROM embeddings e JOIN clauses c ON c.embed_key=e.embed_key "
            "WHERE e.model=? GROUP BY e.embed_key ORDER BY e.embed_key", (model,))]

    def embed_texts(self) -> list[str]:
        """Every distinct text the embedding model reads, sorted."""
        return sorted(str(r[0]) for r in self.conn.execute(
            "SELECT DISTINCT embed_text FROM clauses"))

    def version_chars(self) -> int:
        """Characters of every stored version's text."""
        return int(self.conn.execute("SELECT SUM(LENGTH(text)) FROM versions"
                                     ).fetchone()[0] or 0)

    def index_rows(self) -> Iterator[dict[str, Any]]:
        """Every clause with what an index needs: text, metadata and validity dates.

        A record is valid from the first version of its document that contains it until the
        next version that no longer does; ``current`` says whether the document's current
        version contains it. ``gaps`` lists the [from, to) spans inside that range when a
        version left the record out and a later one brought it back.
        """
        versions: dict[str, list[tuple[str, str]]] = {}
        for r in self.conn.execute(
                "SELECT document_id, version_id, version_date FROM versions ORDER BY version_date"):
            versions.setdefault(r[0], []).append((r[1], r[2]))
        current = {r[0]: r[1] for r in self.conn.execute(
            "SELECT document_id, current_version FROM documents")}
        occ: dict[str, set[str]] = {}
        section: dict[str, str] = {}
        for r in self.conn.execute("SELECT record_id, version_id, section FROM occurrences"):
            occ.setdefault(r[0], set()).add(r[1])
            section[r[0]] = r[2]
        for r in self.conn.execute(
                "SELECT record_id, document_id, platform_id, platform, doc_type, text, "
                "embed_text, embed_key FROM clauses ORDER BY record_id"):
            rid, doc = r[0], r[1]
            seen = occ.get(rid, set())
            vers = versions.get(doc, [])
            dates = [d for v, d in vers if v in seen]
            valid_from = min(dates) if dates else ""
            valid_to = "9999-12-31"
            gaps: list[tuple[str, str]] = []  # [from, to): removed, then back again
            if dates:
                last = max(dates)
                later = [d for v, d in vers if d > last and v not in seen]
                if later:
                    valid_to = min(later)
                gap_start = None
                for v, d in vers:
                    if d < valid_from or d > last:
                        continue
                    if v not in seen and gap_start is None:
                        gap_start = d
                    elif v in seen and gap_start is not None:
                        gaps.append((gap_start, d))
                        gap_start = None
            yield {
                "record_id": rid, "document_id": doc, "platform_id": r[2], "platform": r[3],
                "doc_type": r[4], "text": r[5], "embed_text": r[6], "embed_key": r[7],
                "section": section.get(rid, ""), "current": current.get(doc) in seen,
                "valid_from": valid_from, "valid_to": valid_to, "gaps": gaps,
            }

    def clause(self, record_id: str) -> ClauseRow:
        r = self.conn.execute(
            "SELECT c.*, o.section, o.version_id, v.version_date, v.source, v.url, v.sha256, "
            "d.collection, d.current_version FROM clauses c "
            "JOIN occurrences o ON o.record_id=c.record_id "
            "JOIN versions v ON v.version_id=o.version_id "
            "JOIN documents d ON d.document_id=c.document_id "
            "WHERE c.record_id=? ORDER BY (o.version_id=d.current_version) DESC, "
            "v.version_date DESC LIMIT 1", (record_id,)).fetchone()
        if r is None:
            raise NotFound(f"no record {record_id!r} in the store")
        return ClauseRow(r["record_id"], r["document_id"], r["platform"], r["doc_type"],
                         r["text"], r["section"], r["version_id"], r["version_date"],
                         r["source"], r["url"], r["sha256"], r["collection"],
                         r["version_id"] == r["current_version"], json.loads(r["meta"]))

    def find_records(self, prefix: str, limit: int = 5) -> list[str]:
        """Record IDs that start with ``prefix`` (case-insensitive); % and _ are literal."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self.conn.execute("SELECT record_id FROM clauses WHERE record_id LIKE ? "
                                 "ESCAPE '\\' ORDER BY record_id LIMIT ?", (escaped + "%", limit))
        return [r[0] for r in rows]

    def clause_ref(self, record_id: str) -> ClauseRef | None:
        r = self.conn.execute("SELECT platform_id, embed_key, text FROM clauses WHERE "
                              "record_id=?", (record_id,)).fetchone()
        return ClauseRef(str(r[0]), str(r[1]), str(r[2])) if r else None

    def platform_of(self, record_id: str) -> str:
        """The platform ID of a record."""
        return self._clause_ref(record_id).platform_id

    def clause_text(self, record_id: str) -> str:
        return self._clause_ref(record_id).text

    def clause_texts(self, record_ids: list[str]) -> dict[str, str]:
        """Texts of these records (those in the store), by record ID."""
        out: dict[str, str] = {}
        for i in range(0, len(record_ids), 500):
            chunk = record_ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update((str(r), str(t)) for r, t in self.conn.execute(
                f"SELECT record_id, text FROM clauses WHERE record_id IN ({marks})", chunk))
        return out

    def _clause_ref(self, record_id: str) -> ClauseRef:
        ref = self.clause_ref(record_id)
        if ref is None:
            raise NotFound(f"no record {record_id!r} in the store")
        return ref

    def clause_meta(self, record_id: str) -> dict[str, Any]:
        """The record's stored metadata ({} for an unknown record)."""
        r = self.conn.execute("SELECT meta FROM clauses WHERE record_id=?",
                              (record_id,)).fetchone()
        return json.loads(r[0]) if r and r[0] else {}

    def clause_inputs(self) -> list[ClauseInput]:
        """(record_id, text, embed_key) of every clause, all versions, by record ID."""
        return [ClauseInput(str(r[0]), str(r[1]), str(r[2])) for r in self.conn.execute(
            "SELECT record_id, text, embed_key FROM clauses ORDER BY record_id")]

    def current_spans(self) -> list[Span]:
        """Where every clause of a current version sits in that version's text."""
        return [Span(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in self.conn.execute(
            "SELECT d.platform, o.record_id, o.start, o.end FROM occurrences o JOIN documents d "
            "ON o.version_id=d.current_version ORDER BY o.position")]

    # ---- versions --------------------------------------------------------------------------

    _VERSION = ("SELECT v.version_id, v.document_id, v.version_date, v.kind, v.sha256, "
                "d.platform, d.doc_type FROM versions v JOIN documents d ON "
                "d.document_id=v.document_id ")

    def versions_of(self, document_id: str) -> list[Version]:
        """A document's versions, oldest first (a current version sorts after a history one
        of the same date)."""
        return [Version(*r) for r in self.conn.execute(
            self._VERSION + "WHERE v.document_id=? ORDER BY v.version_date, "
            "v.kind='current', v.version_id", (document_id,))]

    def versions_like(self, version_id: str) -> list[Version]:
        """The version ``version_id`` and those whose ID starts with it, by ID."""
        return [Version(*r) for r in self.conn.execute(
            self._VERSION + "WHERE v.version_id=? OR substr(v.version_id, 1, ?)=? "
            "ORDER BY v.version_id", (version_id, len(version_id), version_id))]

    def version_text(self, version_id: str) -> str:
        row = self.conn.execute("SELECT text FROM versions WHERE version_id=?",
                                (version_id,)).fetchone()
        return str(row[0]) if row else ""

    def occurrences(self, version_id: str) -> list[Occurrence]:
        """The clauses of one version, in document order."""
        return [Occurrence(*r) for r in self.conn.execute(
            "SELECT o.record_id, o.section, o.start, o.end, c.text FROM occurrences o JOIN "
            "clauses c ON c.record_id=o.record_id WHERE o.version_id=? ORDER BY o.position",
            (version_id,))]

    def versions_holding(self, record_id: str) -> set[str]:
        return {str(r[0]) for r in self.conn.execute(
            "SELECT DISTINCT version_id FROM occurrences WHERE record_id=?", (record_id,))}

    def tracked_documents(self) -> list[str]:
        """Documents with more than one stored version."""
        return [str(r[0]) for r in self.conn.execute(
            "SELECT document_id FROM versions GROUP BY document_id HAVING COUNT(*) > 1")]

    def tracked_platforms(self) -> dict[str, str]:
        """platform_id -> name of platforms with a document of more than one version."""
        return {str(r[0]): str(r[1]) for r in self.conn.execute(
            "SELECT DISTINCT d.platform_id, d.platform FROM documents d JOIN versions v ON "
            "v.document_id=d.document_id GROUP BY d.document_id HAVING COUNT(*) > 1")}

    # ---- annotations -----------------------------------------------------------------------

    def annotations_for(self, record_id: str) -> list[dict[str, Any]]:
        """The ToS;DR assessments linked to a record, column by column."""
        return [dict(r) for r in self.conn.execute(
            "SELECT * FROM annotations WHERE record_id=? ORDER BY annotation_id", (record_id,))]

    def assessments(self, min_chars: int = 1) -> list[Assessment]:
        """Every ToS;DR point quoting at least ``min_chars`` characters, in annotation
        order."""
        return [Assessment(*map(str, r)) for r in self.conn.execute(
            "SELECT annotation_id, platform_id, case_title, classification, quote FROM "
            "annotations WHERE length(quote) >= ? ORDER BY annotation_id", (min_chars,))]

    def link_basis(self) -> Iterator[list[tuple[Any, ...]]]:
        """What annotation links depend on, as three row groups: the versions, each
        document's current version, the annotations' quotes (``corpus.link.link_key``)."""
        for sql in ("SELECT version_id, sha256 FROM versions ORDER BY version_id",
                    "SELECT document_id, current_version FROM documents ORDER BY document_id",
                    "SELECT annotation_id, platform_id, quote FROM annotations "
                    "ORDER BY annotation_id"):
            yield [tuple(r) for r in self.conn.execute(sql)]

    # ---- platforms and documents -----------------------------------------------------------

    def platforms(self) -> dict[str, str]:
        """platform_id -> display name, for platforms that have documents."""
        return {r[0]: r[1] for r in self.conn.execute(
            "SELECT p.platform_id, p.name FROM platforms p WHERE EXISTS (SELECT 1 FROM "
            "documents d WHERE d.platform_id=p.platform_id) ORDER BY p.name")}

    def documents(self, platform_id: str | None = None) -> list[DocumentRow]:
        sql = ("SELECT d.document_id, d.platform_id, d.platform, d.doc_type, d.collection, "
               "d.current_version, v.version_date, v.url, v.source FROM documents d "
               "LEFT JOIN versions v ON v.version_id=d.current_version")
        args: tuple = ()
        if platform_id:
            sql += " WHERE d.platform_id=?"
            args = (platform_id,)
        return [DocumentRow(*r) for r in
                self.conn.execute(sql + " ORDER BY d.platform, d.doc_type", args)]

    def doc_types(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT doc_type FROM documents ORDER BY doc_type")]

    def current_clauses(self, platform_id: str) -> list[CurrentClause]:
        return [CurrentClause(*r) for r in self.conn.execute(
            "SELECT c.record_id, c.text, c.doc_type FROM clauses c JOIN documents d ON "
            "d.document_id=c.document_id JOIN occurrences o ON o.record_id=c.record_id AND "
            "o.version_id=d.current_version WHERE c.platform_id=?", (platform_id,))]

    def linked_points(self) -> list[tuple[str, str, str, str]]:
        """(ToS;DR point ID, linked record ID, clause text, platform_id) of linked points."""
        return [(str(a).removeprefix("tosdr-"), str(r), str(t), str(p)) for a, r, t, p in
                self.conn.execute(
                    "SELECT a.annotation_id, a.record_id, c.text, a.platform_id FROM annotations"
                    " a JOIN clauses c ON c.record_id=a.record_id ORDER BY a.annotation_id")]

    def current_clause_texts(self) -> list[tuple[str, str, str]]:
        """(record_id, platform_id, text) of every clause of a current version."""
        return [(str(r), str(p), str(t)) for r, p, t in self.conn.execute(
            "SELECT DISTINCT c.record_id, c.platform_id, c.text FROM clauses c JOIN documents d"
            " ON d.document_id=c.document_id JOIN occurrences o ON o.record_id=c.record_id AND"
            " o.version_id=d.current_version ORDER BY c.record_id")]

    def current_doc_type_counts(self) -> dict[str, int]:
        """Clauses of the current versions per document type."""
        return {str(d): int(n) for d, n in self.conn.execute(
            "SELECT d.doc_type, COUNT(*) FROM clauses c JOIN documents d ON "
            "d.document_id=c.document_id JOIN occurrences o ON o.record_id=c.record_id AND "
            "o.version_id=d.current_version GROUP BY d.doc_type")}

    def current_texts(self) -> Iterator[tuple[str, str, str]]:
        """(platform_id, doc_type, full text) of every document's current version."""
        for r in self.conn.execute(
                "SELECT d.platform_id, d.doc_type, v.text FROM documents d JOIN versions v ON "
                "v.version_id=d.current_version ORDER BY d.document_id"):
            yield str(r[0]), str(r[1]), str(r[2])

    def counts(self) -> dict[str, int]:
        q = {
            "platforms": "SELECT COUNT(*) FROM platforms p WHERE EXISTS (SELECT 1 FROM documents"
                         " d WHERE d.platform_id=p.platform_id)",
            "documents": "SELECT COUNT(*) FROM documents",
            "versions": "SELECT COUNT(*) FROM versions",
            "clauses": "SELECT COUNT(*) FROM clauses",
            "distinct_texts": "SELECT COUNT(DISTINCT embed_key) FROM clauses",
            "annotations": "SELECT COUNT(*) FROM annotations",
            "linked_annotations": "SELECT COUNT(*) FROM annotations WHERE record_id IS NOT NULL",
        }
        return {k: self.conn.execute(v).fetchone()[0] for k, v in q.items()}

    def fingerprint(self) -> str:
        """A hash of the corpus content: changes whenever any version or clause does."""
        h = hashlib.sha256()
        for r in self.conn.execute("SELECT version_id FROM versions ORDER BY version_id"):
            h.update(r[0].encode())
        for r in self.conn.execute("SELECT document_id, current_version FROM documents "
                                   "ORDER BY document_id"):
            h.update(f"{r[0]}={r[1]}".encode())
        return h.hexdigest()[:16]
