"""Plain data types shared by the corpus pipeline and the runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One dated version of one policy document, as read from a source."""

    platform: str
    doc_type: str
    version_date: str  # ISO date (YYYY-MM-DD)
    source: str  # path or URL it was read from
    text: str
    collection: str = ""  # e.g. an OTA repository name; keeps separately tracked copies apart
    kind: str = "current"  # "current" or "history"
    url: str = ""  # public address of the original, when known
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Segment:
    """A clause cut out of a document's text, before it gets an ID."""

    text: str  # display text (markdown markup removed)
    section: str  # section path, "1. Using Coursera > Who May Use Our Services"
    start: int  # character offsets of the clause in the source text
    end: int


@dataclass(frozen=True)
class Annotation:
    """A human assessment of a clause (a ToS;DR point)."""

    annotation_id: str
    platform: str
    case: str
    classification: str  # good | neutral | bad | blocker
    quote: str
    note: str
    source_document: str
    title: str = ""


@dataclass(frozen=True)
class SeedRecord:
    """A clause record imported from a monitoring site; it keeps its original IDs."""

    record_id: str
    document_id: str
    platform: str
    doc_type: str
    section: str
    text: str
    source: str
    meta: dict[str, Any] = field(default_factory=dict)
