"""Record pages: a clause by its record ID, with the ToS;DR assessments quoting it, its labels
(category, severity, prevalence, similar clauses on other platforms) and its change history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.types import Answer, Citation, Hit
from corpus.errors import BadInput, NotFound
from corpus.store import ClauseRow, Store
from corpus.text import plain_text


@dataclass
class RecordView:
    """A record page: the clause, the ToS;DR assessments quoting it, its labels (category,
    severity, prevalence, similar clauses on other platforms) and its change history."""

    clause: ClauseRow
    annotations: list[dict[str, Any]] = field(default_factory=list)
    labels: Any = None  # assistant.labels.RecordLabels, when the corpus is labelled
    category: str = ""
    severity: str = ""
    prevalence: str = ""
    similar: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    store: Any = field(default=None, repr=False, compare=False)
    _monitor: Any = field(default=None, repr=False, compare=False)

    @property
    def monitor(self) -> Any:
        """assistant.monitor.RecordMonitor (activity, stability, regulations, citation), made
        on first use: citation cards look records up without needing it."""
        if self._monitor is None and self.store is not None:
            from assistant.monitor import record_monitor

            self._monitor = record_monitor(self.store, self.clause)
        return self._monitor


def record_view(store: Store, record_id: str, max_record_id: int) -> RecordView:
    """The record page of ``record_id``; BadInput / NotFound with a hint otherwise."""
    rid = plain_text(record_id or "").strip()
    if not rid:
        raise BadInput("give a record ID, e.g. coursera-1a2b-3c4d-5e6f")
    if len(rid) > (limit := max_record_id):
        raise BadInput(f"a record ID is at most {limit} characters (this one has "
                       f"{len(rid):,}); IDs look like coursera-1a2b-3c4d-5e6f")
    try:
        clause = store.clause(rid)
    except Exception:
        close = store.find_records(rid[: max(4, len(rid) - 4)])
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise NotFound(f"no record {rid!r}{hint}") from None
    notes = store.annotations_for(rid)
    view = RecordView(clause, notes)
    _add_labels(store, view)
    _add_history(store, view)
    view.store = store
    return view


def _add_labels(store: Store, view: RecordView) -> None:
    from assistant.labels import record_labels

    labels = record_labels(store, view.clause.record_id)
    if labels is None or not labels.categories:
        return
    view.labels = labels
    view.category = ", ".join(f"{c.name} ({c.confidence:.0%})" for c in labels.categories)
    view.severity = labels.severity or ""
    view.prevalence = "; ".join(f"{c.name}: {c.prevalence}" for c in labels.categories)
    seen: set[str] = set()
    for c in labels.categories:
        for sim in c.similar:
            if sim.record_id not in seen:
                seen.add(sim.record_id)
                view.similar.append({"record_id": sim.record_id, "platform": sim.platform,
                                     "doc_type": f"{sim.doc_type} · {c.name} · "
                                                 f"{sim.severity}", "text": sim.text})

def _add_history(store: Store, view: RecordView) -> None:
    from corpus.changes import history_of

    try:
        hist = history_of(store, view.clause.record_id)
    except Exception:  # no change records yet (read-only store): the page goes without
        return
    for ch in hist.changes:
        view.history.append({"date": f"{ch.from_date} → {ch.to_date}",
                             "change": f"{ch.kind} ({ch.change_id})",
                             "summary": ch.summary})


def record_answer(view: RecordView) -> Answer:
    """A record shown in the conversation."""
    c = view.clause
    hit = Hit(c.record_id, c.platform, "", c.doc_type, c.document_id, c.section, c.text)
    cite = Citation(c.record_id, c.platform, c.doc_type, c.section, c.text, 0, len(c.text), {}, 1)
    where = f" ({c.section})" if c.section else ""
    text = (f"{c.platform} — {c.doc_type}{where}, version of {c.version_date} [1]\n\n"
            f"“{c.text}” {c.record_id}")
    return Answer(text=text, citations=[cite], evidence=[hit], route="record",
                  focus=f"Record {c.record_id}")
