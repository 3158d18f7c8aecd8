"""Answers to "how common is X" questions from the labels: the live count of platforms with a
clause of the category, plus cited examples retrieved only among clauses of that category.

"Which platforms can train AI on my content?" and "Is it normal to waive class actions?" are
about a category across platforms, not about one platform's wording, so the answer leads with
prevalence ("found in 41 of 168 platforms (24%) ...") and quotes the closest labelled clauses,
one per platform, most severe first. Every quote is checked like any other citation.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.citations import verify
from assistant.labels import allowed_records, prevalence_text
from assistant.types import Answer, Citation, Filters, Hit
from corpus import labels as store_labels
from corpus.taxonomy import load_taxonomy
from corpus.text import sentence_spans

# question phrasings per category (checked in order; the first match wins)
QUESTION_HINTS: list[tuple[str, re.Pattern[str]]] = [
    (slug, re.compile(pattern, re.I)) for slug, pattern in [
        ("ai-training", r"\b(train\w*|machine learning)\b.*\b(AI|models?|artificial)\b|"
                        r"\b(AI|artificial intelligence|models?)\b.*\btrain\w*"),
        ("arbitration", r"arbitrat\w*|class[- ]action"),
        ("data-sale", r"\bsell\w*\b.*\b(data|information)\b|\bsale of\b"),
        ("scraping-automated-access", r"\bscrap\w*|crawl\w*|\bbots?\b|spider"),
        ("indemnification", r"indemnif\w*|hold harmless"),
        ("unilateral-change", r"\bchang\w* (the|their|its) terms|terms .*chang\w*"),
        ("account-termination", r"\b(terminat\w*|suspend\w*|ban\w*|close) .*account|account "
                                r"\w* ?(terminat\w*|suspend\w*|ban\w*)"),
        ("user-content-licence", r"licen[cs]e .*(content|posts|photos)|own\w* .*content"),
        ("limitation-of-liability", r"liab\w*"),
        ("targeted-advertising", r"target\w* ad|personali[sz]ed ad|advertis\w*"),
        ("tracking-cookies", r"cookie|track\w*"),
        ("data-retention", r"\b(keep|retain|retention|store)\b.*\b(data|information)\b"),
        ("law-enforcement-disclosure", r"police|law enforcement|government"),
        ("age-limits", r"\bage\b|\bchildren\b|\bminors?\b|years old"),
        ("governing-law", r"governing law|which law"),
    ]
]
_ACROSS = re.compile(r"\b(which|what|how many) (platforms|services|companies|sites|apps)\b|"
                     r"\b(normal|common|usual|typical|standard|widespread)\b", re.I)
EXAMPLES = 5


def question_category(question: str) -> str | None:
    """The category a cross-platform question is about, or None if it is not one."""
    if not _ACROSS.search(question):
        return None
    for slug, pattern in QUESTION_HINTS:
        if pattern.search(question):
            return slug
    return None


_ORDER = {"High": 0, "Medium": 1, "Low": 2, "Favourable": 3}


def category_answer(assistant: Any, question: str, slug: str,
                    filters: Filters | None = None) -> Answer:
    """Prevalence of ``slug`` plus cited examples (one per platform) from retrieval restricted
    to clauses labelled ``slug``."""
    store = assistant.store
    names = {c.slug: c.name for c in load_taxonomy()}
    f = filters or Filters()
    allowed = allowed_records(store, [slug], platform_ids=f.platforms)
    sev = store_labels.severities(store, slug)
    hits: list[Hit] = assistant.retrieve(question, Filters(f.platforms, f.doc_types, f.as_of,
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
            "(classifier trained on ToS;DR assessments); a platform counts once it has one "
            "labelled clause in a current document of that type.")
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


_SEVERITY_WORDS = re.compile(r"\b(high|medium|low)[- ]severity\b|\b(favourable|favorable)\b",
                             re.I)


def severity_filter(question: str) -> list[str]:
    """Severities a question asks for ("high-severity clauses in Discord's terms")."""
    out = []
    for m in _SEVERITY_WORDS.finditer(question):
        level = (m.group(1) or "favourable").lower()
        out.append("Favourable" if level.startswith("favo") else level.capitalize())
    return sorted(set(out))


def label_route(assistant: Any, question: str, filters: Filters) -> Answer | Filters | None:
    """What the labels add to a question: a prevalence answer, narrower filters, or nothing."""
    from corpus.labels import has_labels

    if not has_labels(assistant.store):
        return None
    severities = severity_filter(question)
    if severities:
        slug = next((s for s, p in QUESTION_HINTS if p.search(question)), None)
        allowed = allowed_records(assistant.store, [slug] if slug else [], severities,
                                  filters.platforms)
        return severity_answer(assistant, question, Filters(
            filters.platforms, filters.doc_types, filters.as_of, allowed), severities, slug)
    slug = question_category(question)
    if slug and not filters.platforms:
        return category_answer(assistant, question, slug, filters)
    return None


LISTED = 10


def severity_answer(assistant: Any, question: str, filters: Filters, severities: list[str],
                    slug: str | None) -> Answer:
    """List the clauses with the asked severities (and category), closest to the question
    first, each cited by its first sentence."""
    allowed = filters.records or frozenset()
    hits: list[Hit] = assistant.retrieve(question, filters, k=LISTED) if allowed else []
    labels: dict[str, list[str]] = {}
    for r in store_labels.all_labels(assistant.store):
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
    where = filters.describe(assistant.platform_names()).split(";")[0]
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
