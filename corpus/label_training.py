"""Training data for the clause-label model, rebuilt from data on disk by one command
(``policy-assistant train-data``). Each example is a text (a sentence, or a ToS;DR quote) with
the taxonomy categories it expresses (none: a negative), a weight and its platform.

- **OPP-115** (all 95 policies): every sentence of every segment. A sentence takes the
  categories (``OPP115_MAP`` below, by category and, for some, attribute value) of the expert
  spans that cover at least half of it or that it mostly contains; a sentence no span touches
  is a negative, since the experts annotated every segment for every practice. Sentences
  touched only by unmapped practices (user choice in general, audiences other than children)
  are left out: they are neither clearly in nor out of a category.
- **ToS;DR**: each point's quote with the categories of its case (``tosdr_case_map.json``);
  quotes of reviewed cases mapped to no category are negatives.
- **Hard negatives** (when a store is given): sentences of the current documents of
  platforms that ToS;DR reviewed, that no quote of that platform overlaps, at weight
  ``NEGATIVE_WEIGHT`` (an unquoted sentence is usually, not always, free of the categories).

Platforms are never split between the two folds (``corpus.qa_training.fold_of``).
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from corpus import opp115
from corpus.ids import platform_slug
from corpus.qa_training import CASE_MAP_FILE, fold_of, point_rows
from corpus.text import normalise, sentence_spans

NEGATIVE_WEIGHT = 0.3
HARD_NEGATIVES = 20000
MIN_CHARS = 20
_WORD = re.compile(r"[a-z0-9]+")

# OPP-115 category -> taxonomy slugs; (category, attribute, value) entries override it
OPP115_MAP: dict[str, tuple[str, ...]] = {
    "First Party Collection/Use": ("data-collection",),
    "Third Party Sharing/Collection": ("third-party-sharing",),
    "User Access, Edit and Deletion": ("access-deletion-rights",),
    "Data Retention": ("data-retention",),
    "Data Security": ("data-security",),
    "Policy Change": ("unilateral-change",),
    "Do Not Track": ("tracking-cookies",),
    "Other": (),
}
OPP115_VALUES: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("First Party Collection/Use", "Purpose", "Advertising"): ("targeted-advertising",),
    ("First Party Collection/Use", "Purpose", "Marketing"): ("marketing-communications",),
    ("Third Party Sharing/Collection", "Action Third Party",
     "Track on first party website/app"): ("tracking-cookies",),
    ("Third Party Sharing/Collection", "Action Third Party",
     "Collect on first party website/app"): ("tracking-cookies",),
    ("Third Party Sharing/Collection", "Purpose", "Advertising"): ("targeted-advertising",),
    ("Third Party Sharing/Collection", "Purpose", "Merger/Acquisition"): ("data-sale",),
    ("Third Party Sharing/Collection", "Purpose", "Legal requirement"):
        ("law-enforcement-disclosure",),
    ("User Choice/Control", "Purpose", "Marketing"): ("marketing-communications",),
    ("User Choice/Control", "Purpose", "Advertising"): ("targeted-advertising",),
    ("User Choice/Control", "Choice Type", "Browser/device privacy controls"):
        ("tracking-cookies",),
    ("International and Specific Audiences", "Audience Type", "Children"): ("age-limits",),
}


@dataclass
class Example:
    text: str
    labels: list[str]
    w: float
    group: str
    src: str
    fold: int


def _span_labels(span: opp115.Span) -> tuple[str, ...] | None:
    """Taxonomy slugs of one expert span; None: a practice the taxonomy does not map."""
    hit = OPP115_VALUES.get((span.category, span.attribute, span.value))
    if hit is not None:
        return hit
    if span.category in ("First Party Collection/Use", "Third Party Sharing/Collection") \
            and span.attribute == "Purpose":
        return ("data-use",) if span.category.startswith("First") else ("third-party-sharing",)
    return OPP115_MAP.get(span.category)


def opp115_examples(root: Path) -> Iterator[Example]:
    for segments in opp115.read_corpus(root):
        site = segments[0].policy if segments else ""
        for seg in segments:
            for s, e in sentence_spans(seg.text):
                if e - s < MIN_CHARS:
                    continue
                labels: set[str] = set()
                unmapped = False
                for sp in seg.spans:
                    overlap = min(e, sp.end) - max(s, sp.start)
                    if overlap <= 0:
                        continue
                    if overlap < 0.5 * (e - s) and overlap < 0.5 * (sp.end - sp.start):
                        continue
                    mapped = _span_labels(sp)
                    if mapped is None:
                        unmapped = True
                    else:
                        labels.update(mapped)
                if unmapped and not labels:
                    continue
                yield Example(seg.text[s:e], sorted(labels), 1.0, site, "opp115", fold_of(site))


def tosdr_examples(points_path: Path) -> Iterator[Example]:
    case_map = json.loads(CASE_MAP_FILE.read_text(encoding="utf-8"))["cases"]
    merged: dict[tuple[str, str], Example] = {}
    for p in point_rows(points_path):
        quote = str(p["quote_text"]).strip()
        case = str(p.get("case") or "")
        mapped = case_map.get(case, case_map.get(case.strip()))
        if len(quote) < MIN_CHARS or mapped is None:
            continue
        slug = platform_slug(str(p["service"]))
        key = (slug, normalise(quote))
        ex = merged.setdefault(key, Example(quote, [], 1.0, slug, "tosdr", fold_of(slug)))
        ex.labels = sorted(set(ex.labels) | set(mapped))
    yield from merged.values()


def _shingles(text: str, n: int = 6) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def ota_clause_texts(ota_root: Path) -> Iterator[tuple[str, str, str]]:
    """(clause key, platform_id, text) of the current documents of an OTA snapshot, segmented
    as ingest segments them (no store needed)."""
    from corpus.loaders.ota import load_ota
    from corpus.segment import segment

    for doc in load_ota(ota_root, lambda problem: None):
        if doc.kind != "current":
            continue
        slug = platform_slug(doc.platform)
        for i, seg in enumerate(segment(doc.text)):
            yield f"{slug}/{doc.doc_type}/{i}", slug, seg.text


def hard_negatives(clauses: Iterable[tuple[str, str, str]], points_path: Path,
                   rng: random.Random, linked: Iterable[str] = (),
                   limit: int = HARD_NEGATIVES) -> Iterator[Example]:
    """``clauses``: (key, platform_id, text), e.g. ``Store.current_clause_texts()`` or
    ``ota_clause_texts``; ``linked``: keys of clauses a ToS;DR point is linked to."""
    quoted: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for p in point_rows(points_path):
        quoted[platform_slug(str(p["service"]))] |= _shingles(str(p["quote_text"]))
    skip = set(linked)
    pool: list[tuple[str, str]] = []
    seen: set[str] = set()
    for rid, plat, text in clauses:
        if plat not in quoted or rid in skip:
            continue
        for s, e in sentence_spans(text):
            sent = text[s:e]
            key = normalise(sent)
            if e - s < MIN_CHARS or key in seen or _shingles(sent) & quoted[plat]:
                continue
            seen.add(key)
            pool.append((plat, sent))
    for plat, sent in rng.sample(pool, min(limit, len(pool))):
        yield Example(sent, [], NEGATIVE_WEIGHT, plat, "corpus-negative", fold_of(plat))


def build(shared: Path, out_dir: Path, store: Any = None, seed: int = 0) -> dict[str, Any]:
    """Write ``label_examples.jsonl`` and ``label_data.json`` into ``out_dir``."""
    rng = random.Random(seed)
    docs = shared / "policy-docs" if (shared / "policy-docs").is_dir() else shared
    points = docs / "tosdr" / "points.jsonl"
    examples = list(opp115_examples(docs / "opp115")) + list(tosdr_examples(points))
    if store is not None:
        linked = {rid for _, rid, _, _ in store.linked_points()}
        examples += list(hard_negatives(store.current_clause_texts(), points, rng, linked))
    else:
        examples += list(hard_negatives(ota_clause_texts(docs / "ota"), points, rng))
    rng.shuffle(examples)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "label_examples.jsonl").open("w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps(asdict(ex), ensure_ascii=False) + "\n")
    stats: dict[str, Any] = {"seed": seed, "sources": {}, "categories": defaultdict(int)}
    for ex in examples:
        s = stats["sources"].setdefault(ex.src, {"examples": 0, "negatives": 0,
                                                 "platforms": set()})
        s["examples"] += 1
        s["negatives"] += not ex.labels
        s["platforms"].add(ex.group)
        for lab in ex.labels:
            stats["categories"][lab] += 1
    for s in stats["sources"].values():
        s["platforms"] = len(s["platforms"])
    stats["categories"] = dict(sorted(stats["categories"].items()))
    (out_dir / "label_data.json").write_text(json.dumps(stats, indent=2) + "\n",
                                             encoding="utf-8")
    return stats
