"""Ingest: find the sources under the given paths, segment, and write them to the store."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from corpus.changes import compute_changes
from corpus.errors import Problem
from corpus.limits import DEFAULT_LIMITS, Limits
from corpus.link import link_annotations, links_due
from corpus.loaders import Report
from corpus.loaders.ota import is_ota_tree, load_ota
from corpus.loaders.pages import load_page
from corpus.loaders.tosdr import is_tosdr_file, load_tosdr
from corpus.models import Document, SeedRecord
from corpus.segment import segment
from corpus.store import Store

PAGE_SUFFIXES = {".txt", ".md", ".html", ".htm"}


@dataclass
class Source:
    kind: str  # ota | tosdr | page
    path: Path


@dataclass
class IngestSummary:
    documents: int = 0
    new_documents: int = 0
    updated_documents: int = 0
    unchanged_documents: int = 0
    history_versions: int = 0
    clauses_new: int = 0
    clauses_removed: int = 0
    clauses_seen: int = 0
    annotations: int = 0
    linked_annotations: int | None = None
    change_records: int = 0  # change records computed for newly consecutive version pairs
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.new_documents or self.updated_documents or self.clauses_new
                    or self.history_versions)


def discover(paths: list[Path], report: Report) -> list[Source]:
    out: list[Source] = []
    for path in paths:
        if not path.exists():
            report(Problem(str(path), "does not exist"))
        elif path.is_file():
            if is_tosdr_file(path):
                out.append(Source("tosdr", path))
            elif path.suffix.lower() in PAGE_SUFFIXES:
                out.append(Source("page", path))
            else:
                report(Problem(str(path), f"unsupported file type {path.suffix or '(none)'}"))
        elif is_ota_tree(path) and not (path / "ota").is_dir():
            out.append(Source("ota", path))
        else:
            found = _discover_dir(path)
            if not found:
                report(Problem(str(path), "holds no policy documents this tool can read"))
            out += found
    return out


def _discover_dir(path: Path) -> list[Source]:
    found: list[Source] = []
    if (path / "ota").is_dir() and is_ota_tree(path / "ota"):
        found.append(Source("ota", path / "ota"))
    for f in sorted(path.glob("tosdr/*.jsonl")) + sorted(path.glob("*.jsonl")):
        if is_tosdr_file(f):
            found.append(Source("tosdr", f))
    if not found:
        for f in sorted(path.iterdir()):
            if f.is_file() and f.suffix.lower() in PAGE_SUFFIXES and f.name != "README.md":
                found.append(Source("page", f))
    return found


def _collector(summary: IngestSummary, report: Report | None) -> Report:
    """Keeps every problem in the summary and passes it on to the caller's report."""
    def collect(p: Problem) -> None:
        summary.problems.append(p)
        if report:
            report(p)
    return collect


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def ingest(store: Store, paths: list[Path], report: Report | None = None,
           on_document: Callable[[Document | SeedRecord, str], None] | None = None,
           link_progress: Callable | None = None, limits: Limits = DEFAULT_LIMITS) -> IngestSummary:
    """Write every document under ``paths`` to ``store``; bad inputs, and files or documents
    over ``limits``, are reported and skipped."""
    start = time.perf_counter()
    summary = IngestSummary()
    _report = _collector(summary, report)

    sources = discover(paths, _report)
    tosdr_sources = [s for s in sources if s.kind == "tosdr"]
    for src in sources:
        if src.kind == "ota":
            for doc in load_ota(src.path, _report, limits.max_file_bytes):
                _add(store, doc, summary, _report, on_document, limits)
        elif src.kind == "page":
            item = load_page(src.path, _report, limits.max_file_bytes)
            if isinstance(item, SeedRecord):
                _add_seed(store, item, src.path, summary, _report, on_document)
            elif item is not None:  # its source is the file name: problems name the path
                _add(store, item, summary, _report, on_document, limits, str(src.path))
    for src in tosdr_sources:
        try:
            digest = hashlib.sha256(src.path.read_bytes()).hexdigest()
        except OSError as exc:
            _report(Problem(str(src.path), f"cannot be read ({exc.strerror or exc})"))
            continue
        if store.source_unchanged(str(src.path.resolve()), digest):
            continue
        summary.annotations += store.replace_annotations(load_tosdr(src.path, _report))
        store.mark_source(str(src.path.resolve()), digest)
    # links are due whenever the documents or the points differ from what they were computed
    # from, whether that happened in this run or in one that died before linking
    if store.counts()["annotations"] and links_due(store):
        summary.linked_annotations = link_annotations(store, link_progress or (lambda x: x))
    summary.change_records = compute_changes(store).records  # only pairs not yet diffed
    summary.seconds = time.perf_counter() - start
    return summary


def add_documents(store: Store, docs: Iterable[Document], report: Report | None = None,
                  on_document: Callable | None = None, limits: Limits = DEFAULT_LIMITS
                  ) -> IngestSummary:
    """Write in-memory documents (e.g. an eval suite's own corpus) like loaded ones."""
    start = time.perf_counter()
    summary = IngestSummary()
    _report = _collector(summary, report)

    for doc in docs:
        _add(store, doc, summary, _report, on_document, limits)
    summary.seconds = time.perf_counter() - start
    return summary


def _add(store: Store, doc: Document, summary: IngestSummary, report: Report,
         on_document: Callable | None, limits: Limits = DEFAULT_LIMITS, where: str = "") -> None:
    digest = sha256_text(doc.text)
    try:
        res = store.add_document(doc, None, digest)
    except ValueError:
        segs = segment(doc.text)
        if not segs:
            report(Problem(where or doc.source, "no clauses found in it"))
            return
        if too_many := limits.too_many_clauses(len(segs)):
            report(Problem(where or doc.source, too_many))
            return
        res = store.add_document(doc, segs, digest)
    summary.documents += 1
    summary.clauses_new += res.new
    summary.clauses_removed += res.removed
    summary.clauses_seen += res.clauses
    status = res.status
    if status == "new":
        summary.new_documents += 1
    elif status == "updated":
        summary.updated_documents += 1
    elif status == "unchanged":
        summary.unchanged_documents += 1
    elif status == "history" and res.clauses:
        summary.history_versions += 1
    if on_document:
        on_document(doc, status)


def _add_seed(store: Store, seed: SeedRecord, path: Path, summary: IngestSummary,
              report: Report, on_document: Callable | None) -> None:
    from corpus.errors import BadInput

    try:
        res = store.add_seed_record(seed, hashlib.sha256(path.read_bytes()).hexdigest())
    except BadInput as exc:
        report(Problem(str(path), str(exc)))
        return
    summary.documents += 1
    summary.clauses_new += res.new
    if res.status == "new":
        summary.new_documents += 1
    else:
        summary.unchanged_documents += 1
    if on_document:
        on_document(seed, res.status)

