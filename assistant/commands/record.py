"""`policy-assistant record ID`: print a clause record and what is known about it: provenance,
labels, the document's recent activity, the clause's stability, prevalence, the meaning and
severity of its changes, the regulations it engages and a citation block (`--cite` prints
only the citation)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from assistant.commands.changes import iso_date

RECENT_SHOWN = 10


def add_parser(sub: Any) -> None:
    p = sub.add_parser("record", help="show a clause record by its ID")
    p.add_argument("record_id")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--cite", nargs="?", const="both", choices=["plain", "bibtex", "both"],
                   help="print only the citation block: plain text, BibTeX-like, or both "
                        "(the default)")
    p.add_argument("--accessed", type=iso_date, metavar="DATE",
                   help="the citation's accessed date (default: today)")
    p.add_argument("--today", type=iso_date, metavar="DATE",
                   help="end the 30/90-day activity windows on DATE instead of on the newest "
                        "tracked version")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from assistant.monitor import record_monitor

    a = ctx.assistant()
    view = a.record(args.record_id)
    c = view.clause
    monitor = view.monitor
    if args.today or args.accessed:
        monitor = record_monitor(a.store, c, args.today, args.accessed)
    if args.cite:
        cite = monitor.citation
        parts = {"plain": [cite.plain()], "bibtex": [cite.bibtex()],
                 "both": [cite.plain(), cite.bibtex()]}[args.cite]
        print("\n\n".join(parts))
        return 0
    from assistant.labels import record_labels

    labels = record_labels(a.store, c.record_id)
    if args.json:
        from assistant.cli import print_json

        print_json({**asdict(c), "annotations": view.annotations,
                    "labels": labels.to_dict() if labels else None,
                    "monitor": monitor.to_dict()})
        return 0
    print(f"Record    {c.record_id}")
    print(f"Platform  {c.platform}")
    print(f"Document  {c.doc_type} ({c.document_id}{', ' + c.collection if c.collection else ''})")
    print(f"Version   {c.version_id} · {c.version_date}{'' if c.current else ' (not current)'}")
    if c.section:
        print(f"Section   {c.section}")
    print(f"Source    {c.url or c.source}")
    print(f"SHA-256   {c.sha256}")
    for key in ("severity", "categories", "first_tracked", "last_verified", "source_sha256"):
        if c.meta.get(key):
            print(f"{key.replace('_', ' ').capitalize():<14}{c.meta[key]}")
    print()
    print(c.text)
    if view.annotations:
        print()
        print("ToS;DR assessments quoting this clause:")
        for note in view.annotations:
            print(f"  {note['annotation_id']} [{note['classification']}] {note['case_title']}"
                  f" (match {note['match_score']})")
    if labels is not None:
        print()
        print("\n".join(labels.lines()))
    print()
    print("\n".join(monitor_lines(monitor)))
    return 0


def _change(line: Any) -> str:
    return (f"  {line.date}  {line.meaning} · {line.severity}  {line.change_id}\n"
            f"      {line.summary}")


def monitor_lines(m: Any) -> list[str]:
    """The monitoring part of the record page as plain text."""
    out = ["Recent activity"]
    if m.activity is not None:
        out.append(f"  {m.activity.sentence()}")
        for line in m.recent[:RECENT_SHOWN]:
            out.append(_change(line))
        if len(m.recent) > RECENT_SHOWN:
            out.append(f"  … and {len(m.recent) - RECENT_SHOWN} more: policy-assistant changes "
                       f"'{m.activity.platform}' --document '{m.activity.doc_type}' --since "
                       f"{m.recent[-1].date} --wording-only")
    s = m.stability
    out += ["", f"Clause stability: {s.status}",
            f"  {s.changes} change{'' if s.changes == 1 else 's'} · {s.months} month"
            f"{'' if s.months == 1 else 's'} monitored · first seen {s.first_seen or '?'} · "
            f"last seen {s.last_seen or '?'}{'' if s.current else ' (no longer current)'}",
            f"  {s.sentence()}"]
    if s.earlier:
        out.append(f"  Earlier wordings: {' '.join(s.earlier)}")
    out += [_change(line) for line in m.history]
    out += ["", "Prevalence"]
    out += [f"  {p.sentence()}" for p in m.prevalence]
    if m.prevalence_note:
        out.append(f"  ({m.prevalence_note})")
    if m.severity:
        out += ["", f"Change severity  {m.severity} (the most severe of this clause's changes; "
                    f"{next(c.reason for c in m.history if c.severity == m.severity)})"]
    out += ["", "Regulations this clause engages"]
    if not m.regulations:
        out.append("  none in the map for its categories and wording")
    for e in m.regulations:
        r = e.regulation
        out.append(f"  {r.name} ({r.jurisdiction}): {e.provisions or 'named in the clause'}")
        out.append(f"      {r.title}; engaged by {', '.join(e.triggers)}")
        out.append(f"      source: {', '.join(e.to_dict()['sources'])}")
    if m.agencies:
        out.append("  Agencies: " + "; ".join(f"{a} ({regs})" for a, regs in m.agencies))
    out.append(f"  Note: {m.notice}")
    out += ["", "Citation", *[f"  {ln}" for ln in m.citation.plain().splitlines()]]
    return out
