"""The store's schema: every table, one version, and the migrations that bring an older store
up to it.

``meta.schema_version`` is the one version of the whole file. A store opened for writing is
migrated in one transaction (a run killed half-way leaves the old version, and the next open
migrates again); a store written by a newer policy-assistant is refused. After ``migrate`` every
table below exists, so no module asks SQLite which tables there are: "has this store been
labelled" is a question about rows.

Version history:
  1. the records: platforms, documents, versions, clauses, occurrences, embeddings,
     annotations, sources (changes, labels and watches created their own tables when first
     used; watches kept their own version under ``meta.watches_schema``).
  2. one schema: change records, labels and watches are created with the store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import BadInput, StoreUnavailable

SCHEMA_VERSION = 2

RECORDS = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS platforms(platform_id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
    document_id TEXT PRIMARY KEY, platform_id TEXT NOT NULL, platform TEXT NOT NULL,
    doc_type TEXT NOT NULL, collection TEXT NOT NULL, current_version TEXT);
CREATE TABLE IF NOT EXISTS versions(
    version_id TEXT PRIMARY KEY, document_id TEXT NOT NULL, version_date TEXT NOT NULL,
    sha256 TEXT NOT NULL, source TEXT NOT NULL, url TEXT NOT NULL, kind TEXT NOT NULL,
    text TEXT NOT NULL, meta TEXT NOT NULL, UNIQUE(document_id, sha256));
CREATE TABLE IF NOT EXISTS clauses(
    record_id TEXT PRIMARY KEY, document_id TEXT NOT NULL, platform_id TEXT NOT NULL,
    platform TEXT NOT NULL, doc_type TEXT NOT NULL, text TEXT NOT NULL, norm_sha TEXT NOT NULL,
    embed_text TEXT NOT NULL, embed_key TEXT NOT NULL, origin TEXT NOT NULL, meta TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS clauses_embed ON clauses(embed_key);
CREATE INDEX IF NOT EXISTS clauses_platform ON clauses(platform_id);
CREATE TABLE IF NOT EXISTS occurrences(
    version_id TEXT NOT NULL, position INTEGER NOT NULL, record_id TEXT NOT NULL,
    section TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    PRIMARY KEY(version_id, position));
CREATE INDEX IF NOT EXISTS occurrences_record ON occurrences(record_id);
CREATE TABLE IF NOT EXISTS embeddings(
    embed_key TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY(embed_key, model));
CREATE TABLE IF NOT EXISTS annotations(
    annotation_id TEXT PRIMARY KEY, platform_id TEXT NOT NULL, platform TEXT NOT NULL,
    case_title TEXT NOT NULL, classification TEXT NOT NULL, quote TEXT NOT NULL,
    note TEXT NOT NULL, source_document TEXT NOT NULL, title TEXT NOT NULL,
    record_id TEXT, match_score REAL);
CREATE INDEX IF NOT EXISTS annotations_record ON annotations(record_id);
CREATE TABLE IF NOT EXISTS sources(path TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
"""

# corpus.changes: one row per clause-level change between consecutive versions
CHANGES = """
CREATE TABLE IF NOT EXISTS changes(
    change_id TEXT PRIMARY KEY, document_id TEXT NOT NULL, platform_id TEXT NOT NULL,
    platform TEXT NOT NULL, doc_type TEXT NOT NULL, from_version TEXT NOT NULL,
    to_version TEXT NOT NULL, from_date TEXT NOT NULL, to_date TEXT NOT NULL,
    position INTEGER NOT NULL, kind TEXT NOT NULL, moved INTEGER NOT NULL,
    old_ids TEXT NOT NULL, new_ids TEXT NOT NULL, old_section TEXT NOT NULL,
    new_section TEXT NOT NULL, similarity REAL, summary TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_platform ON changes(platform_id, to_date);
CREATE INDEX IF NOT EXISTS changes_pair ON changes(from_version, to_version);
CREATE TABLE IF NOT EXISTS change_refs(
    record_id TEXT NOT NULL, change_id TEXT NOT NULL, side TEXT NOT NULL,
    PRIMARY KEY(record_id, change_id, side));
CREATE TABLE IF NOT EXISTS change_pairs(
    from_version TEXT NOT NULL, to_version TEXT NOT NULL, document_id TEXT NOT NULL,
    algorithm TEXT NOT NULL, changes INTEGER NOT NULL, PRIMARY KEY(from_version, to_version));
CREATE TABLE IF NOT EXISTS change_log(
    change_id TEXT PRIMARY KEY, batch INTEGER NOT NULL, logged TEXT NOT NULL);
"""

# corpus.labels: one row per (clause, category) the classifier assigned
LABELS = """
CREATE TABLE IF NOT EXISTS labels(
    record_id TEXT NOT NULL, slug TEXT NOT NULL, confidence REAL NOT NULL,
    severity TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(record_id, slug));
CREATE INDEX IF NOT EXISTS labels_slug ON labels(slug, severity);
"""

# corpus.watches: what a user follows (an ingest never writes it)
WATCHES = """
CREATE TABLE IF NOT EXISTS watches(
    watch_id INTEGER PRIMARY KEY AUTOINCREMENT, platform_id TEXT NOT NULL,
    platform TEXT NOT NULL, doc_type TEXT NOT NULL, category TEXT NOT NULL,
    created TEXT NOT NULL, since_batch INTEGER NOT NULL,
    UNIQUE(platform_id, doc_type, category));
"""

TABLES = RECORDS + CHANGES + LABELS + WATCHES  # the layout of SCHEMA_VERSION
WATCHES_SCHEMA_V1 = 1  # the last version watches kept under meta.watches_schema


@dataclass(frozen=True)
class Migration:
    to_version: int
    what: str
    apply: Callable[[sqlite3.Connection, Path], None]


def _run(conn: sqlite3.Connection, ddl: str) -> None:
    """Run DDL statement by statement (``executescript`` would commit the open transaction)."""
    for stmt in ddl.split(";"):
        if stmt.strip():
            conn.execute(stmt)


def _one_schema(conn: sqlite3.Connection, path: Path) -> None:
    row = conn.execute("SELECT value FROM meta WHERE key='watches_schema'").fetchone()
    if row is not None and int(row[0]) > WATCHES_SCHEMA_V1:
        raise BadInput(f"the watches in {path} were written by a newer policy-assistant "
                       f"(watches schema {row[0]}, this one reads {WATCHES_SCHEMA_V1})")
    # a version-1 store may hold some of these already (created when first used): IF NOT EXISTS
    _run(conn, CHANGES + LABELS + WATCHES)  # as they were at version 2
    conn.execute("DELETE FROM meta WHERE key='watches_schema'")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "change records, labels and watches join the one schema", _one_schema),
)


def stored_version(conn: sqlite3.Connection) -> int | None:
    """The store's schema version; None for a file no policy-assistant has written yet."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        return None
    return int(row[0]) if row else None


def _refuse_newer(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise BadInput(f"{path} was written by a newer policy-assistant "
                       f"(schema {version}, this one reads {SCHEMA_VERSION})")


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Create the tables of a new store or bring an older one to ``SCHEMA_VERSION``.

    A current store is only read, so a store this process cannot write opens as before."""
    version = stored_version(conn)
    if version is not None:
        _refuse_newer(version, path)
        if version == SCHEMA_VERSION:
            return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = stored_version(conn)  # another process may have migrated meanwhile
        if version is None:
            _run(conn, TABLES)
        else:
            _refuse_newer(version, path)
            for m in MIGRATIONS:
                if m.to_version > version:
                    m.apply(conn, path)
        conn.execute("INSERT OR REPLACE INTO meta VALUES('schema_version', ?)",
                     (str(SCHEMA_VERSION),))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def check_read_only(conn: sqlite3.Connection, path: Path) -> None:
    """A store opened read-only must already be at ``SCHEMA_VERSION`` (it cannot migrate)."""
    version = stored_version(conn)
    if version is None:
        raise StoreUnavailable(f"{path} holds no policy-assistant store; run "
                               "`policy-assistant ingest` first")
    _refuse_newer(version, path)
    if version < SCHEMA_VERSION:
        raise StoreUnavailable(f"{path} was written by an older policy-assistant (schema "
                               f"{version}, this one reads {SCHEMA_VERSION}); run "
                               "`policy-assistant ingest` once with write access to upgrade it")
