"""One schema, one version: a new store gets every table, an older one is migrated and keeps
its rows, a newer one is refused; and no code outside corpus/ runs SQL."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from corpus import changes as ch
from corpus import labels as store_labels
from corpus import watches as W
from corpus.errors import BadInput, StoreUnavailable
from corpus.schema import SCHEMA_VERSION
from corpus.store import Store

ROOT = Path(__file__).parents[1]
EVERY_TABLE = {"meta", "platforms", "documents", "versions", "clauses", "occurrences",
               "embeddings", "annotations", "sources", "changes", "change_refs",
               "change_pairs", "change_log", "labels", "watches"}

# the layout written by schema version 1, as it was: the records only
V1_RECORDS = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE platforms(platform_id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE documents(
    document_id TEXT PRIMARY KEY, platform_id TEXT NOT NULL, platform TEXT NOT NULL,
    doc_type TEXT NOT NULL, collection TEXT NOT NULL, current_version TEXT);
CREATE TABLE versions(
    version_id TEXT PRIMARY KEY, document_id TEXT NOT NULL, version_date TEXT NOT NULL,
    sha256 TEXT NOT NULL, source TEXT NOT NULL, url TEXT NOT NULL, kind TEXT NOT NULL,
    text TEXT NOT NULL, meta TEXT NOT NULL, UNIQUE(document_id, sha256));
CREATE TABLE clauses(
    record_id TEXT PRIMARY KEY, document_id TEXT NOT NULL, platform_id TEXT NOT NULL,
    platform TEXT NOT NULL, doc_type TEXT NOT NULL, text TEXT NOT NULL, norm_sha TEXT NOT NULL,
    embed_text TEXT NOT NULL, embed_key TEXT NOT NULL, origin TEXT NOT NULL, meta TEXT NOT NULL);
CREATE TABLE occurrences(
    version_id TEXT NOT NULL, position INTEGER NOT NULL, record_id TEXT NOT NULL,
    section TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    PRIMARY KEY(version_id, position));
CREATE TABLE embeddings(
    embed_key TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY(embed_key, model));
CREATE TABLE annotations(
    annotation_id TEXT PRIMARY KEY, platform_id TEXT NOT NULL, platform TEXT NOT NULL,
    case_title TEXT NOT NULL, classification TEXT NOT NULL, quote TEXT NOT NULL,
    note TEXT NOT NULL, source_document TEXT NOT NULL, title TEXT NOT NULL,
    record_id TEXT, match_score REAL);
CREATE TABLE sources(path TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
INSERT INTO meta VALUES('schema_version', '1');
INSERT INTO platforms VALUES('acme', 'Acme');
INSERT INTO documents VALUES('acme-tos-x', 'acme', 'Acme', 'Terms of Service', 'c', 'acme-tos-x@1');
INSERT INTO versions VALUES('acme-tos-x@1', 'acme-tos-x', '2024-01-01', 's', 'src', '',
    'current', 'We may end your account.', '{}');
INSERT INTO clauses VALUES('acme-r1', 'acme-tos-x', 'acme', 'Acme', 'Terms of Service',
    'We may end your account.', 'n', 'We may end your account.', 'k1', 'segment', '{}');
INSERT INTO occurrences VALUES('acme-tos-x@1', 0, 'acme-r1', '', 0, 24);
"""

# what corpus.labels and corpus.watches added to a version-1 store when first used
V1_LABELS_AND_WATCHES = """
CREATE TABLE labels(
    record_id TEXT NOT NULL, slug TEXT NOT NULL, confidence REAL NOT NULL,
    severity TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(record_id, slug));
CREATE TABLE watches(
    watch_id INTEGER PRIMARY KEY AUTOINCREMENT, platform_id TEXT NOT NULL,
    platform TEXT NOT NULL, doc_type TEXT NOT NULL, category TEXT NOT NULL,
    created TEXT NOT NULL, since_batch INTEGER NOT NULL,
    UNIQUE(platform_id, doc_type, category));
INSERT INTO labels VALUES('acme-r1', 'account-termination', 0.9, 'Unfavourable', 'rule');
INSERT INTO watches(platform_id, platform, doc_type, category, created, since_batch)
    VALUES('acme', 'Acme', '', '', '2024-02-01T00:00:00Z', 0);
INSERT INTO meta VALUES('watches_schema', '1');
"""


def _tables(store: Store) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _version(store: Store) -> int:
    return int(store.conn.execute("SELECT value FROM meta WHERE key='schema_version'"
                                  ).fetchone()[0])


def _old_store(path: Path, script: str) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript(script)
    conn.close()
    return path


def test_a_new_store_has_every_table_at_the_current_version(tmp_path):
    store = Store(tmp_path / "store.sqlite")
    assert _version(store) == SCHEMA_VERSION == 2
    assert _tables(store) >= EVERY_TABLE
    # every concern answers on an empty store without creating anything
    assert not store_labels.has_labels(store)
    assert not ch.has_change_records(store)
    assert ch.latest_batch(store) == 0
    assert W.list_watches(store) == []


def test_a_version_1_store_without_the_later_tables_is_migrated_and_keeps_its_rows(tmp_path):
    path = _old_store(tmp_path / "store.sqlite", V1_RECORDS)
    store = Store(path)
    assert _version(store) == SCHEMA_VERSION
    assert _tables(store) >= EVERY_TABLE
    assert store.clause("acme-r1").text == "We may end your account."
    assert store.platforms() == {"acme": "Acme"}
    assert not store_labels.has_labels(store)
    store.close()
    assert _version(Store(path)) == SCHEMA_VERSION  # opening again changes nothing


def test_a_version_1_store_with_labels_and_watches_at_their_own_version_is_migrated(tmp_path):
    path = _old_store(tmp_path / "store.sqlite", V1_RECORDS + V1_LABELS_AND_WATCHES)
    store = Store(path)
    assert _version(store) == SCHEMA_VERSION
    assert _tables(store) >= EVERY_TABLE
    assert [(w.watch_id, w.platform) for w in W.list_watches(store)] == [(1, "Acme")]
    assert [lb.slug for lb in store_labels.labels_for(store, "acme-r1")] == [
        "account-termination"]
    assert store.conn.execute("SELECT 1 FROM meta WHERE key='watches_schema'").fetchone() is None


def test_watches_from_a_newer_version_stop_the_migration(tmp_path):
    path = _old_store(tmp_path / "store.sqlite", V1_RECORDS + V1_LABELS_AND_WATCHES.replace(
        "'watches_schema', '1'", "'watches_schema', '7'"))
    with pytest.raises(BadInput, match=r"watches schema 7, this one reads 1"):
        Store(path)
    with sqlite3.connect(path) as conn:  # rolled back: still version 1, nothing added
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'"
                            ).fetchone()[0] == "1"
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name='changes'").fetchone() is None
    conn.close()


def test_a_store_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "store.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value=? WHERE key='schema_version'",
                     (str(SCHEMA_VERSION + 1),))
    conn.close()
    message = (f"was written by a newer policy-assistant \\(schema {SCHEMA_VERSION + 1}, "
               f"this one reads {SCHEMA_VERSION}\\)")
    with pytest.raises(BadInput, match=message):
        Store(path)
    with pytest.raises(BadInput, match=message):
        Store(path, read_only=True)


def test_a_read_only_store_must_be_current_and_is_never_written(tmp_path):
    old = _old_store(tmp_path / "old.sqlite", V1_RECORDS)
    with pytest.raises(StoreUnavailable, match="older policy-assistant .schema 1.*write access"):
        Store(old, read_only=True)
    current = tmp_path / "current.sqlite"
    Store(current).close()
    ro = Store(current, read_only=True)
    assert _version(ro) == SCHEMA_VERSION
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        ro.conn.execute("INSERT INTO meta VALUES('x', 'y')")


# ---- the boundary ---------------------------------------------------------------------------

SQL = re.compile(r"\.conn\b|\b_conn\b|\bexecute(many|script)?\(|\bcursor\(|sqlite3")


def test_only_corpus_touches_the_connection():
    offenders = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
                 for folder in ("assistant", "evals") for p in sorted((ROOT / folder).rglob("*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if SQL.search(line)]
    assert offenders == []
