"""How likely a document type is to hold the clause that answers a user's question, against
its share of the corpus: a measured prior that keeps a service's main documents from being
outranked by guidelines and side documents when a clause of each is equally relevant.

Measured on the ToS;DR points: each point
names the document its quote comes from (``source_document``, written by contributors and
mapped onto the OTA document types below), against the share of the corpus's current clauses
of each type. ``weight = (points share + a) / (clause share + a)`` with a small smoothing
``a``, kept in ``doc_type_prior.json`` and applied by ``assistant.rerank`` as
``log(weight)`` added to the cross-encoder's logit (a prior odds ratio on its log-odds).
The measurement counts every point, the 447 behind the ToS;DR evaluation suite included;
left out, the weights move by at most 3.3% (Terms of Service 1.510 -> 1.475, Community
Guidelines 0.208 -> 0.213), so that suite is not fully held out from this prior.

    python -m corpus.doc_prior --points ../shared/policy-docs/tosdr/points.jsonl \
        --store DATA/store.sqlite
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections import Counter
from pathlib import Path

PRIOR_FILE = Path(__file__).with_name("doc_type_prior.json")
SMOOTHING = 0.01
_KINDS = [
    (re.compile(r"cookie|tracker", re.I), "Trackers Policy"),
    (re.compile(r"privacy|data (?:policy|protection)|personal (?:data|information)", re.I),
     "Privacy Policy"),
    (re.compile(r"community|guideline|rules", re.I), "Community Guidelines"),
    (re.compile(r"copyright|dmca|intellectual", re.I), "Copyright Claims Policy"),
    (re.compile(r"acceptable use", re.I), "Acceptable Use Policy"),
    (re.compile(r"developer|api", re.I), "Developer Terms"),
    (re.compile(r"term|agreement|condition|legal|eula|licen[cs]e|conditions", re.I),
     "Terms of Service"),
]


def kind_of(source_document: str) -> str | None:
    for pattern, kind in _KINDS:
        if pattern.search(source_document):
            return kind
    return None


def measure(points: Path, clause_counts: dict[str, int]) -> dict[str, float]:
    from corpus.qa_training import point_rows

    named = Counter(kind for p in point_rows(points)
                    if (kind := kind_of(str(p.get("source_document") or ""))))
    total_points = sum(named.values())
    total_clauses = sum(clause_counts.values())
    return {d: round((named[d] / total_points + SMOOTHING)
                     / (n / total_clauses + SMOOTHING), 4)
            for d, n in sorted(clause_counts.items())}


def load() -> dict[str, float]:
    return dict(json.loads(PRIOR_FILE.read_text(encoding="utf-8"))["weights"])


def log_weight(weights: dict[str, float], doc_type: str) -> float:
    """The adjustment for a document type; 0 for a type the prior does not know."""
    w = weights.get(doc_type)
    return math.log(w) if w else 0.0


def main(argv: list[str] | None = None) -> int:
    from corpus.store import Store

    p = argparse.ArgumentParser(prog="python -m corpus.doc_prior", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--points", type=Path, required=True)
    p.add_argument("--store", type=Path, required=True)
    a = p.parse_args(argv)
    weights = measure(a.points, Store(a.store).current_doc_type_counts())
    PRIOR_FILE.write_text(json.dumps({
        "about": "P(ToS;DR point quotes this document type) / P(current clause is of this "
                 "type), smoothed; see corpus/doc_prior.py", "smoothing": SMOOTHING,
        "weights": weights}, indent=1) + "\n", encoding="utf-8")
    for d, w in sorted(weights.items(), key=lambda x: -x[1]):
        print(f"{w:8.3f}  {d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
