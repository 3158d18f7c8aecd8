"""Answers to "how common is X" questions from the labels: the live count of platforms with a
clause of the category, plus cited examples retrieved only among clauses of that category.

"Which platforms can train AI on my content?" and "Is it normal to waive class actions?" are
about a category across platforms, not about one platform's wording, so the answer leads with
prevalence ("found in 41 of 168 platforms (24%) ...") and quotes the closest labelled clauses,
one per platform, most severe first. Every quote is checked like any other citation.
"""

from __future__ import annotations

import re

from assistant.citations import verify
from assistant.labels import allowed_records, prevalence_text
from assistant.types import Answer, Citation, Filters, Hit, Search
from corpus import labels as store_labels
from corpus.store import Store
from corpus.taxonomy import load_taxonomy
from corpus.text import sentence_spans

EXAMPLES = 5
_ORDER = {"High": 0, "Medium": 1, "Low": 2, "Favourable": 3}


def category_answer(store: Store, search: Search, question: str, slug: str,
                    filters: Filters | None = None) -> Answer:
    """Prevalence of ``slug`` plus cited examples (one per platform) from retrieval restricted
    to clauses labelled ``slug``."""
    names = {c.slug: c.name for c in load_taxonomy()}
    f = filters or Filters()
    allowed = allowed_records(store, [slug], platform_ids=f.platforms)
    sev = store_labels.severities(store, slug)
    hits: list[Hit] = search(question, Filters(f.platforms, f.doc_types, f.as_of,
                                                           allowed), k=30) if allowed else []
    seen: set[str] = set()
    chosen: list[Hit] = []
    for h in hits:
        if h.platform_id not in seen:
            seen.add(h.platform_id)
            chosen.append(h)
    chosen = sorted(chosen[:EXAMPLES * 2], key=lambda h: _ORDER.get(sev.get(h.record_id, ""),
                                                                     9))[:EXAMPLES]
    citations = []
    for n, h in enumerate(chosen, 1):
        s, e = _best_sentence(h.text, question)
        citations.append(Citation(h.record_id, h.platform, h.doc_type, h.section, h.text[s:e],
                                  s, e, h.scores(), n))
    lead = (f"{names[slug]}: {prevalence_text(store, slug)}. Counted from the clause labels "
            "(classifier trained on ToS;DR assessments and hand-labelled sentences); a platform "
            "counts once it has one labelled clause in a current document of that type.")
    if citations:
        lead += " Examples:"
        body = "\n".join(f"[{c.n}] {c.platform} ({c.document}; {sev.get(c.record_id, '?')}): "
                         f"\"{c.quote}\" ({c.record_id})" for c in citations)
    else:
        body = "No labelled clause of this category matches the question."
    answer = Answer(text=f"{lead}\n\n{body}", citations=citations, evidence=hits,
                    route="prevalence", abstained=not citations,
                    meta={"category": slug})
    return verify(answer, hits)


def _best_sentence(text: str, question: str) -> tuple[int, int]:
    words = {w for w in re.findall(r"[a-z]{4,}", question.lower())}
    spans = sentence_spans(text) or [(0, len(text))]
    return max(spans, key=lambda se: (len(words & set(re.findall(r"[a-z]{4,}",
                                                                 text[se[0]:se[1]].lower()))),
                                      -se[0]))






LISTED = 10


def severity_answer(store: Store, names: dict[str, str], search: Search, question: str,
                    filters: Filters, severities: list[str], slug: str | None) -> Answer:
    """List the clauses with the asked severities (and category), closest to the question
    first, each cited by its first sentence."""
    allowed = allowed_records(store, [slug] if slug else [], severities, filters.platforms)
    filters = Filters(filters.platforms, filters.doc_types, filters.as_of, allowed)
    hits: list[Hit] = search(question, filters, k=LISTED) if allowed else []
    labels: dict[str, list[str]] = {}
    for r in store_labels.all_labels(store):
        if r.record_id in allowed and r.severity in severities:
            labels.setdefault(r.record_id, []).append(r.slug)
    citations = []
    for n, h in enumerate(hits, 1):
        s, e = (sentence_spans(h.text) or [(0, len(h.text))])[0]
        citations.append(Citation(h.record_id, h.platform, h.doc_type, h.section,
                                  h.text[s:e], s, e, h.scores(), n))
    what = " / ".join(severities) + "-severity clauses"
    if slug:
        what += f" about {slug}"
    where = filters.describe(names).split(";")[0]
    lead = (f"{len(allowed)} {what} in the current documents of {where}; the "
            f"{len(citations)} closest to the question:"
            if citations else f"No {what} in {where}.")
    body = "\n".join(f"[{c.n}] {c.platform} ({c.document}; "
                     f"{', '.join(labels.get(c.record_id, []))}): \"{c.quote}\" ({c.record_id})"
                     for c in citations)
    answer = Answer(text=f"{lead}\n\n{body}".strip(), citations=citations, evidence=hits,
                    route="severity", abstained=not citations,
                    meta={"severities": severities, "category": slug})
    return verify(answer, hits)
