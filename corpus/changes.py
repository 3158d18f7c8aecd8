"""Change records: what changed between consecutive versions of every document.

The ``changes`` table holds one row per clause-level change (see ``corpus.diff``) between two
consecutive dated versions of a document. IDs are ``chg-<document-id>-<8 chars>``, a hash of
the version pair, the kind and the record IDs on both sides, so recomputing gives the same IDs.
``change_pairs`` remembers which version pairs were computed and with which algorithm version;
``compute_changes`` (called at the end of every ingest) only diffs pairs that are new, and drops
pairs that stopped being consecutive (a version stored between them later). Each record carries
its meaning (``corpus.meaning``: kind, severity, summary), and ``change_log`` numbers records by
the run that first stored them, which is what the digest of watched changes reads.

The read side is what the app and the question router call: ``changes_for`` (a platform's
change records), ``history_of`` (a record's versions and changes), ``diff_versions`` (any two
versions, computed on the fly) and ``get_change``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from corpus import faults, ids
from corpus.diff import Change, Clause, WordOp, diff_clauses, render_word_diff
from corpus.errors import BadInput, NotFound, StoreUnavailable
from corpus.labels import labels_for, labels_key
from corpus.meaning import Meaning, explain
from corpus.segment import display_text
from corpus.store import Store, Version
from corpus.text import clean_markdown

ALGORITHM = "diff-4"  # bump when the diff, the summaries or the meanings change: stored pairs
# are recomputed

Categories = Callable[[str], list[str]]
UNSURE = 0.5  # labels below this confidence are shown as "slug?"


@dataclass
class ChangeRecord:
    change_id: str
    document_id: str
    platform: str
    platform_id: str
    doc_type: str
    from_version: str
    to_version: str
    from_date: str
    to_date: str
    position: int
    kind: str  # modified | added | removed | moved | formatting
    moved: bool
    old_ids: list[str]
    new_ids: list[str]
    old_section: str
    new_section: str
    similarity: float | None
    summary: str
    words: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    meaning: dict[str, Any] = field(default_factory=dict)  # corpus.meaning.Meaning.to_dict()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def wording(self) -> bool:
        """Whether the words changed (not formatting, not only a move)."""
        return self.kind in ("modified", "added", "removed")


@dataclass
class ChangeStats:
    pairs_computed: int = 0
    pairs_kept: int = 0
    pairs_dropped: int = 0
    records: int = 0


@dataclass
class RecordHistory:
    record_id: str
    document_id: str
    platform: str
    doc_type: str
    versions: list[dict[str, Any]]  # every version of the document: id, date, kind, present
    changes: list[ChangeRecord]  # change records naming this record, oldest first
    previous: list[str]  # record IDs this one replaced (modified / re-segmented from)
    next: list[str]  # record IDs that replaced this one

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["changes"] = [c.to_dict() for c in self.changes]
        return d


# ---- reading versions ---------------------------------------------------------------------


def version(store: Store, version_id: str) -> Version:
    """A version by its ID, or by an unambiguous prefix of it (``zoom-tos-8zq4@2023-07-28``)."""
    vid = version_id.strip()
    rows = store.versions_like(vid)
    exact = [r for r in rows if r.version_id == vid]
    if exact or len(rows) == 1:
        return (exact or rows)[0]
    if rows:
        raise BadInput(f"version {vid!r} is ambiguous: "
                       + ", ".join(r.version_id for r in rows[:5]))
    doc = vid.split("@", 1)[0]
    known = [v.version_id for v in store.versions_of(doc)]
    hint = f"; versions of {doc}: {', '.join(known)}" if known else ""
    raise NotFound(f"no version {vid!r} in the store{hint}")


def version_clauses(store: Store, version_id: str) -> list[Clause]:
    """The clauses of one version in document order, with their text as in that version."""
    source = store.version_text(version_id)
    out = []
    for o in store.occurrences(version_id):
        raw = source[o.start:o.end] if source and o.end <= len(source) else ""
        text = display_text(raw) if raw else o.text
        out.append(Clause(o.record_id, o.section, text or o.text, raw))
    return out


# ---- categories (labels), when some module has stored them ---------------------------------


def stored_categories(store: Store) -> Categories:
    """Category slugs of a record: its labels (surest first; one the classifier was unsure of
    gets a question mark), else the categories in the record's meta."""

    def lookup(record_id: str) -> list[str]:
        got = [f"{lb.slug}{'?' if lb.confidence < UNSURE else ''}"
               for lb in labels_for(store, record_id) if lb.slug]
        if got:
            return list(dict.fromkeys(got))
        cats = store.clause_meta(record_id).get("categories")
        if isinstance(cats, str):
            cats = [c.strip() for c in cats.split(",")]
        return [c for c in cats or [] if c]

    return lookup


# ---- computing ----------------------------------------------------------------------------


def change_id(document_id: str, from_version: str, to_version: str, change: Change) -> str:
    payload = "\x1f".join([from_version, to_version, change.kind, *change.old_ids, "\x1e",
                           *change.new_ids])
    code = ids.b32(hashlib.sha256(payload.encode()).digest(), 8)
    return f"chg-{document_id}-{code}"


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return f"“{text[:limit - 1].rstrip()}…”" if len(text) > limit else f"“{text}”"


_LIST_NUMBER = re.compile(r"^\d{1,3}[.)]$")
_LEAD_HEADING = re.compile(r"^\s*(?:\*\*|__)(.{3,80}?)(?:\*\*|__)")


def clause_label(clause: Clause) -> str:
    """What to call a clause: its bold lead-in (“10.1 Customer Content”), else its section."""
    m = _LEAD_HEADING.match(clause.raw)
    if m:
        return clean_markdown(m.group(1)).strip(" .:;")
    return clause.section.split(" > ")[-1] if clause.section else ""


def _where(clause: Clause) -> str:
    label = clause_label(clause)
    return f" “{label}”" if label else ""


def summarise(change: Change, categories: list[str] | None = None) -> str:
    """One line made from the changed words (no generative model)."""
    label = f" ({', '.join(categories)})" if categories else ""
    old, new = change.old, change.new
    if change.kind == "added":
        return f"Added{label}{_where(new[0])}: {_quote(new[0].text)}"
    if change.kind == "removed":
        return f"Removed{label}{_where(old[0])}: {_quote(old[0].text)}"
    if change.kind == "moved":
        a, b = old[0].section, new[0].section
        where = (f" from “{a.split(' > ')[-1]}” to “{b.split(' > ')[-1]}”" if a != b
                 else _where(new[0]))
        return f"Moved{label}{where}: {_quote(new[0].text, 70)}"
    if change.kind == "formatting":
        how = {"markup": "markup", "numbering": "list numbering",
               "punctuation": "punctuation or spacing",
               "resegmented": f"re-split, {len(old)} clause(s) → {len(new)}"}
        return (f"Formatting only ({how.get(change.reason, change.reason)}){label}"
                f"{_where(new[0])}: {_quote(new[0].text, 70)}")
    moved = " (and moved)" if change.moved else ""
    return f"Modified{label}{_where(new[0])}{moved}: {describe_edit(change.words)}"


def describe_edit(ops: list[WordOp], limit: int = 3) -> str:
    """``now says “…” (was “…”); adds “…”; drops “…”`` from the non-equal word steps."""
    parts = []
    edits = [op for op in ops if op.tag != "equal"]
    # a renumbered list item ("77." for "78.") is formatting inside a real edit: not worth a word
    worded = [op for op in edits if not (_LIST_NUMBER.match(op.old) and _LIST_NUMBER.match(op.new))]
    edits = worded or edits
    edits.sort(key=lambda op: -(len(op.old) + len(op.new)))
    for op in sorted(edits[:limit], key=lambda op: op.new_span[0]):
        if op.tag == "insert":
            parts.append(f"adds {_quote(op.new, 70)}")
        elif op.tag == "delete":
            parts.append(f"drops {_quote(op.old, 70)}")
        else:
            parts.append(f"now says {_quote(op.new, 60)} (was {_quote(op.old, 50)})")
    more = len(edits) - min(len(edits), limit)
    if more:
        parts.append(f"and {more} more edit{'s' if more > 1 else ''}")
    return "; ".join(parts) or "wording changed"


def _side_categories(categories: Categories | None, record_ids: list[str]) -> list[str]:
    cats: list[str] = []
    if categories:
        for rid in record_ids:
            cats += [c for c in categories(rid) if c not in cats]
    return cats


def _meaning(doc: Version, ch: Change, before: list[str], after: list[str]) -> Meaning:
    clause = (ch.new or ch.old)[0]
    return explain(ch.kind, " ".join(c.text for c in ch.old), " ".join(c.text for c in ch.new),
                   ch.words, before, after, doc.platform, clause_label(clause))


def _records(doc: Version, a: Version, b: Version, changes: list[Change],
             categories: Categories | None) -> list[ChangeRecord]:
    out = []
    for pos, ch in enumerate(changes):
        before = _side_categories(categories, ch.old_ids)
        after = _side_categories(categories, ch.new_ids)
        cats = list(dict.fromkeys(after + before))
        out.append(ChangeRecord(
            change_id(doc.document_id, a.version_id, b.version_id, ch), doc.document_id,
            doc.platform, ids.platform_slug(doc.platform), doc.doc_type, a.version_id,
            b.version_id, a.version_date, b.version_date, pos, ch.kind, ch.moved, ch.old_ids,
            ch.new_ids, ch.old[0].section if ch.old else "",
            ch.new[0].section if ch.new else "", ch.similarity, summarise(ch, cats[:3]),
            [asdict(w) for w in ch.words], ch.reason,
            _meaning(doc, ch, before, after).to_dict()))
    return out


def diff_versions(store: Store, version_a: str, version_b: str,
                  categories: Categories | None = None) -> list[ChangeRecord]:
    """Change records between any two versions of one document (not stored)."""
    a, b = version(store, version_a), version(store, version_b)
    if a.document_id != b.document_id:
        raise BadInput(f"{a.version_id} and {b.version_id} are versions of different documents "
                       f"({a.document_id}, {b.document_id})")
    changes = diff_clauses(version_clauses(store, a.version_id),
                           version_clauses(store, b.version_id))
    return _records(a, a, b, changes, categories)


def compute_changes(store: Store, categories: Categories | None = None,
                    document_id: str | None = None) -> ChangeStats:
    """Bring the change records up to date with the stored versions (idempotent).

    On a read-only store the records already there are used as they are.
    """
    try:
        return _compute(store, categories, document_id)
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc).replace(" ", "") or not has_change_records(store):
            raise StoreUnavailable(f"cannot write change records to {store.path} ({exc}); "
                                   "run `policy-assistant ingest` once with write access"
                                   ) from None
        return ChangeStats()


def _compute(store: Store, categories: Categories | None,
             document_id: str | None) -> ChangeStats:
    cats = categories or stored_categories(store)
    stats = ChangeStats()
    docs = [document_id] if document_id else store.tracked_documents()
    done = {(r[0], r[1]): r[2] for r in store.conn.execute(
        "SELECT from_version, to_version, algorithm FROM change_pairs")}
    key = algorithm_key(store)
    wanted: set[tuple[str, str]] = set()
    for doc_id in docs:
        vers = store.versions_of(doc_id)
        for a, b in zip(vers, vers[1:], strict=False):
            wanted.add((a.version_id, b.version_id))
            if done.get((a.version_id, b.version_id)) == key:
                stats.pairs_kept += 1
                continue
            changes = diff_clauses(version_clauses(store, a.version_id),
                                   version_clauses(store, b.version_id))
            records = _records(a, a, b, changes, cats)
            _write_pair(store, a, b, records, key)
            stats.pairs_computed += 1
            stats.records += len(records)
    stale = [p for p in done if p not in wanted and (document_id is None or
             p[0].startswith(document_id + "@"))]
    with store.conn:
        for f, t in stale:
            _delete_pair(store, f, t)
    stats.pairs_dropped = len(stale)
    log_arrivals(store)
    return stats


def log_arrivals(store: Store) -> int:
    """Give change records seen for the first time the next batch number (the digest of
    watched changes lists what arrived after a watch was made); returns that batch, 0 if none
    arrived. Recomputed records keep their IDs, so they are not logged twice."""
    import datetime as dt

    with store.conn:
        new = [r[0] for r in store.conn.execute(
            "SELECT change_id FROM changes WHERE change_id NOT IN (SELECT change_id FROM "
            "change_log) ORDER BY change_id")]
        if not new:
            return 0
        batch = latest_batch(store) + 1
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        store.conn.executemany("INSERT INTO change_log VALUES(?, ?, ?)",
                               [(c, batch, now) for c in new])
    return batch


def latest_batch(store: Store) -> int:
    """The batch number of the newest change records (0 before any)."""
    row = store.conn.execute("SELECT MAX(batch) FROM change_log").fetchone()
    return int(row[0] or 0)


def _delete_pair(store: Store, from_version: str, to_version: str) -> None:
    conn = store.conn
    conn.execute("DELETE FROM change_refs WHERE change_id IN (SELECT change_id FROM changes "
                 "WHERE from_version=? AND to_version=?)", (from_version, to_version))
    conn.execute("DELETE FROM changes WHERE from_version=? AND to_version=?",
                 (from_version, to_version))
    conn.execute("DELETE FROM change_pairs WHERE from_version=? AND to_version=?",
                 (from_version, to_version))


def algorithm_key(store: Store) -> str:
    """What stored change records depend on besides the versions: the diff algorithm and the
    labels their summaries name (relabelling the corpus rewrites the summaries)."""
    labels = labels_key(store)
    if not labels:
        return ALGORITHM
    digest = hashlib.sha256(labels.encode()).hexdigest()[:8]
    return f"{ALGORITHM}|labels:{digest}"


def _write_pair(store: Store, a: Version, b: Version, records: list[ChangeRecord],
                key: str = ALGORITHM) -> None:
    with store.conn:
        _delete_pair(store, a.version_id, b.version_id)
        for r in records:
            detail = json.dumps({"words": r.words, "reason": r.reason, "meaning": r.meaning},
                                ensure_ascii=False)
            store.conn.execute(
                "INSERT OR REPLACE INTO changes VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?, ?, ?)",
                (r.change_id, r.document_id, r.platform_id, r.platform, r.doc_type,
                 r.from_version, r.to_version, r.from_date, r.to_date, r.position, r.kind,
                 int(r.moved), json.dumps(r.old_ids), json.dumps(r.new_ids), r.old_section,
                 r.new_section, r.similarity, r.summary, detail))
            store.conn.executemany(
                "INSERT OR IGNORE INTO change_refs VALUES(?, ?, ?)",
                [(rid, r.change_id, "old") for rid in r.old_ids]
                + [(rid, r.change_id, "new") for rid in r.new_ids])
        store.conn.execute("INSERT OR REPLACE INTO change_pairs VALUES(?, ?, ?, ?, ?)",
                           (a.version_id, b.version_id, a.document_id, key, len(records)))
        faults.point("changes")


# ---- the read side --------------------------------------------------------------------------


def _row(r: sqlite3.Row) -> ChangeRecord:
    detail = json.loads(r["detail"])
    return ChangeRecord(
        r["change_id"], r["document_id"], r["platform"], r["platform_id"], r["doc_type"],
        r["from_version"], r["to_version"], r["from_date"], r["to_date"], r["position"],
        r["kind"], bool(r["moved"]), json.loads(r["old_ids"]), json.loads(r["new_ids"]),
        r["old_section"], r["new_section"], r["similarity"], r["summary"],
        detail.get("words", []), detail.get("reason", ""), detail.get("meaning", {}))


def has_change_records(store: Store) -> bool:
    """Whether change records were ever computed for this store (any version pair)."""
    return store.conn.execute("SELECT 1 FROM change_pairs LIMIT 1").fetchone() is not None


def resolve_platform(store: Store, platform: str) -> str:
    """A platform ID from an ID or a display name (case-insensitive)."""
    names = store.platforms()
    key = platform.strip()
    if key in names:
        return key
    for pid, name in names.items():
        if name.lower() == key.lower() or pid == ids.platform_slug(key):
            return pid
    raise NotFound(f"no platform {platform!r} in the store")


def resolve_doc_type(store: Store, platform_id: str, doc_type: str) -> str:
    types = sorted({r.doc_type for r in store.documents(platform_id)})
    for t in types:
        if t.lower() == doc_type.strip().lower():
            return t
    matches = [t for t in types if doc_type.strip().lower() in t.lower()]
    if len(matches) == 1:
        return matches[0]
    raise BadInput(f"no document {doc_type!r} for this platform; it has: {', '.join(types)}")


def changes_for(store: Store, platform: str, doc_type: str | None = None,
                since: str | None = None, until: str | None = None,
                kinds: tuple[str, ...] | None = None, refresh: bool = True
                ) -> list[ChangeRecord]:
    """A platform's change records, oldest version pair first, in document order.

    ``since``/``until`` (ISO dates, inclusive) bound the date of the newer version of the
    pair: the date the change was first seen. ``refresh`` first computes any missing pairs.
    """
    pid = resolve_platform(store, platform)
    if refresh:
        compute_changes(store)
    sql = "SELECT * FROM changes WHERE platform_id=?"
    args: list[Any] = [pid]
    if doc_type:
        sql += " AND doc_type=?"
        args.append(resolve_doc_type(store, pid, doc_type))
    if since:
        sql += " AND to_date>=?"
        args.append(since)
    if until:
        sql += " AND to_date<=?"
        args.append(until + "\uffff" if len(until) == 10 else until)
    if kinds:
        sql += f" AND kind IN ({','.join('?' * len(kinds))})"
        args += list(kinds)
    sql += " ORDER BY doc_type, to_date, from_date, position"
    return [_row(r) for r in store.conn.execute(sql, args)]


def get_change(store: Store, change_id: str) -> ChangeRecord:
    r = store.conn.execute("SELECT * FROM changes WHERE change_id=?",
                           (change_id.strip(),)).fetchone()
    if r is None:
        raise NotFound(f"no change record {change_id!r}")
    return _row(r)


def find_change(store: Store, old_ids: list[str], new_ids: list[str]) -> ChangeRecord | None:
    """The stored change record between exactly these record IDs, if there is one."""
    r = store.conn.execute("SELECT * FROM changes WHERE old_ids=? AND new_ids=?",
                           (json.dumps(old_ids), json.dumps(new_ids))
                           ).fetchone()
    return _row(r) if r is not None else None


def history_of(store: Store, record_id: str) -> RecordHistory:
    """Which versions of its document hold the record, and the change records naming it."""
    clause = store.clause(record_id)  # raises NotFound
    present = store.versions_holding(record_id)
    versions = [{"version_id": v.version_id, "date": v.version_date, "kind": v.kind,
                 "present": v.version_id in present}
                for v in store.versions_of(clause.document_id)]
    changes: list[ChangeRecord] = []
    previous: list[str] = []
    nxt: list[str] = []
    for r in store.conn.execute(
            "SELECT c.*, x.side FROM change_refs x JOIN changes c ON "
            "c.change_id=x.change_id WHERE x.record_id=? ORDER BY c.to_date, c.position",
            (record_id,)):
        rec = _row(r)
        if not any(c.change_id == rec.change_id for c in changes):
            changes.append(rec)
        if r["side"] == "new":
            previous += [i for i in rec.old_ids if i != record_id and i not in previous]
        else:
            nxt += [i for i in rec.new_ids if i != record_id and i not in nxt]
    return RecordHistory(record_id, clause.document_id, clause.platform, clause.doc_type,
                         versions, changes, previous, nxt)


def word_diff_text(record: ChangeRecord) -> str:
    """The stored word diff rendered as ``[-old-] {+new+}``."""
    return render_word_diff([WordOp(w["tag"], w["old"], w["new"], tuple(w["old_span"]),
                                    tuple(w["new_span"])) for w in record.words])


def meaning_of(store: Store, record: ChangeRecord,
               categories: Categories | None = None) -> Meaning:
    """The record's meaning: as stored, or worked out now from its versions (records written
    by an older algorithm into a store this process cannot write)."""
    if record.meaning:
        return Meaning.from_dict(record.meaning)
    doc = version(store, record.to_version)
    old = {c.record_id: c for c in version_clauses(store, record.from_version)}
    new = {c.record_id: c for c in version_clauses(store, record.to_version)}
    olds = tuple(old[i] for i in record.old_ids if i in old)
    news = tuple(new[i] for i in record.new_ids if i in new)
    words = [WordOp(w["tag"], w["old"], w["new"], tuple(w["old_span"]), tuple(w["new_span"]))
             for w in record.words]
    ch = Change(record.kind, olds, news, None, None, record.similarity, record.moved,
                record.reason, words)
    cats = categories or stored_categories(store)
    return _meaning(doc, ch, _side_categories(cats, record.old_ids),
                    _side_categories(cats, record.new_ids))
