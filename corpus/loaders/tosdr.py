"""ToS;DR points: human assessments of clauses, kept as annotations with their own IDs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from corpus.loaders import Report, read_jsonl
from corpus.models import Annotation

CLASSIFICATIONS = ("good", "neutral", "bad", "blocker")


def is_tosdr_file(path: Path) -> bool:
    if path.suffix != ".jsonl" or not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as fh:
        head = fh.readline()
    return '"point_id"' in head


def _check_point(row: dict) -> None:
    if not row.get("point_id") or not row.get("service"):
        raise ValueError("missing point_id or service")
    cls = str(row.get("classification") or "")
    if cls not in CLASSIFICATIONS:
        raise ValueError(f"unknown classification {cls!r}")


def load_tosdr(path: Path, report: Report) -> Iterator[Annotation]:
    for row in read_jsonl(path, report, "point", _check_point):
        yield Annotation(
            annotation_id=f"tosdr-{row['point_id']}",
            platform=str(row["service"]),
            case=str(row.get("case") or "").strip(),
            classification=str(row["classification"]),
            quote=str(row.get("quote_text") or "").strip(),
            note=str(row.get("analyst_note") or "").strip(),
            source_document=str(row.get("source_document") or ""),
            title=str(row.get("title") or ""),
        )
