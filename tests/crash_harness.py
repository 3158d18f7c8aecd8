"""The kill-and-resume harness: runs the real CLI (``assistant.cli.main``) in child processes,
kills them at the fault points of ``corpus.faults``, and reads a data directory back as plain
rows so that two stores can be compared table by table.

Children are forked from a multiprocessing *forkserver* that imported the project once, so a
killed run costs a fork, not a 5-second interpreter start. A child runs the same entry point as
``policy-assistant``; the fault kills it with ``os._exit`` (no cleanup, no commit).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sqlite3
from pathlib import Path
from typing import Any

PRELOAD = ["assistant.cli", "assistant.core", "assistant.index", "assistant.chroma_store",
           "assistant.labels", "assistant.commands.ingest", "assistant.commands.label_corpus",
           "corpus.ingest", "chromadb", "llama_index.core", "llama_index.vector_stores.chroma",
           "tqdm"]
SMALL_BATCH = 4  # vectors per embedding chunk and per Chroma batch: several batches per run
# the exit status multiprocessing's forkserver reports when it could not read a child's real
# one (popen_forkserver.Popen.poll: "perhaps the forkserver process itself got killed"); seen
# once in a CI run, on a child that was being killed at a fault point
STATUS_LOST = 255

_context: Any = None


def context() -> Any:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _child(argvs: list[list[str]], fault: str, out: str, snapshot_of: str) -> None:
    """In the child: run each command line in turn (stop at the first non-zero exit), then
    write the exit codes, the fault points passed and, if asked, a snapshot to ``out``."""
    import threading

    from tqdm import tqdm

    import assistant.chroma_store
    import assistant.index
    from assistant.cli import main
    from corpus import faults

    # tqdm's default lock is a named semaphore that a killed child cannot give back
    tqdm.set_lock(threading.RLock())

    log = os.open(out + ".log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(log, 1)
    os.dup2(log, 2)
    assistant.index.EMBED_CHUNK = SMALL_BATCH
    assistant.chroma_store.BATCH = SMALL_BATCH
    if fault:
        os.environ[faults.ENV] = fault
    else:
        os.environ.pop(faults.ENV, None)
    codes = []
    for argv in argvs:
        codes.append(main(argv))
        if codes[-1]:
            break
    result: dict[str, Any] = {"codes": codes, "hits": dict(faults.hits)}
    if snapshot_of:
        result["snapshot"] = snapshot(Path(snapshot_of))
    Path(out).write_text(json.dumps(result))


def run(argvs: list[list[str]], out: Path, fault: str = "", snapshot_of: Path | None = None,
        timeout: float = 120) -> tuple[int | None, dict[str, Any]]:
    """(the child's exit status, what it wrote: codes, hits, snapshot; {} when it was killed)."""
    out.unlink(missing_ok=True)
    p = context().Process(target=_child, args=(argvs, fault, str(out),
                                               str(snapshot_of or "")))
    p.start()
    p.join(timeout)
    if p.exitcode is None:
        p.kill()
        p.join()
        raise TimeoutError(f"{argvs} did not finish in {timeout} s")
    if p.exitcode == STATUS_LOST and out.exists():
        return 0, json.loads(out.read_text())  # writing ``out`` is the child's last act
    return p.exitcode, json.loads(out.read_text()) if out.exists() else {}


def _rows(conn: sqlite3.Connection, sql: str) -> list[list[Any]]:
    try:
        return [list(r) for r in conn.execute(sql)]
    except sqlite3.OperationalError as exc:  # a table a run never created
        if "no such table" in str(exc):
            return []
        raise


def snapshot(data_dir: Path) -> dict[str, Any]:
    """Every table ingest and labelling write, in a stable order, plus the Chroma entries."""
    conn = sqlite3.connect(f"file:{data_dir / 'store.sqlite'}?mode=ro", uri=True)
    try:
        snap = {
            "documents": _rows(conn, "SELECT * FROM documents ORDER BY 1"),
            "versions": _rows(conn, "SELECT version_id, document_id, version_date, sha256, "
                                    "source, url, kind, meta FROM versions ORDER BY 1"),
            "clauses": _rows(conn, "SELECT * FROM clauses ORDER BY 1"),
            "occurrences": _rows(conn, "SELECT * FROM occurrences ORDER BY 1, 2"),
            "annotations": _rows(conn, "SELECT annotation_id, record_id, match_score, quote "
                                       "FROM annotations ORDER BY 1"),
            "sources": _rows(conn, "SELECT * FROM sources ORDER BY 1"),
            "meta": _rows(conn, "SELECT * FROM meta ORDER BY 1"),
            "embeddings": [[k, m, hashlib.sha256(v).hexdigest()[:16]] for k, m, v in _rows(
                conn, "SELECT embed_key, model, vector FROM embeddings ORDER BY 1, 2")],
            "changes": _rows(conn, "SELECT * FROM changes ORDER BY 1"),
            "change_refs": _rows(conn, "SELECT * FROM change_refs ORDER BY 1, 2, 3"),
            "change_pairs": _rows(conn, "SELECT * FROM change_pairs ORDER BY 1, 2"),
            "labels": _rows(conn, "SELECT * FROM labels ORDER BY 1, 2"),
        }
    finally:
        conn.close()
    from assistant.chroma_store import ChromaIndex

    coll = ChromaIndex(data_dir / "chroma")._collection  # no model: opened as it is
    got = coll.get(include=["metadatas", "embeddings"])
    snap["chroma"] = sorted(
        [rid, {k: v for k, v in sorted((meta or {}).items()) if not k.startswith("_")},
         hashlib.sha256(json.dumps([round(float(x), 5) for x in vec]).encode()).hexdigest()[:16]]
        for rid, meta, vec in zip(got["ids"], got["metadatas"], got["embeddings"], strict=True))
    return snap
