"""Monitoring figures for a record page, read from the stored versions and change records:

* **recent activity** of a document: its wording changes (modified, added or removed clauses)
  first seen in the last 30 and 90 days, newest first. The windows end on the date of the
  newest tracked version of the document (the archive's own clock, so a page reads the same
  whenever it is opened) unless a date is given (``today``); the sentence says which;
* **clause stability**: how often a clause changed while it was monitored, counting the
  clauses it replaced (an edited clause gets a new record ID, so its earlier wordings are
  followed back through the change records). 0 changes: Stable; 1: Mostly stable; 2 or more:
  Changes often.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from corpus import changes as ch
from corpus.store import Store

WORDING = ("modified", "added", "removed")
WINDOWS = (30, 90)


@dataclass
class Activity:
    platform: str
    doc_type: str
    document_ids: list[str]
    versions: int  # tracked versions of those documents
    tracked_since: str
    reference: str  # the day the windows end on
    reference_kind: str  # "newest tracked version" | "given date"
    last_30: int = 0
    last_90: int = 0
    recent: list[ch.ChangeRecord] = field(default_factory=list)  # last 90 days, newest first

    def sentence(self) -> str:
        if not self.document_ids:
            return (f"{self.platform}'s {self.doc_type}: no document of this type has two "
                    "tracked versions yet, so no change can be shown.")
        when = (f"to {self.reference}, the newest tracked version"
                if self.reference_kind == "newest tracked version"
                else f"to {self.reference}")
        n30 = f"{self.last_30} documented change{'' if self.last_30 == 1 else 's'}"
        return (f"{self.platform} recorded {n30} to its {self.doc_type} in the last 30 days "
                f"({when}) and {self.last_90} in the last 90 days; tracked since "
                f"{self.tracked_since} ({self.versions} versions).")

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "doc_type": self.doc_type,
                "document_ids": self.document_ids, "versions": self.versions,
                "tracked_since": self.tracked_since, "reference": self.reference,
                "reference_kind": self.reference_kind, "last_30": self.last_30,
                "last_90": self.last_90, "sentence": self.sentence(),
                "recent": [r.to_dict() for r in self.recent]}


def _minus(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day[:10]) - dt.timedelta(days=days)).isoformat()


def document_activity(store: Store, platform_id: str, doc_type: str,
                      today: str | None = None) -> Activity:
    """Wording changes of a platform's documents of one type (every collection tracking it),
    in the 30 and 90 days that end on ``today`` or on the newest tracked version."""
    docs = [d for d in store.documents(platform_id) if d.doc_type == doc_type]
    platform = docs[0].platform if docs else platform_id
    tracked = [d.document_id for d in docs if len(store.versions_of(d.document_id)) > 1]
    # the versions of the tracked documents (a saved record page is a document of one version)
    dates = sorted(v.version_date[:10] for d in docs
                   if d.document_id in tracked or not tracked
                   for v in store.versions_of(d.document_id) if v.version_date)
    reference = today or (dates[-1] if dates else dt.date.today().isoformat())
    act = Activity(platform, doc_type, tracked, len(dates), dates[0] if dates else "",
                   reference, "given date" if today else "newest tracked version")
    if not tracked:
        return act
    records = [r for r in ch.changes_for(store, platform_id, doc_type, _minus(reference, 89),
                                         reference, WORDING, refresh=False)
               if r.document_id in tracked]
    records.sort(key=lambda r: (r.to_date, -r.position), reverse=True)
    start_30 = _minus(reference, 29)
    act.last_30 = sum(r.to_date[:10] >= start_30 for r in records)
    act.last_90 = len(records)
    act.recent = records
    return act


@dataclass
class Stability:
    record_id: str
    status: str  # Stable | Mostly stable | Changes often
    changes: int
    months: int
    first_seen: str
    last_seen: str
    last_checked: str  # the newest version looked at (the one that dropped it, if it went)
    current: bool
    earlier: list[str] = field(default_factory=list)  # record IDs it replaced, newest first
    change_records: list[ch.ChangeRecord] = field(default_factory=list)  # oldest first

    def sentence(self) -> str:
        months = f"{self.months} month{'' if self.months == 1 else 's'} of monitoring"
        if not self.changes:
            return f"This clause has not changed in {months}."
        times = {1: "once", 2: "twice"}.get(self.changes, f"{self.changes} times")
        return f"This clause has changed {times} in {months}."

    def to_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "status": self.status, "changes": self.changes,
                "months": self.months, "first_seen": self.first_seen,
                "last_seen": self.last_seen, "last_checked": self.last_checked,
                "current": self.current, "earlier": self.earlier, "sentence": self.sentence(),
                "change_records": [r.to_dict() for r in self.change_records]}


def status(changes: int) -> str:
    return "Stable" if changes == 0 else "Mostly stable" if changes == 1 else "Changes often"


def months_between(first: str, last: str) -> int:
    """Whole months from ``first`` to ``last``, rounded up; at least 1."""
    if not first or not last:
        return 1
    days = (dt.date.fromisoformat(last[:10]) - dt.date.fromisoformat(first[:10])).days
    return max(1, math.ceil(days / 30.44))


def clause_stability(store: Store, record_id: str, meta: dict[str, Any] | None = None
                     ) -> Stability:
    """Changes of a clause and of the wordings it replaced, and the span it was monitored.
    ``meta``: a seed record's own tracking dates (first_tracked, last_verified) widen it."""
    hist = ch.history_of(store, record_id)
    lineage = [record_id]
    records: dict[str, ch.ChangeRecord] = {}
    seen_dates: list[str] = []
    todo, done = [record_id], set()
    while todo:
        rid = todo.pop(0)
        if rid in done:
            continue
        done.add(rid)
        h = hist if rid == record_id else ch.history_of(store, rid)
        seen_dates += [v["date"] for v in h.versions if v["present"]]
        for r in h.changes:
            if r.kind in WORDING:
                records[r.change_id] = r
        for prev in h.previous:
            if prev not in done:
                lineage.append(prev)
                todo.append(prev)
    mine = [v for v in hist.versions if v["present"]]
    last_seen = max((v["date"] for v in mine), default="")
    later = [v["date"] for v in hist.versions if v["date"] > last_seen and not v["present"]]
    newest = max((v["date"] for v in hist.versions), default=last_seen)
    current = bool(mine) and not later
    last_checked = newest if current else min(later)
    meta = meta or {}
    first_seen = min([d for d in seen_dates if d] + [meta.get("first_tracked") or "9999"])
    first_seen = "" if first_seen == "9999" else first_seen
    if meta.get("last_verified") and meta["last_verified"] > last_checked:
        last_checked = meta["last_verified"]
        last_seen = max(last_seen, meta["last_verified"])
    ordered = sorted(records.values(), key=lambda r: (r.to_date, r.position))
    return Stability(record_id, status(len(ordered)), len(ordered),
                     months_between(first_seen, last_checked), first_seen[:10], last_seen[:10],
                     last_checked[:10], current, lineage[1:], ordered)
