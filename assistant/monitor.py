"""What a monitoring reader needs on a record page, gathered from the store: the document's
recent activity, the clause's stability, prevalence with its denominator and the count of
similar provisions elsewhere, the meaning and severity of each change, the regulations the
clause engages and a citation block. The front ends render ``RecordMonitor``; nothing here
formats for a screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corpus import changes as ch
from corpus import labels as store_labels
from corpus.activity import Activity, Stability, clause_stability, document_activity
from corpus.citation import CitationBlock, citation_for
from corpus.regulations import Engagement, agencies, engaged, load_map
from corpus.store import ClauseRow, Store
from corpus.taxonomy import load_taxonomy
from corpus.text import slugify


@dataclass
class PrevalenceLine:
    slug: str
    name: str
    found: int  # platforms with a current clause of the category
    of: int  # platforms with a current document of a type the category concerns
    elsewhere: int  # current clauses of the category on other platforms
    text: str

    def sentence(self) -> str:
        return (f"{self.name}: {self.text}; this clause type exists across {self.elsewhere:,} "
                f"other provision{'' if self.elsewhere == 1 else 's'} on other platforms")


@dataclass
class ChangeLine:
    """One change record as a record page lists it: when, what, what it means."""

    change_id: str
    date: str
    kind: str  # the diff's: modified | added | removed | moved | formatting
    meaning: str  # the meaning's kind (corpus.meaning.KINDS)
    label: str
    severity: str
    reason: str
    summary: str
    record_ids: list[str]

    @classmethod
    def of(cls, store: Store, r: ch.ChangeRecord) -> ChangeLine:
        m = ch.meaning_of(store, r)
        return cls(r.change_id, r.to_date[:10], r.kind, m.kind, m.label, m.severity, m.reason,
                   m.summary, [*r.old_ids, *r.new_ids])


@dataclass
class RecordMonitor:
    record_id: str
    categories: list[str]
    activity: Activity | None
    stability: Stability
    prevalence: list[PrevalenceLine]
    prevalence_note: str  # why there is no prevalence, or the source page's own figure
    recent: list[ChangeLine]  # the document's changes in the last 90 days, newest first
    history: list[ChangeLine]  # this clause's changes (and those of its earlier wordings)
    regulations: list[Engagement]
    agencies: list[tuple[str, str]]
    notice: str
    citation: CitationBlock
    severity: str = ""  # the most severe of the clause's own changes
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id, "categories": self.categories,
            "activity": self.activity.to_dict() if self.activity else None,
            "stability": {k: v for k, v in self.stability.to_dict().items()
                          if k != "change_records"},
            "prevalence": [{**vars(p), "sentence": p.sentence()} for p in self.prevalence],
            "prevalence_note": self.prevalence_note,
            "recent": [vars(c) for c in self.recent],
            "history": [vars(c) for c in self.history],
            "change_severity": self.severity,
            "regulations": [e.to_dict() for e in self.regulations],
            "agencies": [{"agency": a, "for": r} for a, r in self.agencies],
            "notice": self.notice, "citation": self.citation.to_dict(),
        }


_ORDER = {"High": 0, "Medium": 1, "Low": 2}


def prevalence_lines(store: Store, record_id: str, platform_id: str,
                     categories: list[str]) -> list[PrevalenceLine]:
    names = {c.slug: c for c in load_taxonomy()}
    out = []
    for slug in [c for c in categories if not c.endswith("?") and c in names]:
        p = store_labels.prevalence(store, slug, names[slug].doc_types)
        elsewhere = sum(r.platform_id != platform_id
                        for r in store_labels.current_labelled(store, slugs=[slug]))
        out.append(PrevalenceLine(slug, names[slug].name, p.found, p.of, elsewhere, p.text()))
    return out


def as_slugs(categories: list[str]) -> list[str]:
    """Category labels as taxonomy slugs: a record page imported from a monitoring site names
    them ("Account termination"); unknown names are dropped, an unsure "?" is kept."""
    tax = load_taxonomy()
    slugs = {c.slug for c in tax}
    by_name = {c.name.lower(): c.slug for c in tax}
    out = []
    for c in categories:
        base, unsure = c.rstrip("?"), "?" if c.endswith("?") else ""
        slug = base if base in slugs else slugify(base, 60) if slugify(base, 60) in slugs \
            else by_name.get(base.lower(), "")
        if slug and slug + unsure not in out:
            out.append(slug + unsure)
    return out


def record_monitor(store: Store, clause: ClauseRow, today: str | None = None,
                   accessed: str | None = None) -> RecordMonitor:
    """Everything above for one record. ``today``: end the activity windows on this date
    instead of on the newest tracked version; ``accessed``: the citation's accessed date."""
    categories = as_slugs(ch.stored_categories(store)(clause.record_id))
    pid = store.platform_of(clause.record_id)
    seed = clause.collection == "seed"
    activity = document_activity(store, pid, clause.doc_type, today)
    stability = clause_stability(store, clause.record_id, clause.meta if seed else None)
    prevalence = prevalence_lines(store, clause.record_id, pid, categories)
    note = ""
    if not prevalence:
        note = ("no prevalence: the corpus has no clause labels yet "
                "(`policy-assistant train-labels`)" if not store_labels.has_labels(store)
                else "no prevalence: the clause has no category label")
    if seed and clause.meta.get("prevalence"):
        note += ("; " if note else "") + f"the source page says {clause.meta['prevalence']}"
    history = [ChangeLine.of(store, r) for r in stability.change_records]
    regs = engaged(clause.text, categories)
    worst = min((c.severity for c in history), key=lambda s: _ORDER.get(s, 9), default="")
    return RecordMonitor(
        clause.record_id, categories, activity, stability, prevalence, note,
        [ChangeLine.of(store, r) for r in activity.recent], history, regs, agencies(regs),
        load_map().notice, citation_for(clause, accessed), worst)
