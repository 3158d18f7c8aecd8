"""Side-by-side comparison: the same topic retrieved separately for each platform (balanced,
not one global top-k), the best clause per platform, a table, and the differences the quotes
support, each cited. A platform whose documents do not address the topic gets an explicit row.

When the topic is a yes/no question and the trained model is on, each row's clause is read
by it and the summary says which platforms' clauses answer yes and which no, only where the
model is sure (``assistant.lead``); it never infers "the platforms differ" from how the
quotes are worded, a rule that was wrong in 4 of 8 comparisons a user study tried."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.answer import DefaultAnswerer
from assistant.lead import age_lead, is_yes_no, polarity_lead
from assistant.types import Answer, Citation, CompareRow, Filters, Hit, Search
from corpus.store import Store

if TYPE_CHECKING:
    from assistant.qa_model import QAModel

PER_PLATFORM_K = 5


def compare(store: Store, search: Search, answerer: DefaultAnswerer, names: dict[str, str],
            qa: Callable[[], QAModel | None], topic: str, platform_ids: list[str],
            doc_types: tuple[str, ...] = (), as_of: str = "") -> Answer:
    """``qa`` gives the trained model (loaded on first use) or None when it is off."""
    rows: list[CompareRow] = []
    citations: list[Citation] = []
    evidence: list[Hit] = []
    for pid in platform_ids:
        f = Filters((pid,), doc_types, as_of)
        hits = search(topic, f, k=PER_PLATFORM_K)
        evidence += hits
        docs = sorted({d.doc_type for d in store.documents(pid)
                       if not doc_types or d.doc_type in doc_types})
        searched = ", ".join(docs) or "no documents"
        best = _best(answerer, topic, hits, names[pid])
        if best is None:
            rows.append(CompareRow(names[pid], pid, "", "", "", False, searched))
            continue
        hit, s, e = best
        n = len(citations) + 1
        answer = ""
        model = qa() if is_yes_no(topic) else None
        if model is not None:
            answer = (age_lead(topic, hit.text[s:e])
                      or polarity_lead(model.read(topic, [hit.text])[0]) or "")
        citations.append(Citation(hit.record_id, hit.platform, hit.doc_type, hit.section,
                                  hit.text[s:e], s, e, hit.scores(), n))
        rows.append(CompareRow(hit.platform, pid, hit.doc_type, hit.text[s:e], hit.record_id, True,
                        searched, n, answer))
    text = render_table(rows) + "\n\n" + differences(rows)
    return Answer(text=text, citations=citations, evidence=evidence, route="compare",
                  meta={"topic": topic}, platforms=tuple(platform_ids), table=rows)


def _best(answerer: DefaultAnswerer, topic: str, hits: list[Hit], platform_name: str
          ) -> tuple[Hit, int, int] | None:
    """The platform's best clause and key sentence, or None when the evidence is weak."""
    drop = frozenset(w.lower() for w in platform_name.split())
    best: tuple[float, Hit, int, int] | None = None
    for rank, hit in enumerate(hits):
        sents = answerer.best_sentences(topic, hit, drop)
        if sents:
            cov, s, e = sents[0]
            score = cov - 0.03 * rank
            if best is None or score > best[0]:
                best = (score, hit, s, e)
    if best is None:
        return None
    t = answerer.thresholds
    top_dense = max((h.dense for h in hits if h.dense is not None), default=0.0)
    if top_dense < t.dense and best[0] + 0.03 * hits.index(best[1]) < t.coverage:
        return None
    return best[1], best[2], best[3]


def _cell(text: str, limit: int = 220) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_table(rows: list[CompareRow]) -> str:
    out = ["| Platform | Document | What the clause says | Record ID |",
           "|---|---|---|---|"]
    for r in rows:
        if r.addressed:
            out.append(f"| {_cell(r.platform)} | {_cell(r.document)} | “{_cell(r.quote)}” [{r.n}]"
                       f" | {r.record_id} |")
        else:
            out.append(f"| {_cell(r.platform)} | — | not addressed in {_cell(r.searched)} | — |")
    return "\n".join(out)


def differences(rows: list[CompareRow]) -> str:
    """What can be said across the rows: which platforms' clauses answer a yes/no topic yes
    and which no (only where the model is sure), which address the topic, which do not."""
    said = [r for r in rows if r.addressed]
    yes = [r for r in said if r.answer == "yes"]
    no = [r for r in said if r.answer == "no"]
    unsure = [r for r in said if not r.answer]
    silent = [r for r in rows if not r.addressed]
    parts = []
    if yes and no:
        parts.append("The platforms differ: the clauses of " + _list(yes) + " answer yes, "
                     "those of " + _list(no) + " answer no.")
    elif yes or no:
        group = yes or no
        parts.append(f"The clauses of {_list(group)} answer {'yes' if yes else 'no'}.")
    if unsure and (yes or no):
        parts.append("The clauses of " + _list(unsure) + " do not settle it plainly.")
    elif said and not (yes or no):
        parts.append("Addressed in the documents of " + _list(said) + ".")
    if silent:
        parts.append("Not addressed in the documents of "
                     + ", ".join(r.platform for r in silent) + ".")
    return " ".join(parts) if parts else "No platform's documents address this."


def _list(rows: list[CompareRow]) -> str:
    return ", ".join(f"{r.platform} ({r.document}) [{r.n}]" for r in rows)
