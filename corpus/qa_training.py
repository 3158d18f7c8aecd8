"""Training data for the question-answering cross-encoder (reranker, reader, yes/no), rebuilt
from data on disk by one command (``policy-assistant train-data``).

Each example is a *group*: a question, one passage that answers it, the answer's character
span in that passage (when known), its yes/no polarity (when the question is a yes/no question
whose answer the passage settles) and passages of the same document that do not answer it.

- **PolicyQA-style, from OPP-115**: every consolidated span whose ``category|||attribute|||
  value`` is a PolicyQA dev type, asked with one of that type's dev question wordings; the
  passage is the annotated segment, negatives are segments of the same policy that carry no
  annotation of the same category (half lexically closest to the question, half at random).
  The 20 PolicyQA dev policies are never used.
- **ToS;DR**: each point's case asked with hand-written paraphrases and, where one exists, the
  case's yes/no question (``corpus/tosdr_questions.json``; wordings differ from the evaluation
  templates). The passage is the current clause the point is linked to when a store is given
  and the point links, else the quote; negatives are the platform's other clauses (linked) or
  quotes of other cases of the same service, never a passage of a case with the same
  taxonomy category.

Every group carries its platform (``group``) and a fold (0 or 1, a hash of the platform), so
models can be trained without the platforms they are scored on.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from corpus import opp115
from corpus.ids import platform_slug
from corpus.text import sentence_spans

NEGATIVES = 5
SHORT_QUOTE = 300  # characters: a quote this short is taken as the answer span itself
QUESTIONS_FILE = Path(__file__).with_name("tosdr_questions.json")
CASE_MAP_FILE = Path(__file__).with_name("tosdr_case_map.json")
YES, NO, NONE = 0, 1, 2
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("the a an of to and or in on for by with is are be it this that you your we "
                  "our us my me i do does can will what how which who when where why if".split())


def fold_of(platform: str) -> int:
    """0 or 1, fixed by the platform's slug: a platform is never in both halves."""
    return hashlib.sha256(platform_slug(platform).encode()).digest()[0] % 2


@dataclass
class Group:
    q: str
    pos: str
    negs: list[str]
    group: str  # platform slug (ToS;DR) or website (OPP-115)
    src: str  # "policyqa" | "tosdr"
    span: tuple[int, int] | None = None  # answer offsets in ``pos``
    pol: int | None = None  # YES / NO / NONE for ``pos``; negatives are NONE when set
    fold: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _pick_negatives(question: str, pool: list[str], rng: random.Random, n: int) -> list[str]:
    """Half the pool's passages that share most words with the question, half at random."""
    if len(pool) <= n:
        return list(pool)
    q = _terms(question)
    ranked = sorted(range(len(pool)), key=lambda i: (-len(q & _terms(pool[i])), i))
    hard = [pool[i] for i in ranked[: n // 2 + n % 2]]
    rest = [p for p in pool if p not in hard]
    return hard + rng.sample(rest, min(n - len(hard), len(rest)))


# ---- PolicyQA-style groups from OPP-115 --------------------------------------------------------

def policyqa_wordings(dev_path: Path) -> tuple[dict[str, list[str]], set[str]]:
    """Question wordings per PolicyQA type, and the dev policies (to hold out)."""
    data = json.loads(dev_path.read_text(encoding="utf-8"))["data"]
    by_type: dict[str, set[str]] = defaultdict(set)
    for article in data:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                by_type[qa["type"]].add(qa["question"].strip())
    return {t: sorted(v) for t, v in by_type.items()}, {a["title"] for a in data}


def segment_questions(seg: opp115.Segment, wordings: dict[str, list[str]],
                      rng: random.Random) -> Iterator[tuple[opp115.Span, str]]:
    """(span, question) for each annotation type of ``seg`` that PolicyQA asks about, one per
    type as PolicyQA asked, in a dev wording of the type. Lazy: a caller drawing from ``rng``
    between questions gets the same sequence as before this was shared."""
    done: set[str] = set()
    for span in seg.spans:
        if span.type not in wordings or span.type in done:
            continue
        done.add(span.type)
        yield span, rng.choice(wordings[span.type])


def policyqa_groups(opp_root: Path, dev_path: Path, rng: random.Random,
                    negatives: int = NEGATIVES) -> Iterator[Group]:
    wordings, dev = policyqa_wordings(dev_path)
    for segments in opp115.read_corpus(opp_root, exclude=dev):
        site = segments[0].policy if segments else ""
        for seg in segments:
            for span, q in segment_questions(seg, wordings, rng):
                pool = [s.text for s in segments
                        if span.category not in s.categories and len(s.text) > 40]
                yield Group(q, seg.text, _pick_negatives(q, pool, rng, negatives), site,
                            "policyqa", (span.start, span.end), None, fold_of(site),
                            {"type": span.type})


# ---- ToS;DR groups ---------------------------------------------------------------------------

@dataclass
class _Point:
    point_id: str
    platform: str
    case: str
    quote: str
    cats: frozenset[str]


def load_case_questions(path: Path = QUESTIONS_FILE) -> dict[str, dict[str, Any]]:
    return dict(json.loads(path.read_text(encoding="utf-8"))["cases"])


def _case_categories(case: str, case_map: dict[str, list[str]]) -> frozenset[str]:
    return frozenset(case_map.get(case) or case_map.get(case.strip()) or ())


def point_rows(points_path: Path) -> Iterator[dict[str, Any]]:
    """The ToS;DR points with a service and a quote (malformed lines are skipped: the
    loader that ingests them reports those)."""
    with points_path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                p = json.loads(line)
            except ValueError:
                continue
            if isinstance(p, dict) and p.get("service") and str(p.get("quote_text") or
                                                                 "").strip():
                yield p


def _read_points(points_path: Path, case_map: dict[str, list[str]]) -> list[_Point]:
    out = []
    for p in point_rows(points_path):
        quote = str(p["quote_text"]).strip()
        if p.get("case"):
            out.append(_Point(str(p["point_id"]), str(p["service"]), str(p["case"]), quote,
                              _case_categories(str(p["case"]), case_map)))
    return out


def _quote_span(clause: str, quote: str) -> tuple[int, int] | None:
    """Where the quote sits in its linked clause, widened to whole sentences."""
    from rapidfuzz import fuzz

    al = fuzz.partial_ratio_alignment(quote, clause, score_cutoff=80)
    if al is None:
        return None
    s, e = al.dest_start, al.dest_end
    for a, b in sentence_spans(clause):
        if a <= s < b:
            s = a
        if a < e <= b:
            e = b
    return (s, e) if e > s else None


def tosdr_groups(points_path: Path, rng: random.Random, store: Any = None,
                 questions: dict[str, dict[str, Any]] | None = None,
                 negatives: int = NEGATIVES) -> Iterator[Group]:
    """``store`` (a corpus.store.Store) supplies linked current clauses and their platforms'
    other clauses as negatives; without it every passage is a ToS;DR quote."""
    case_map = json.loads(CASE_MAP_FILE.read_text(encoding="utf-8"))["cases"]
    questions = questions if questions is not None else load_case_questions()
    points = _read_points(points_path, case_map)
    by_service: dict[str, list[_Point]] = defaultdict(list)
    for p in points:
        by_service[platform_slug(p.platform)].append(p)
    linked, clauses_of = _links(store) if store is not None else ({}, {})
    blocked: dict[str, set[str]] = defaultdict(set)  # platform -> record IDs linked to cases
    for rec in linked.values():
        blocked[rec[2]].add(rec[0])
    for p in points:
        qs = questions.get(p.case)
        if not qs:
            continue
        slug = platform_slug(p.platform)
        asked: list[tuple[str, int | None]] = [(q, None) for q in qs.get("questions", [])[:3]]
        if qs.get("yesno"):
            yn = qs["yesno"]
            asked.append((yn["question"], YES if yn["answer"] == "yes" else NO))
        link = linked.get(p.point_id)
        if link is not None:
            record_id, text, _ = link
            pos, span = text, _quote_span(text, p.quote)
            pool = [t for rid, t in clauses_of[slug]
                    if rid != record_id and rid not in blocked[slug] and len(t) > 40]
        else:
            pool = [o.quote for o in by_service[slug]
                    if o.case != p.case and not (o.cats & p.cats) and len(o.quote) > 40]
            pos, span = _in_context(p.quote, pool, rng)
        for q, pol in asked:
            text = q.replace("{platform}", p.platform)
            yield Group(text, pos, _pick_negatives(text, pool, rng, negatives), slug, "tosdr",
                        span, pol, fold_of(slug), {"case": p.case, "point": p.point_id,
                                                   "linked": link is not None})


def _in_context(quote: str, pool: list[str], rng: random.Random
                ) -> tuple[str, tuple[int, int] | None]:
    """A short quote is its own answer span; half the time it is set between two other short
    quotes of the service, so the reader learns to pick the answering sentences out of a
    passage rather than take all of it."""
    if len(quote) > SHORT_QUOTE:
        return quote, None
    others = [q for q in pool if len(q) <= SHORT_QUOTE]
    if len(others) < 2 or rng.random() < 0.5:
        return quote, (0, len(quote))
    before, after = rng.sample(others, 2)
    start = len(before) + 1
    return f"{before} {quote} {after}", (start, start + len(quote))


def _links(store: Any) -> tuple[dict[str, tuple[str, str, str]], dict[str, list[tuple[str, str]]]]:
    """point ID -> (record ID, clause text, platform) for linked points; platform -> its
    current clauses."""
    linked = {pid: (rid, text, plat) for pid, rid, text, plat in store.linked_points()}
    clauses: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rid, plat, text in store.current_clause_texts():
        clauses[plat].append((rid, text))
    return linked, clauses


# ---- the command -----------------------------------------------------------------------------

def build(shared: Path, out_dir: Path, store: Any = None, seed: int = 0,
          limit: int | None = None) -> dict[str, Any]:
    """Write ``qa_groups.jsonl`` and ``qa_data.json`` (what the set holds) into ``out_dir``."""
    rng = random.Random(seed)
    docs = shared / "policy-docs" if (shared / "policy-docs").is_dir() else shared
    groups: list[Group] = []
    groups += list(policyqa_groups(docs / "opp115", docs / "policyqa" / "dev.json", rng))
    groups += list(tosdr_groups(docs / "tosdr" / "points.jsonl", rng, store))
    rng.shuffle(groups)
    if limit:
        groups = groups[:limit]
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "qa_groups.jsonl").open("w", encoding="utf-8") as fh:
        for g in groups:
            fh.write(json.dumps(asdict(g), ensure_ascii=False) + "\n")
    stats = describe(groups, seed)
    (out_dir / "qa_data.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return stats


def describe(groups: list[Group], seed: int) -> dict[str, Any]:
    by: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for g in groups:
        s = by[g.src]
        s["groups"] += 1
        s["negatives"] += len(g.negs)
        s["with_span"] += g.span is not None
        s[f"fold{g.fold}"] += 1
        if g.pol is not None:
            s[["yes", "no", "none"][g.pol]] += 1
        if g.meta.get("linked"):
            s["linked_clause"] += 1
    return {"seed": seed, "negatives_per_group": NEGATIVES,
            "sources": {k: dict(v) for k, v in by.items()},
            "platforms": {src: len({g.group for g in groups if g.src == src})
                          for src in by}}
