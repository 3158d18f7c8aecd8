"""OPP-115 reader: privacy policies split into segments, with the consolidated expert
annotations (category, attribute, value, exact span) placed in the cleaned segment text.

Segments are cleaned the way PolicyQA cleaned its contexts (``<br>`` dropped, entities
unescaped, whitespace collapsed), so a span found here is a span of the text a PolicyQA
question is asked about. The 20 PolicyQA *dev* policies are among the 95 files; callers hold
them out of training with ``exclude``.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

CONSOLIDATION = "consolidation/threshold-0.5-overlap-similarity"
_TAG = re.compile(r"<[^>]+>")
_WS = re.compile(r"\s+")


def clean_segment(raw: str) -> str:
    return _WS.sub(" ", html.unescape(_TAG.sub(" ", raw))).strip()


@dataclass(frozen=True)
class Span:
    category: str
    attribute: str
    value: str
    start: int  # offsets in the cleaned segment text
    end: int

    @property
    def type(self) -> str:
        """PolicyQA's ``type`` field: ``category|||attribute|||value``."""
        return f"{self.category}|||{self.attribute}|||{self.value}"


@dataclass
class Segment:
    policy: str  # website, e.g. "ticketmaster.com"
    index: int
    text: str
    categories: set[str] = field(default_factory=set)
    spans: list[Span] = field(default_factory=list)


def site_of(path: Path) -> str:
    """``1017_sci-news.com.csv`` -> ``sci-news.com``."""
    return path.stem.split("_", 1)[1] if "_" in path.stem else path.stem


def _place(segment_raw: str, clean: str, start: int, end: int, selected: str
           ) -> tuple[int, int] | None:
    """The annotated span in cleaned text: the occurrence of the cleaned selection nearest to
    where the raw offsets put it."""
    want = clean_segment(selected)
    if len(want) < 2:
        return None
    guess = len(clean_segment(segment_raw[:start])) if start >= 0 else 0
    best, pos = None, clean.find(want)
    while pos != -1:
        if best is None or abs(pos - guess) < abs(best - guess):
            best = pos
        pos = clean.find(want, pos + 1)
    return None if best is None else (best, best + len(want))


def read_policy(root: Path, site: str) -> list[Segment]:
    """One policy's segments with their consolidated annotations."""
    html_path = next((root / "sanitized_policies").glob(f"*_{site}.html"), None)
    csv_path = next((root / CONSOLIDATION).glob(f"*_{site}.csv"), None)
    if html_path is None or csv_path is None:
        raise FileNotFoundError(f"OPP-115 has no policy {site!r} under {root}")
    raw_segments = html_path.read_text(encoding="utf-8").split("|||")
    segments = [Segment(site, i, clean_segment(raw)) for i, raw in enumerate(raw_segments)]
    seen: set[tuple[int, str, int, int]] = set()
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 7 or not row[4].isdigit():
                continue
            idx, category = int(row[4]), row[5]
            if idx >= len(segments):
                continue
            seg = segments[idx]
            seg.categories.add(category)
            try:
                attrs = json.loads(row[6])
            except json.JSONDecodeError:
                continue
            for attr, v in attrs.items():
                if not isinstance(v, dict) or int(v.get("startIndexInSegment", -1)) < 0:
                    continue
                placed = _place(raw_segments[idx], seg.text, int(v["startIndexInSegment"]),
                                int(v["endIndexInSegment"]), str(v.get("selectedText", "")))
                if placed is None:
                    continue
                key = (idx, f"{category}|{attr}|{v.get('value')}", *placed)
                if key in seen:
                    continue
                seen.add(key)
                seg.spans.append(Span(category, attr, str(v.get("value", "")), *placed))
    return segments


def sites(root: Path) -> list[str]:
    return sorted(site_of(p) for p in (root / CONSOLIDATION).glob("*.csv"))


def read_corpus(root: Path, exclude: Iterable[str] = ()) -> Iterator[list[Segment]]:
    """Every policy but those in ``exclude`` (website names), one list of segments each."""
    skip = set(exclude)
    for site in sites(root):
        if site not in skip:
            yield read_policy(root, site)
