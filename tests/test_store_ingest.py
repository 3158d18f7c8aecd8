"""The store under ingest: idempotent, incremental, versioned schema, and safe to kill."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.errors import BadInput
from corpus.ingest import ingest
from corpus.schema import SCHEMA_VERSION
from corpus.store import Store
from tests.conftest import FIXTURE_OTA, FIXTURE_SOURCES, FIXTURE_TOSDR, build_assistant

REPO = Path(__file__).resolve().parents[1]


def test_second_ingest_changes_nothing_and_embeds_nothing(tmp_path):
    a = build_assistant(tmp_path / "data")
    counts = a.store.counts()
    assert (counts["documents"], counts["clauses"]) == (4, 15)
    summary, stats = a.ingest(list(FIXTURE_SOURCES))
    assert (summary.new_documents, summary.updated_documents,
            summary.unchanged_documents) == (0, 0, 4)
    assert (summary.clauses_new, summary.clauses_removed, summary.annotations) == (0, 0, 0)
    assert summary.linked_annotations is None  # the links are current: no relinking
    assert not summary.changed
    assert (stats.embedded, stats.added, stats.updated, stats.deleted) == (0, 0, 0, 0)
    assert a.store.counts() == counts
    assert len(a.chroma.ids()) == 15


def test_changing_one_file_updates_only_that_document(tmp_path):
    corpus = tmp_path / "fixture-versions"  # same folder name: same collection, same IDs
    shutil.copytree(FIXTURE_OTA, corpus)
    a = build_assistant(tmp_path / "data", sources=[corpus, FIXTURE_TOSDR])
    learnify = corpus / "Learnify" / "Terms of Service.md"
    text = learnify.read_text()
    dropped = ("Any violation of these Terms may result in your access to all or part of the "
               "Services being suspended, disabled, or terminated.\n\n")
    assert dropped in text and "at any time." in text
    learnify.write_text(text.replace(dropped, "").replace("at any time.", "once a year."))
    summary, stats = a.ingest([corpus, FIXTURE_TOSDR])
    assert (summary.new_documents, summary.updated_documents,
            summary.unchanged_documents) == (0, 1, 3)
    assert (summary.clauses_new, summary.clauses_removed) == (1, 2)
    assert stats.embedded == 1  # only the edited clause is new text
    # old records stay in the index, marked not current
    assert (stats.added, stats.updated, stats.deleted) == (1, 2, 0)
    current = {r["record_id"] for r in a.store.index_rows() if r["current"]}
    assert len(current) == 15 - 2 + 1
    counts = a.store.counts()
    assert (counts["documents"], counts["versions"], counts["clauses"]) == (4, 5, 16)
    assert len(a.chroma.ids()) == 16


def test_schema_version_is_recorded_and_a_newer_store_is_refused(tmp_path):
    path = tmp_path / "store.sqlite"
    store = Store(path)
    row = store.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert row is not None and int(row[0]) == SCHEMA_VERSION
    store.conn.execute("UPDATE meta SET value=? WHERE key='schema_version'",
                       (str(SCHEMA_VERSION + 1),))
    store.conn.commit()
    store.close()
    with pytest.raises(BadInput, match="newer policy-assistant"):
        Store(path)


# ---- crash safety ----------------------------------------------------------------------------


class FailingConnection:
    """A connection that fails on one statement, as a full disk or a kill would."""

    def __init__(self, conn: sqlite3.Connection, prefix: str):
        self.conn, self.prefix = conn, prefix

    def execute(self, sql: str, *args):
        if sql.startswith(self.prefix):
            raise sqlite3.OperationalError("disk I/O error (simulated)")
        return self.conn.execute(sql, *args)

    def __enter__(self):
        return self.conn.__enter__()

    def __exit__(self, *exc):
        return self.conn.__exit__(*exc)

    def __getattr__(self, name: str):
        return getattr(self.conn, name)


@pytest.mark.parametrize("failing", ["INSERT INTO occurrences", "UPDATE documents SET current"])
def test_a_failure_while_writing_a_document_leaves_nothing_of_it(tmp_path, failing):
    from corpus.ingest import sha256_text
    from corpus.loaders.ota import load_ota
    from corpus.segment import segment

    store = Store(tmp_path / "s.sqlite")
    doc = next(d for d in load_ota(FIXTURE_OTA, lambda p: pytest.fail(str(p)))
               if d.platform == "Learnify")
    real = store.conn
    store.conn = FailingConnection(real, failing)  # type: ignore[assignment]
    with pytest.raises(sqlite3.OperationalError):
        store.add_document(doc, segment(doc.text), sha256_text(doc.text))
    store.conn = real
    tables = ("documents", "versions", "clauses", "occurrences")
    assert {t: real.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables} == dict(
        documents=0, versions=0, clauses=0, occurrences=0)
    result = store.add_document(doc, segment(doc.text), sha256_text(doc.text))
    assert (result.status, result.clauses, result.new) == ("new", 4, 4)
    assert store.conn.execute("SELECT current_version FROM documents").fetchone()[0] == (
        result.version_id)


PLATFORMS, TYPES = 30, 10
WORDS = ["account", "data", "content", "licence", "notice", "privacy", "cookies", "partners",
         "payment", "refund", "dispute", "arbitration", "court", "rights", "information",
         "email", "device", "location", "advertising", "security", "retention", "delete",
         "suspend", "terminate"]


def generate_corpus(root: Path) -> None:
    """PLATFORMS x TYPES documents in clone layout, three distinct clauses each."""
    for p in range(PLATFORMS):
        for d in range(TYPES):
            parts = [f"# Platform{p:02d} Policy {d}"]
            for s in range(3):
                w = [WORDS[(p * 7 + d * 3 + s * 5 + k) % len(WORDS)] for k in range(12)]
                parts.append(f"## {s + 1}. Section {s}\n\nPlatform{p:02d} policy {d} clause {s}: "
                             f"we may process your {' '.join(w)} at any time, with notice.")
            path = root / f"Platform{p:02d}" / f"Policy Type {d}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n\n".join(parts) + "\n")


def _count_versions(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            return conn.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet, or mid-creation
        return 0


def _check_consistent(store: Store) -> None:
    c = store.conn
    # no half-written document: every version has its occurrences, every occurrence its clause
    assert c.execute("SELECT COUNT(*) FROM versions v WHERE NOT EXISTS (SELECT 1 FROM "
                     "occurrences o WHERE o.version_id=v.version_id)").fetchone()[0] == 0
    assert c.execute("SELECT COUNT(*) FROM occurrences o WHERE NOT EXISTS (SELECT 1 FROM "
                     "clauses k WHERE k.record_id=o.record_id)").fetchone()[0] == 0
    assert c.execute("SELECT COUNT(*) FROM clauses k WHERE NOT EXISTS (SELECT 1 FROM "
                     "occurrences o WHERE o.record_id=k.record_id)").fetchone()[0] == 0
    assert c.execute("SELECT COUNT(*) FROM (SELECT version_id, record_id FROM occurrences "
                     "GROUP BY 1, 2 HAVING COUNT(*) > 1)").fetchone()[0] == 0
    assert c.execute("SELECT COUNT(*) FROM versions v WHERE NOT EXISTS (SELECT 1 FROM "
                     "documents d WHERE d.document_id=v.document_id)").fetchone()[0] == 0


def test_an_ingest_killed_part_way_finishes_cleanly_on_rerun(tmp_path):
    from assistant.cli import main

    corpus = tmp_path / "gen-versions"
    generate_corpus(corpus)
    total = PLATFORMS * TYPES
    data = tmp_path / "data"
    db = data / "store.sqlite"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "--data-dir", str(data), "--embedder", "hash",
         "ingest", "--quiet", str(corpus)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _count_versions(db) < 10 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"

    killed = Store(db)
    written = killed.counts()["versions"]
    assert 10 <= written < total, f"killed after {written} of {total} documents"
    _check_consistent(killed)
    # a document is written with its current version, not made current in a later step
    assert killed.conn.execute("SELECT COUNT(*) FROM documents WHERE current_version IS NULL "
                               "OR current_version NOT IN (SELECT version_id FROM versions)"
                               ).fetchone()[0] == 0
    killed.close()

    assert main(["--data-dir", str(data), "--embedder", "hash", "ingest", "--quiet",
                 str(corpus)]) == 0
    store = Store(db)
    _check_consistent(store)
    clean = Store(tmp_path / "clean.sqlite")
    ingest(clean, [corpus])

    def shape(s: Store) -> list[tuple]:
        return list(s.conn.execute(
            "SELECT d.document_id, o.position, o.record_id, o.start, o.end FROM documents d "
            "JOIN occurrences o ON o.version_id=d.current_version ORDER BY 1, 2"))

    counts = store.counts()
    assert counts["documents"] == counts["versions"] == total
    assert counts["clauses"] == clean.counts()["clauses"] == 3 * total
    assert shape(store) == shape(clean)
    from assistant.chroma_store import ChromaIndex

    chroma = ChromaIndex(data / "chroma")  # no model given: opens as is
    assert len(chroma.ids()) == counts["clauses"]
