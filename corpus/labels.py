"""Clause labels in the store: the ``labels`` table's repository and the live counts read
from it.

``labels(record_id, slug, confidence, severity, reason)`` holds one row per (clause, category)
the classifier assigned (its DDL is in ``corpus.schema``, so it exists in every store; an
unlabelled store has no rows). Prevalence is always computed from the store at the moment it
is asked, never cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from corpus import faults
from corpus.store import Store

# clauses present in the current version of their document, with the platform and doc type
_CURRENT = ("SELECT DISTINCT c.record_id, c.platform_id, c.doc_type FROM clauses c "
            "JOIN documents d ON d.document_id=c.document_id "
            "JOIN occurrences o ON o.record_id=c.record_id AND o.version_id=d.current_version")
# the same test for one clause ``c``: it occurs in its document's current version. Queries that
# start from one category's labels use this instead of joining _CURRENT, which lists every
# current clause first (full corpus: 310 against 45 ms a category for a record page's queries)
_IS_CURRENT = ("EXISTS (SELECT 1 FROM occurrences o JOIN documents d ON "
               "d.current_version=o.version_id WHERE o.record_id=c.record_id AND "
               "d.document_id=c.document_id)")


@dataclass(frozen=True)
class Label:
    slug: str
    confidence: float
    severity: str
    reason: str


class RecordLabel(NamedTuple):
    record_id: str
    slug: str
    confidence: float
    severity: str


@dataclass(frozen=True)
class Prevalence:
    slug: str
    found: int  # platforms with at least one current clause of the category
    of: int  # platforms with at least one current document of a type the category concerns
    doc_types: tuple[str, ...]
    as_of: str  # newest version date among current documents: the date of the corpus
    unfavourable: int = 0  # of ``found``: platforms with a clause not rated Favourable

    @property
    def share(self) -> float:
        return self.found / self.of if self.of else 0.0

    def text(self) -> str:
        fav = self.found - self.unfavourable
        only = f"; in {fav} of them only as a Favourable clause" if fav else ""
        return (f"found in {self.found} of {self.of} platforms ({self.share:.0%}) that have a "
                f"{' / '.join(self.doc_types)} in the corpus of {self.as_of}{only}")


def has_labels(store: Store) -> bool:
    """Whether the corpus has been labelled (any label stored)."""
    return store.conn.execute("SELECT 1 FROM labels LIMIT 1").fetchone() is not None


def labels_key(store: Store) -> str:
    """What the stored labels were made with and how many there are ("" before any run of
    ``replace_labels``): the change summaries that name categories depend on it."""
    row = store.conn.execute("SELECT value FROM meta WHERE key='labels_model'").fetchone()
    n = store.conn.execute("SELECT COUNT(*) FROM labels").fetchone()[0]
    if row is None and not n:
        return ""
    return f"{row[0] if row else ''}|{n}"


def replace_labels(store: Store, rows: Iterable[tuple[str, str, float, str, str]],
                   model_info: str = "") -> int:
    """Replace every label with ``rows`` (record_id, slug, confidence, severity, reason)."""
    n = 0
    with store.conn:
        store.conn.execute("DELETE FROM labels")
        for batch in _batches(rows, 5000):
            store.conn.executemany("INSERT INTO labels VALUES(?, ?, ?, ?, ?)", batch)
            n += len(batch)
            faults.point("labels")
        store.conn.execute("INSERT OR REPLACE INTO meta VALUES('labels_model', ?)",
                           (model_info,))
    return n


def _batches(rows: Iterable[tuple], size: int) -> Iterable[list[tuple]]:
    batch: list[tuple] = []
    for r in rows:
        batch.append(r)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def model_info(store: Store) -> dict[str, str]:
    """What the labels were made with (written by ``replace_labels``); {} if unlabelled."""
    import json

    row = store.conn.execute("SELECT value FROM meta WHERE key='labels_model'").fetchone()
    try:
        return json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        return {}


def labels_for(store: Store, record_id: str) -> list[Label]:
    """The record's labels, surest first."""
    return [Label(r[0], r[1], r[2], r[3]) for r in store.conn.execute(
        "SELECT slug, confidence, severity, reason FROM labels WHERE record_id=? "
        "ORDER BY confidence DESC, slug", (record_id,))]


def severities(store: Store, slug: str) -> dict[str, str]:
    """record_id -> severity of every clause labelled ``slug``."""
    return {str(r[0]): str(r[1]) for r in store.conn.execute(
        "SELECT record_id, severity FROM labels WHERE slug=?", (slug,))}


def all_labels(store: Store) -> list[RecordLabel]:
    """Every stored label, surest first."""
    return [RecordLabel(*r) for r in store.conn.execute(
        "SELECT record_id, slug, confidence, severity FROM labels ORDER BY confidence DESC")]


def label_counts(store: Store) -> dict[str, dict[str, int]]:
    """Per category: labelled clauses (all stored versions) and those in current documents."""
    out: dict[str, dict[str, int]] = {}
    for slug, n in store.conn.execute("SELECT slug, COUNT(*) FROM labels GROUP BY slug"):
        out[slug] = {"clauses": n, "current": 0}
    for slug, n in store.conn.execute(
            f"SELECT l.slug, COUNT(*) FROM labels l JOIN ({_CURRENT}) cur "
            "ON cur.record_id=l.record_id GROUP BY l.slug"):
        out[slug]["current"] = n
    return out


def corpus_date(store: Store) -> str:
    row = store.conn.execute("SELECT MAX(v.version_date) FROM documents d JOIN versions v ON "
                             "v.version_id=d.current_version").fetchone()
    return (row[0] or "")[:10]


def prevalence(store: Store, slug: str, doc_types: Sequence[str]) -> Prevalence:
    """How many platforms have a current clause of ``slug`` in a document of ``doc_types``,
    out of the platforms that have a current document of one of those types (kept until the
    store changes)."""
    doc_types = tuple(doc_types)
    return store.memo(("prevalence", slug, doc_types),
                      lambda: _prevalence(store, slug, doc_types))


def _prevalence(store: Store, slug: str, doc_types: tuple[str, ...]) -> Prevalence:
    q = ",".join("?" * len(doc_types))
    of = store.conn.execute(
        f"SELECT COUNT(DISTINCT platform_id) FROM documents WHERE current_version IS NOT NULL "
        f"AND doc_type IN ({q})", tuple(doc_types)).fetchone()[0]
    found, unfav = store.conn.execute(
        f"SELECT COUNT(DISTINCT c.platform_id), COUNT(DISTINCT CASE WHEN l.severity != "
        f"'Favourable' THEN c.platform_id END) FROM labels l JOIN clauses c ON "
        f"c.record_id=l.record_id WHERE l.slug=? AND c.doc_type IN ({q}) AND {_IS_CURRENT}",
        (slug, *doc_types)).fetchone()
    return Prevalence(slug, found, of, tuple(doc_types), corpus_date(store), unfav)


class LabelledClause(NamedTuple):
    """A current clause with one of its labels."""

    record_id: str
    platform_id: str
    platform: str
    doc_type: str
    embed_key: str
    slug: str
    confidence: float
    severity: str


def current_labelled(store: Store, slugs: Sequence[str] = (), severities: Sequence[str] = (),
                     platform_ids: Sequence[str] = ()) -> list[LabelledClause]:
    """Current clauses with a label matching every given filter (empty filter: any):
    record_id, platform_id, platform, doc_type, embed_key, slug, confidence, severity (kept
    until the store changes)."""
    key = ("current_labelled", tuple(slugs), tuple(severities), tuple(platform_ids))
    return list(store.memo(key, lambda: tuple(_current_labelled(store, slugs, severities,
                                                                platform_ids))))


def _current_labelled(store: Store, slugs: Sequence[str], severities: Sequence[str],
                      platform_ids: Sequence[str]) -> list[LabelledClause]:
    sql = ("SELECT c.record_id, c.platform_id, c.platform, c.doc_type, c.embed_key, l.slug, "
           "l.confidence, l.severity FROM labels l JOIN clauses c ON c.record_id=l.record_id "
           f"WHERE {_IS_CURRENT}")
    args: list[str] = []
    for col, values in (("l.slug", slugs), ("l.severity", severities),
                        ("c.platform_id", platform_ids)):
        if values:
            sql += f" AND {col} IN ({','.join('?' * len(values))})"
            args.extend(values)
    return [LabelledClause(*r) for r in
            store.conn.execute(sql + " ORDER BY c.record_id, l.slug", args)]
