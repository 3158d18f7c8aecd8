"""Answers to "Which of Coursera's clauses touch GDPR?": the platform's current clauses that
engage a regulation the question names, from the reviewed map in corpus/regulations.json
(categories of the clause, attributes of its words, or the clause naming the regulation). Each
clause is cited by the sentence that shows why, and every citation passes the usual check. The
answer says what the clauses engage, never whether they comply.
"""

from __future__ import annotations

from assistant.changes_qa import quote_span
from assistant.citations import verify
from assistant.monitor import as_slugs
from assistant.types import Answer, Citation, Filters, Hit
from corpus import changes as ch
from corpus.ids import platform_slug
from corpus.regulations import Engagement, Regulation, engaged, load_map
from corpus.store import Store

LISTED = 10


def _why(e: Engagement) -> str:
    return ", ".join(e.triggers)


def regulation_answer(store: Store, names: dict[str, str], reg: Regulation, filters: Filters
                      ) -> Answer:
    """The platforms' current clauses that engage ``reg``, by the reviewed regulation map."""
    if not filters.platforms:
        return Answer(f"Which platform's clauses? Ask for example \"Which of Coursera's clauses "
                      f"touch {reg.name}?\"", [], [], route="regulation", abstained=True,
                      meta={"regulation": reg.id, "reason": "no platform"})
    categories = ch.stored_categories(store)
    found: list[tuple[int, str, Engagement]] = []
    total = 0
    for pid in filters.platforms:
        for row in sorted(store.current_clauses(pid), key=lambda r: (r.doc_type,
                                                                     r.record_id)):
            if filters.doc_types and row.doc_type not in filters.doc_types:
                continue
            total += 1
            for e in engaged(row.text, as_slugs(categories(row.record_id))):
                if e.regulation.id == reg.id:  # naming it, then a category, then wording
                    rank = (0 if "the clause names it" in e.triggers else
                            1 if any(t.startswith("category") for t in e.triggers) else 2)
                    found.append((rank, row.record_id, e))
    found.sort(key=lambda f: f[0])
    hits: list[Hit] = []
    citations: list[Citation] = []
    lines = []
    for n, (_, rid, e) in enumerate(found[:LISTED], 1):
        c = store.clause(rid)
        hit = Hit(c.record_id, c.platform, platform_slug(c.platform), c.doc_type,
                  c.document_id, c.section, c.text)
        needle = e.evidence[0] if e.evidence else (reg.name if "the clause names it" in
                                                   e.triggers else "")
        s, end = quote_span(c.text, needle)
        hits.append(hit)
        citations.append(Citation(c.record_id, c.platform, c.doc_type, c.section,
                                  c.text[s:end], s, end, {}, n))
        where = f" — {c.section.split(' > ')[-1]}" if c.section else ""
        lines.append(f"[{n}] {c.platform}, {c.doc_type}{where}: “{c.text[s:end]}” "
                     f"({c.record_id}) — {e.provisions or 'named in the clause'}; engaged by "
                     f"{_why(e)}")
    who = ", ".join(names.get(p, p) for p in filters.platforms)
    scope = f"{total} current clause{'' if total == 1 else 's'}" + (
        f" of its {', '.join(filters.doc_types)}" if filters.doc_types else "")
    head = (f"{who}: {len(found)} of {scope} engage {reg.name} ({reg.title}; "
            f"{reg.jurisdiction}). {load_map().notice}")
    if not found:
        head = (f"{who}: none of {scope} engages {reg.name} by the reviewed map (its "
                f"categories and wording). {load_map().notice}")
    more = (f"\n…and {len(found) - LISTED} more; `policy-assistant record ID` lists each "
            "clause's regulations." if len(found) > LISTED else "")
    answer = Answer("\n\n".join([head, "\n".join(lines)]).strip() + more, citations, hits,
                    route="regulation", abstained=not found,
                    focus=f"{who}; clauses engaging {reg.name}",
                    meta={"regulation": reg.id, "record_ids": [f[1] for f in found],
                          "clauses": total})
    return verify(answer, hits)
