"""Watches and the digest of watched changes.

A watch follows a platform, optionally one document type and one clause category. Watches live
in the store beside the records (an ingest never writes the ``watches`` table, so they survive
every re-ingest); this module is that table's repository (its DDL is in ``corpus.schema``).

The digest lists the wording changes (modified, added or removed clauses) that match a watch,
with their meaning and record IDs. By default it lists what arrived since the previous digest
(change records are numbered by the ingest that first stored them, ``change_log``), never what
was there before the watch was made; ``since`` lists the changes whose newer version is dated
on or after a day instead, and does not move the mark.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from corpus import changes as ch
from corpus.errors import BadInput, NotFound, StoreUnavailable
from corpus.meaning import Meaning
from corpus.store import Store
from corpus.taxonomy import load_taxonomy

WORDING = ("modified", "added", "removed")


@dataclass(frozen=True)
class Watch:
    watch_id: int
    platform_id: str
    platform: str
    doc_type: str  # "" for every document type
    category: str  # "" for every category
    created: str
    since_batch: int

    def describe(self) -> str:
        what = self.doc_type or "all documents"
        cat = f", category {self.category}" if self.category else ""
        return f"{self.platform} — {what}{cat}"

    def matches(self, r: ch.ChangeRecord, meaning: Meaning) -> bool:
        if r.platform_id != self.platform_id or (self.doc_type and r.doc_type != self.doc_type):
            return False
        if not self.category:
            return True
        cats = {c.rstrip("?") for c in meaning.category_before + meaning.category_after}
        return self.category in cats


@dataclass
class DigestItem:
    record: ch.ChangeRecord
    meaning: Meaning
    watches: list[int]

    def to_dict(self) -> dict[str, Any]:
        r = self.record
        return {"change_id": r.change_id, "platform": r.platform, "doc_type": r.doc_type,
                "from_date": r.from_date, "to_date": r.to_date, "change": r.kind,
                "kind": self.meaning.kind, "label": self.meaning.label,
                "severity": self.meaning.severity, "reason": self.meaning.reason,
                "summary": self.meaning.summary,
                "category_before": self.meaning.category_before,
                "category_after": self.meaning.category_after,
                "old_ids": r.old_ids, "new_ids": r.new_ids,
                "section": r.new_section or r.old_section, "watches": self.watches}


@dataclass
class Digest:
    generated: str
    basis: str  # what the digest covers, in words
    watches: list[Watch]
    items: list[DigestItem] = field(default_factory=list)
    formatting_only: int = 0  # matching formatting-only changes and moves, not listed

    def to_dict(self) -> dict[str, Any]:
        return {"generated": self.generated, "basis": self.basis,
                "watches": [vars(w) for w in self.watches],
                "changes": [i.to_dict() for i in self.items],
                "formatting_only": self.formatting_only}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(store: Store, sql: str, args: tuple) -> None:
    try:
        with store.conn:
            store.conn.execute(sql, args)
    except sqlite3.OperationalError as exc:
        raise StoreUnavailable(f"cannot write watches to {store.path} ({exc})") from None


def _category(value: str) -> str:
    if not value:
        return ""
    for c in load_taxonomy():
        if value.strip().lower() in (c.slug, c.name.lower()):
            return c.slug
    raise BadInput(f"unknown category {value!r}; see `policy-assistant prevalence` for the "
                   "categories")


def add_watch(store: Store, platform: str, doc_type: str = "", category: str = "") -> Watch:
    """Watch a platform (an ID or a name), optionally one document type and one category.
    Adding the same watch again returns the one there."""
    pid = ch.resolve_platform(store, platform)
    dtype = ch.resolve_doc_type(store, pid, doc_type) if doc_type else ""
    cat = _category(category)
    name = store.platforms()[pid]
    _write(store, "INSERT OR IGNORE INTO watches(platform_id, platform, doc_type, category, "
           "created, since_batch) VALUES(?, ?, ?, ?, ?, ?)",
           (pid, name, dtype, cat, _now(), ch.latest_batch(store)))
    row = store.conn.execute("SELECT * FROM watches WHERE platform_id=? AND doc_type=? AND "
                             "category=?", (pid, dtype, cat)).fetchone()
    return Watch(*row)


def list_watches(store: Store) -> list[Watch]:
    return [Watch(*r) for r in store.conn.execute("SELECT * FROM watches ORDER BY watch_id")]


def remove_watch(store: Store, watch_id: int) -> Watch:
    got = [w for w in list_watches(store) if w.watch_id == watch_id]
    if not got:
        raise NotFound(f"no watch {watch_id}; `policy-assistant watch list` shows them")
    _write(store, "DELETE FROM watches WHERE watch_id=?", (watch_id,))
    return got[0]


def _mark(store: Store) -> int:
    row = store.conn.execute("SELECT value FROM meta WHERE key='digest_batch'").fetchone()
    return int(row[0]) if row else 0


def digest(store: Store, since: str | None = None, mark: bool = False) -> Digest:
    """The watched changes: arrived since the previous digest (``mark=True`` moves the mark to
    now), or with the newer version dated on or after ``since``."""
    watches = list_watches(store)
    last = _mark(store)
    newest = ch.latest_batch(store)
    basis = (f"changes whose newer version is dated {since} or later" if since
             else "changes that arrived since the previous digest" if last
             else "changes that arrived since the watches were made")
    out = Digest(_now(), basis, watches)
    if not watches:
        return out
    rows: list[ch.ChangeRecord] = []
    arrived: dict[str, int] = {}
    if since:
        for pid in sorted({w.platform_id for w in watches}):
            rows += ch.changes_for(store, pid, since=since, refresh=False)
    else:
        arrived = {r[0]: r[1] for r in store.conn.execute(
            "SELECT change_id, batch FROM change_log WHERE batch > ?", (last,))}
        for pid in sorted({w.platform_id for w in watches}):
            rows += [r for r in ch.changes_for(store, pid, refresh=False)
                     if r.change_id in arrived]
    for r in rows:
        meaning = ch.meaning_of(store, r)
        hits = [w.watch_id for w in watches if w.matches(r, meaning)
                and (since or arrived[r.change_id] > w.since_batch)]
        if not hits:
            continue
        if r.kind in WORDING:
            out.items.append(DigestItem(r, meaning, hits))
        else:
            out.formatting_only += 1
    out.items.sort(key=lambda i: (i.record.to_date, i.record.platform, i.record.doc_type,
                                  i.record.position))
    if mark and not since and newest > last:
        with store.conn:
            store.conn.execute("INSERT OR REPLACE INTO meta VALUES('digest_batch', ?)",
                               (str(newest),))
    return out
