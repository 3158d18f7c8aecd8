"""The default answerer: no generative model. It picks the sentences of the retrieved clauses
that answer the question, quotes them exactly, groups them by platform and document, and leads
with a one-line direct answer when the evidence is strong; when it is weak it says the documents
do not appear to address the question and what was searched."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from assistant.lead import age_as_words, age_lead, is_yes_no, polarity_lead
from assistant.lexical import stem
from assistant.qa_model import Reading
from assistant.types import Answer, Citation, Hit
from corpus.text import normalise, sentence_spans

_STOP = frozenset(
    "a an the of to and or in on for by with is are be been being it its this that these "
    "those my me i you your we our us they them their can could do does did will would may "
    "might shall should must has have had what which who whom how when where why if about any "
    "all some there here than then so such not no yes into from at as up out over under more "
    "most other also just only very own same please tell say says said know use using used "
    "get allow allows allowed let lets letting permit permits permitted able service services "
    "platform platforms policy policies terms "
    .split()
)
NEGATION = re.compile(r"\b(not|never|cannot|can't|won't|don't|doesn't|no longer|neither|nor|"
                  r"prohibit\w*|forbid\w*)\b|n't\b", re.I)
_WORD = re.compile(r"[a-z0-9]+")

MAX_CITATIONS = 3
CANDIDATE_HITS = 6
SPAN_MIN = 0.0  # the reader's span must score above the null answer to be quoted
LEAD_WORDS = 60  # a lead quotes at most this many words


_SYNONYMS = {"ai": "artifici", "scraper": "scrape", "scrapers": "scrape", "bot": "robot",
             "bots": "robot", "delete": "termin", "close": "termin", "ban": "suspend",
             "kid": "child", "kids": "child", "children": "child", "info": "inform"}


def _stem(w: str) -> str:
    return _SYNONYMS.get(w) or stem(w)


def terms(text: str, drop: frozenset[str] = frozenset()) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and w not in drop]


@dataclass
class Thresholds:
    """Evidence below both numbers counts as weak. Calibrated with ``python -m evals.calibrate``
    (hybrid retrieval, all-MiniLM-L6-v2 int8) on the answerable questions of the hand-written,
    ToS;DR and PolicyQA suites against the hand-written unanswerable ones: balanced accuracy
    0.861 (abstains on 16 of 19 unanswerable, answers 88% of 4,278 answerable) against 0.805
    for the earlier 0.45 / 0.6 (same abstentions, 77% answered). Re-checked when the embedder
    moved to OpenVINO int8: 0.866 here against 0.870 for the best pair (0.38 / 0.52), so the
    numbers stayed. Recalibrate when the embedder or the retrieval changes: the cosine scale
    moves with them (see evals/README.md)."""

    dense: float = 0.39  # cosine of the best clause to the question
    coverage: float = 0.52  # share of the question's idf-weighted terms in the best sentence


class DefaultAnswerer:
    def __init__(self, idf: dict[str, float] | None = None, thresholds: Thresholds | None = None):
        self.idf = idf or {}
        self.thresholds = thresholds or Thresholds()

    def _w(self, term: str) -> float:
        return self.idf.get(term, 4.0)

    def sentence_score(self, q_terms: list[str], sentence: str) -> float:
        """Share of the question's idf-weighted terms present in the sentence."""
        if not q_terms:
            return 0.0
        present = set(terms(sentence))
        total = sum(self._w(t) for t in set(q_terms))
        return sum(self._w(t) for t in set(q_terms) if t in present) / total if total else 0.0

    def best_sentences(self, question: str, hit: Hit, drop: frozenset[str]
                       ) -> list[tuple[float, int, int]]:
        q = terms(question, drop)
        scored = []
        for s, e in sentence_spans(hit.text):
            if e - s < 15:
                continue
            score = self.sentence_score(q, hit.text[s:e])
            if e - s > 400:  # a table row or run-on list: a weaker quote than a sentence
                score *= 0.8
            elif e - s < 40:  # a heading-like fragment ("Arbitration Rules.")
                score *= 0.7
            scored.append((score, s, e))
        scored.sort(key=lambda x: (-x[0], x[1]))
        return scored

    def answer(self, question: str, hits: list[Hit], searched: str,
               platform_words: frozenset[str] = frozenset(),
               readings: dict[str, Reading] | None = None) -> Answer:
        """Quote the sentences that answer. With ``readings`` (the trained reader's output per
        record ID, hits already in the reranker's order) each clause is quoted at the sentence
        holding the answer the reader found, in rank order; without them, at the sentence
        sharing most of the question's words, best first."""
        drop = frozenset(w for name in platform_words for w in _WORD.findall(name.lower()))
        words = age_as_words(question)  # "I'm 17" must not pick "17 U.S.C." by its token
        q_terms = terms(words, drop)
        picks: list[tuple[float, Hit, int, int, tuple[int, int] | None]] = []
        for rank, hit in enumerate(hits[:CANDIDATE_HITS]):
            best = self.best_sentences(words, hit, drop)
            if not best:
                continue
            cov, s, e = best[0]
            reading = readings.get(hit.record_id) if readings else None
            s, e, key = self.quote_bounds(hit.text, s, e, reading, q_terms)
            # later hits need better sentences to make the cut
            picks.append((cov - 0.03 * rank, hit, s, e, key))
        top_dense = max((h.dense for h in hits if h.dense is not None), default=0.0)
        top_cov = max((p[0] for p in picks), default=0.0)
        t = self.thresholds
        if not hits or (top_dense < t.dense and top_cov < t.coverage):
            return self.not_addressed(searched, hits, top_dense, top_cov)
        # which clauses to cite: those whose best sentence covers the question nearly as well
        # as the best one's (later hits need better sentences); with readings they are cited
        # in rank order, the reranked first clause leading, each quoted where the reader
        # found the answer
        best_first = sorted(picks, key=lambda p: -p[0])
        chosen = [p for p in best_first if p[0] >= best_first[0][0] - 0.35][:MAX_CITATIONS]
        if readings is not None:
            chosen = sorted(chosen, key=lambda p: hits.index(p[1]))
            if picks and picks[0] not in chosen:
                chosen = [picks[0], *chosen[: MAX_CITATIONS - 1]]
        citations: list[Citation] = []
        seen: set[str] = set()
        for _, hit, s, e, key in chosen:
            said = normalise(hit.text[s:e])
            if said in seen:  # the same sentence in a second copy of a document
                continue
            seen.add(said)
            ks, ke = key if key else (-1, -1)
            citations.append(Citation(hit.record_id, hit.platform, hit.doc_type, hit.section,
                                      hit.text[s:e], s, e, hit.scores(), len(citations) + 1,
                                      ks, ke))
            if len(citations) == MAX_CITATIONS:
                break
        by_id = {h.record_id: h for h in hits}
        first = citations[0]
        lead = self.lead_kind(question, first, by_id,
                              readings.get(first.record_id) if readings else None)
        return Answer(text=self.lead(first, citations, lead) + "\n\n" +
                      format_quotes(citations), citations=citations, evidence=hits, lead=lead,
                      top_dense=round(top_dense, 4), top_coverage=round(top_cov, 4))

    def quote_bounds(self, text: str, s: int, e: int, reading: Reading | None,
                     q_terms: list[str]) -> tuple[int, int, tuple[int, int] | None]:
        """Where to quote a clause whose best sentence is ``s:e``: the sentence holding the
        reader's span when it found one (then also returned), else ``s:e``; inside a table row,
        the cell holding the span, or without one the cell holding every question word the
        row holds (``within_cell``)."""
        if reading is not None and reading.span and reading.span_score > SPAN_MIN:
            ks, ke = key = trim_markup(text, *reading.span)
            s, e = trim_markup(text, *sentences_around(text, ks, ke))
            return (*within_cell(text, s, e, lambda cs, ce: cs <= ks and ke <= ce), key)
        s, e = trim_markup(text, s, e)
        row = self.sentence_score(q_terms, text[s:e])
        return (*within_cell(text, s, e, lambda cs, ce: self.sentence_score(
            q_terms, text[cs:ce]) >= row), None)

    def lead_kind(self, question: str, first: Citation, hits_by_id: dict[str, Hit],
                  reading: Reading | None) -> str:
        """"yes" / "no" when a trained signal or the age rule settles a yes/no question."""
        if not is_yes_no(question):
            return ""
        said = first.quote
        hit = hits_by_id.get(first.record_id)
        if hit is not None and said[:1] in "•(-*":
            # a list item reads with its lead-in ("You agree not to ...: • scraping")
            said = hit.text[: first.start] + said
        return age_lead(question, said) or polarity_lead(reading) or ""

    def lead(self, first: Citation, cites: list[Citation], kind: str) -> str:
        where = f"{first.platform}'s {first.document}"
        if kind:
            return f"{'Yes' if kind == 'yes' else 'No'} — according to {where} [{first.n}]."
        plats = sorted({c.platform for c in cites})
        if len(plats) == 1 or first.key != first.quote:
            return f"From {where} [{first.n}]: “{lead_quote(first)}”"
        refs = "".join(f"[{c.n}]" for c in cites)
        return f"These clauses address this ({', '.join(plats)}) {refs}."

    def not_addressed(self, searched: str, hits: list[Hit], dense: float, cov: float) -> Answer:
        text = ("The documents do not appear to address this question. "
                f"Searched: {searched}.")
        return Answer(text=text, citations=[], evidence=hits, abstained=True,
                      top_dense=round(dense, 4), top_coverage=round(cov, 4))


def lead_quote(c: Citation, words: int = LEAD_WORDS) -> str:
    """What the lead quotes: the sentence holding the reader's words, so that it reads as a
    statement ("Spotify may … suspend your access … if we believe you have breached …", not
    the bare condition the reader marked), cut after ``words`` words; only when the reader's
    words end beyond that cut, those words alone after an ellipsis."""
    if c.key == c.quote or len(c.quote[: c.key_end - c.start].split()) <= words:
        return _short(c.quote, words)
    return "… " + _short(c.key, words)


def _short(text: str, words: int) -> str:
    parts = text.split()
    return " ".join(parts) if len(parts) <= words else " ".join(parts[:words]) + " …"


def sentences_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole sentences that hold characters [start, end) of ``text``."""
    s, e = start, end
    for a, b in sentence_spans(text):
        if a <= start < b:
            s = a
        if a < end <= b:
            e = b
    return s, e


_MARKUP_HEAD = re.compile(r"^(?:[\s|*#>•]|-\s|\d{1,3}[.)]\s)+")
_MARKUP_TAIL = re.compile(r"[\s|*]+$")


def trim_markup(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` without table pipes, bullets or emphasis marks at either edge."""
    piece = text[start:end]
    head = _MARKUP_HEAD.match(piece)
    tail = _MARKUP_TAIL.search(piece)
    s = start + (head.end() if head else 0)
    e = end - (len(tail.group()) if tail else 0)
    return (s, e) if e > s else (start, end)


_CELL = re.compile(r" \| ")
_ENDS_SENTENCE = re.compile(r"[.!?;:][\"'”’)]*$")


def table_cells(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """The cells of ``start:end`` when it runs across cells of a Markdown table row: bounds
    without surrounding spaces, and whether the cell reads as a sentence of its own (five
    words or more, ending like a sentence); [] when it holds no cell separator."""
    piece = text[start:end]
    if " | " not in piece:
        return []
    seps = list(_CELL.finditer(piece))
    out = []
    for cs, ce in zip([start] + [start + m.end() for m in seps],
                      [start + m.start() for m in seps] + [end], strict=True):
        cell = text[cs:ce]
        cs += len(cell) - len(cell.lstrip())
        ce -= len(cell) - len(cell.rstrip())
        words = text[cs:ce]
        out.append((cs, ce, len(words.split()) >= 5 and bool(_ENDS_SENTENCE.search(words))))
    return out


def within_cell(text: str, start: int, end: int, answers: Callable[[int, int], bool]
                ) -> tuple[int, int]:
    """``start:end`` narrowed to the first table cell ``answers`` accepts when that cell reads
    as a sentence ("Device ID | You provide us with your gender and age."); otherwise
    unchanged, as a short cell needs its row to be understood."""
    for cs, ce, sentence in table_cells(text, start, end):
        if answers(cs, ce):
            return (cs, ce) if sentence else (start, end)
    return start, end


def format_quotes(citations: list[Citation]) -> str:
    """Quotes grouped by platform and document, numbered as cited."""
    groups: dict[tuple[str, str], list[Citation]] = {}
    for c in citations:
        groups.setdefault((c.platform, c.document), []).append(c)
    out = []
    for (platform, doc), cites in groups.items():
        out.append(f"{platform} — {doc}")
        for c in cites:
            where = f" ({c.section})" if c.section else ""
            out.append(f"  [{c.n}] “{c.quote}” {c.record_id}{where}")
    return "\n".join(out)


def idf_from_texts(texts: list[str]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for t in texts:
        df.update(set(terms(t)))
    n = len(texts) or 1
    return {w: math.log(1 + n / c) for w, c in df.items()}
