"""ToS;DR points: human assessments of clauses, kept as annotations with their own IDs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from corpus.errors import Problem
from corpus.loaders import Report
from corpus.models import Annotation

CLASSIFICATIONS = ("good", "neutral", "bad", "blocker")


def is_tosdr_file(path: Path) -> bool:
    if path.suffix != ".jsonl" or not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as fh:
        head = fh.readline()
    return '"point_id"' in head


def load_tosdr(path: Path, report: Report) -> Iterator[Annotation]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not an object")
                pid, service = row.get("point_id"), row.get("service")
                if not pid or not service:
                    raise ValueError("missing point_id or service")
                cls = str(row.get("classification") or "")
                if cls not in CLASSIFICATIONS:
                    raise ValueError(f"unknown classification {cls!r}")
            except ValueError as exc:
                report(Problem(f"{path}:{n}", f"malformed point ({exc})"))
                continue
            yield Annotation(
                annotation_id=f"tosdr-{pid}",
                platform=str(service),
                case=str(row.get("case") or "").strip(),
                classification=cls,
                quote=str(row.get("quote_text") or "").strip(),
                note=str(row.get("analyst_note") or "").strip(),
                source_document=str(row.get("source_document") or ""),
                title=str(row.get("title") or ""),
            )
