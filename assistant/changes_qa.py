"""Questions about change ("What changed in Zoom's terms in August 2023?", "Did Coursera's free
trial terms change?") and questions about a date ("Could Zoom use my content for AI in July
2023?"), answered from the stored change records and dated versions. No generative model:
the answer lists change records and quotes the old and new clause records, and every citation
passes the same check as any other answer (``assistant.citations.verify``).

``assistant.router`` decides which questions come here; the handlers get narrow parts
(``ChangeParts``), never the whole assistant.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.answer import DefaultAnswerer, terms
from assistant.citations import verify
from assistant.dates import DateRange, strip_dates
from assistant.doc_types import doc_type_spans
from assistant.types import Answer, Citation, Filters, Hit, Search
from corpus import changes as ch
from corpus.errors import NotFound
from corpus.ids import platform_slug
from corpus.store import Store
from corpus.text import normalise, sentence_spans

__all__ = ["ChangeParts", "answer_change_question", "answer_dated_question"]

MAX_LISTED = 10  # change records spelled out in one answer; the rest are counted
QUOTE_MAX = 320  # characters of a quoted sentence

# words that say "change" and nothing about the topic
_CHANGE_WORDS = frozenset(re.findall(r"\w+", """change changed changes changing update updated
updates revise revised
revision amend amended amendment modify modified modification rewrite rewritten new different
difference differ used longer anymore still previous earlier older old prior past version
versions history timeline since before after between during tracked clause clauses term
provision provisions section sections wording text document documents rule rules"""))
_CHANGE_STEMS = _CHANGE_WORDS | frozenset(terms(" ".join(sorted(_CHANGE_WORDS))))
_DOC_WORDS = [
    (re.compile(r"\bprivacy\b", re.I), "Privacy Policy"),
    (re.compile(r"\bcommunity guidelines\b", re.I), "Community Guidelines"),
    (re.compile(r"\bcookie", re.I), "Trackers Policy"),
    (re.compile(r"\b(?:terms of (?:service|use)|tos|user agreement|\w+['’]s terms\b)", re.I),
     "Terms of Service"),
]


@dataclass(frozen=True)
class ChangeParts:
    """What the change handlers use: the store, platform names, a search and the default
    answerer (its sentence scoring picks the quote of an unchanged clause)."""

    store: Store
    names: dict[str, str]
    search: Search
    answerer: DefaultAnswerer


@dataclass
class _Cited:
    hits: dict[str, Hit]
    citations: list[Citation]

    def cite(self, store: Store, record_id: str, needle: str = "") -> Citation:
        """A numbered citation of ``record_id``: the sentence holding ``needle``, quoted."""
        hit = self.hits.get(record_id) or _hit(store, record_id)
        self.hits[record_id] = hit
        s, e = quote_span(hit.text, needle)
        c = Citation(record_id, hit.platform, hit.doc_type, hit.section, hit.text[s:e], s, e,
                     {}, len(self.citations) + 1)
        self.citations.append(c)
        return c


def _hit(store: Store, record_id: str) -> Hit:
    row = store.clause(record_id)
    return Hit(row.record_id, row.platform, platform_slug(row.platform), row.doc_type,
               row.document_id, row.section, row.text)


def quote_span(text: str, needle: str = "") -> tuple[int, int]:
    """Offsets of the sentence of ``text`` that holds ``needle`` (else the first sentence),
    cut to a window of QUOTE_MAX characters around the needle at word boundaries."""
    spans = sentence_spans(text) or [(0, len(text))]
    key = normalise(needle)[:60]
    # no needle: the first real sentence, not a numbered heading like "10.1 Customer Content."
    pick = next((se for se in spans if se[1] - se[0] >= 40), spans[0])
    pos = -1
    if key:
        for s, e in spans:
            k = normalise(text[s:e]).find(key)
            if k >= 0:
                pick, pos = (s, e), k
                break
        else:
            want = set(terms(needle))
            pick = max(spans, key=lambda se: len(want & set(terms(text[se[0]:se[1]]))))
    s, e = pick
    if e - s > QUOTE_MAX:
        start = s if pos < 0 else max(s, s + pos - QUOTE_MAX // 3)
        if start > s:
            nxt = text.find(" ", start)
            start = nxt + 1 if 0 <= nxt < e else start
        end = min(e, start + QUOTE_MAX)
        if end < e:
            cut = text.rfind(" ", start, end)
            end = cut if cut > start else end
        s, e = start, end
    return s, e


def _doc_type(question: str, available: set[str]) -> str | None:
    """The document type a change question is about: a loose word for the common ones
    ("privacy", "cookies", "Spotify's terms"), else one the question names."""
    for pattern, doc_type in _DOC_WORDS:
        if pattern.search(question) and doc_type in available:
            return doc_type
    named = doc_type_spans(question, sorted(available))
    return named[0][0] if named else None


def topic_terms(question: str, platform_names: list[str], dates: DateRange | None) -> list[str]:
    """What the question is about once platforms, dates and change words are gone."""
    q = strip_dates(question, dates)
    drop = {w for n in platform_names for w in terms(n)}
    out = []
    for t in terms(q, frozenset(drop)):
        if len(t) < 2 or t in _CHANGE_STEMS or t in drop:
            continue
        for _, doc_type in _DOC_WORDS:
            if t in terms(doc_type):
                break
        else:
            if t not in out:
                out.append(t)
    return out


def topic_phrase(question: str, topic: list[str]) -> str:
    """The question's own words for the topic stems (“termination”, not “termin”)."""
    words = [w for w in re.findall(r"[\w'’-]+", question) if terms(w) and terms(w)[0] in topic]
    return " ".join(dict.fromkeys(w.lower() for w in words)) or " ".join(topic)


def prefix_key(term: str) -> str:
    """Stems compared by their first six letters: termination ~ terminate ~ terminating."""
    return term[:6]


def relevance(topic: list[str], texts: list[str]) -> float:
    """Share of topic terms found (by word prefix) in any of the texts."""
    if not topic:
        return 1.0
    have = {prefix_key(t) for text in texts for t in terms(text)}
    return sum(prefix_key(t) in have for t in topic) / len(topic)


def topic_score(store: Store, rec: ch.ChangeRecord, topic: list[str]) -> int:
    """2: the clause's heading or section names the topic; 1: the changed words do (the
    whole clause, when it was added or removed); 0: neither."""
    head = rec.summary.split(":", 1)[0]
    if relevance(topic, [rec.old_section, rec.new_section, head]) >= 0.99:
        return 2
    if rec.kind == "modified":
        changed = [f"{w['old']} {w['new']}" for w in rec.words if w["tag"] != "equal"]
    else:
        changed = _texts(store, rec)
    return 1 if relevance(topic, [" ".join(changed)]) >= 0.99 else 0


def on_topic(store: Store, records: list[ch.ChangeRecord], topic: list[str]
             ) -> list[ch.ChangeRecord]:
    """The records about the topic: those whose heading names it if any do, else those whose
    changed words mention it."""
    scored = [(topic_score(store, r, topic), r) for r in records]
    best = max((sc for sc, _ in scored), default=0)
    return [r for sc, r in scored if sc == best and sc > 0]


def _texts(store: Store, rec: ch.ChangeRecord) -> list[str]:
    out = []
    for rid in rec.old_ids + rec.new_ids:
        try:
            out.append(store.clause(rid).text)
        except NotFound:  # a record dropped from the store since: its summary still speaks
            out.append(rec.summary)
    return out


def _changed_words(rec: ch.ChangeRecord, side: str) -> str:
    """The longest run of words this side of the edit changed (what the quote should show)."""
    return max((w[side] for w in rec.words if w["tag"] != "equal"), key=len, default="")


def answer_change_question(parts: ChangeParts, question: str, pids: list[str],
                           dates: DateRange | None) -> Answer:
    """List the change records that answer ``question``, citing old and new clause records.

    ``pids``: the platform IDs asked about. ``dates``: the period the change was first seen
    in (None: all). Formatting-only changes are counted, never listed as changes of wording.
    """
    store = parts.store
    ch.compute_changes(store)  # no-op when up to date
    tracked = store.tracked_platforms()
    if not pids:
        listed = ", ".join(sorted(tracked.values())) or "none"
        return Answer(f"Which platform do you mean? Older versions are tracked for: {listed}.",
                      [], [], route="changes", abstained=True,
                      meta={"change_ids": [], "reason": "no platform"})
    names = parts.names
    topic = topic_terms(question, [names.get(p, p) for p in pids], dates)
    cited = _Cited({}, [])
    blocks: list[str] = []
    meta: dict[str, Any] = {
        "change_ids": [], "formatting_only": 0, "topic": topic, "platforms": pids,
        "date_range": None if dates is None else
        {"start": dates.start, "end": dates.end, "phrase": dates.phrase}}
    for pid in pids:
        blocks.append(_platform_block(parts, pid, question, dates, topic, cited, meta))
    answer = Answer("\n\n".join(blocks), cited.citations, list(cited.hits.values()),
                    route="changes", abstained=not meta["change_ids"] and not cited.citations,
                    focus=f"{', '.join(names.get(p, p) for p in pids)}; change records"
                          + (f" {dates.describe()}" if dates else ""), meta=meta)
    return verify(answer, answer.evidence)



def _platform_block(parts: ChangeParts, pid: str, question: str, dates: DateRange | None,
                    topic: list[str], cited: _Cited, meta: dict[str, Any]) -> str:
    store = parts.store
    name = parts.names.get(pid, pid)
    docs = store.documents(pid)
    doc_type = _doc_type(question, {d.doc_type for d in docs})
    docs = [d for d in docs if doc_type is None or d.doc_type == doc_type]
    what = f"{name}'s {doc_type}" if doc_type else f"{name}'s documents"
    when = f" {dates.phrase.strip()}" if dates and dates.phrase else ""
    timeline = {d.document_id: (d.doc_type, [v.version_date for v in
                                                   store.versions_of(d.document_id)])
                for d in docs}
    tracked = "; ".join(f"{t}: {', '.join(v)}" for t, v in sorted(timeline.values())
                        if len(v) > 1)
    records = ch.changes_for(store, pid, doc_type, dates.start if dates else None,
                             dates.end if dates else None, refresh=False)
    formatting = [r for r in records if r.kind == "formatting"]
    wording = [r for r in records if r.kind in ("modified", "added", "removed")]
    moves = [r for r in records if r.kind == "moved"]
    if topic:
        wording = on_topic(store, wording, topic)
        moves = on_topic(store, moves, topic)
    meta["formatting_only"] += len(formatting)
    meta["change_ids"] += [r.change_id for r in wording + moves]
    about = f" about “{topic_phrase(question, topic)}”" if topic else ""
    if not tracked:
        return (f"{what}: only one version is tracked, so no change can be shown"
                f"{when}. (Tracked versions: "
                + "; ".join(f"{t}: {', '.join(v)}" for t, v in sorted(timeline.values()))
                + ")")
    if not wording:
        lines = [f"No tracked version of {what} shows a change of wording{about}{when}"
                 f" (tracked versions — {tracked})."]
        if moves:
            lines.append(f"{len(moves)} clause(s){about} only moved: "
                         + ", ".join(r.change_id for r in moves[:5]) + ".")
        if formatting and not topic:
            lines.append(f"{len(formatting)} formatting-only change(s) (markup, numbering, "
                         "punctuation or re-splitting) are not changes of wording.")
        lines += _unchanged_evidence(parts, pid, doc_type, question, topic, dates, cited)
        return "\n".join(lines)
    pairs = sorted({(r.from_date, r.to_date) for r in wording})
    head = (f"{what}{about}{when}: {len(wording)} change(s) of wording between tracked "
            f"versions {', '.join(f'{a} → {b}' for a, b in pairs)}")
    head += (f"; {len(formatting)} formatting-only change(s) not listed." if formatting
             else ".")
    shown = _pick(store, wording)
    shown.sort(key=lambda r: (r.doc_type, r.to_date, r.position))
    lines = [head]
    current_pair = None
    for r in shown:
        if (r.doc_type, r.from_date, r.to_date) != current_pair:
            current_pair = (r.doc_type, r.from_date, r.to_date)
            lines.append(f"\n{r.doc_type}, {r.from_date} → {r.to_date}:")
        lines.append(f"• {r.summary}  [{r.change_id}]")
        if r.meaning:  # what the change means: corpus/meaning.py
            lines.append(f"    means: {r.meaning['label']} ({r.meaning['severity']}) — "
                         f"{r.meaning['summary']}")
        if r.old_ids:
            c = cited.cite(store, r.old_ids[0], _changed_words(r, "old"))
            lines.append(f"    was [{c.n}] “{c.quote}” {c.record_id}")
        if r.new_ids:
            c = cited.cite(store, r.new_ids[0], _changed_words(r, "new"))
            lines.append(f"    now [{c.n}] “{c.quote}” {c.record_id}")
    if len(wording) > len(shown):
        flags = "".join(f" {flag} {shlex.quote(value)}" for flag, value in (
            ("--document", doc_type or ""), ("--since", dates.start if dates else ""),
            ("--until", dates.end if dates else "")) if value)
        lines.append(f"\n…and {len(wording) - len(shown)} more: policy-assistant changes "
                     f"{shlex.quote(name)}{flags} --wording-only")
    return "\n".join(lines)


def _pick(store: Store, records: list[ch.ChangeRecord]) -> list[ch.ChangeRecord]:
    """Up to MAX_LISTED records, the most substantial first, taking turns between version pairs
    so that a short change in one pair is not crowded out by long ones in another."""
    queues: dict[tuple[str, str], list[ch.ChangeRecord]] = {}
    for r in sorted(records, key=lambda r: -_substance(store, r)):
        queues.setdefault((r.document_id, r.to_version), []).append(r)
    out: list[ch.ChangeRecord] = []
    while len(out) < MAX_LISTED and any(queues.values()):
        for q in queues.values():
            if q and len(out) < MAX_LISTED:
                out.append(q.pop(0))
    return out


def _substance(store: Store, r: ch.ChangeRecord) -> int:
    """How much wording changed: the clause for an addition or removal, else the edits."""
    if r.kind != "modified":
        return sum(len(t) for t in _texts(store, r))
    return sum(len(w["old"]) + len(w["new"]) for w in r.words if w["tag"] != "equal")


def _unchanged_evidence(parts: ChangeParts, pid: str, doc_type: str | None, question: str,
                        topic: list[str], dates: DateRange | None, cited: _Cited) -> list[str]:
    """For a topic with no change: the clause that covers it now, and the versions holding it."""
    if not topic:
        return []
    query = " ".join(topic)
    # lexical: the topic words themselves must be in the clause; no model needed
    hits = parts.search(query, Filters((pid,), (doc_type,) if doc_type else ()), k=5,
                              mode="lexical")
    hits = [h for h in hits if relevance(topic, [h.text]) >= 0.99]
    if not hits:
        return [f"No current clause mentions {query}."]
    hit = hits[0]
    cited.hits.setdefault(hit.record_id, hit)
    best = parts.answerer.best_sentences(query, hit, frozenset())
    needle = hit.text[best[0][1]:best[0][2]] if best else ""
    c = cited.cite(parts.store, hit.record_id, needle)
    hist = ch.history_of(parts.store, hit.record_id)
    held = [v["date"] for v in hist.versions if v["present"]]
    return [f"The clause that covers it now [{c.n}] “{c.quote}” {c.record_id} reads the same "
            f"in the tracked versions of {', '.join(held)}."]


def answer_dated_question(store: Store, answer_plain: Callable[[str, Filters], Answer],
                          question: str, filters: Filters, dates: DateRange) -> Answer:
    """Answer from the versions in force on the date the question names (its last day for a
    period), and say which versions those were. ``answer_plain`` answers the question without
    its dates inside the given filters."""
    q = expand_abbreviations(strip_dates(question, dates) or question)
    filters = Filters(filters.platforms, filters.doc_types, dates.as_of)
    answer = answer_plain(q, filters)
    in_force = _versions_in_force(store, filters.platforms, dates.as_of)
    names = ", ".join(f"{p} {t} of {d}" for p, t, d in in_force) or "none"
    note = f"Versions in force on {dates.as_of}: {names}."
    if not in_force:
        note = (f"No tracked version of these documents was in force on {dates.as_of}; "
                "the archive starts later.")
    answer.text = f"{note}\n\n{answer.text}"
    answer.meta["in_force"] = [{"platform": p, "doc_type": t, "version_date": d}
                               for p, t, d in in_force]
    answer.route = "dated"
    return answer


_ABBREVIATIONS = {"ai": "artificial intelligence", "ml": "machine learning",
                  "tos": "terms of service"}


def expand_abbreviations(question: str) -> str:
    """``AI`` -> ``AI (artificial intelligence)``: older versions spell the words out, and
    neither BM25 nor the embedding model links the two reliably."""
    def repl(m: re.Match) -> str:
        return f"{m.group(0)} ({_ABBREVIATIONS[m.group(0).lower()]})"

    pattern = r"\b(?:" + "|".join(_ABBREVIATIONS) + r")\b"
    return re.sub(pattern, repl, question, flags=re.I)


def _versions_in_force(store: Store, pids: tuple[str, ...], as_of: str
                       ) -> list[tuple[str, str, str]]:
    out = []
    for pid in pids:
        for d in store.documents(pid):
            vers = [v for v in store.versions_of(d.document_id) if v.version_date <= as_of]
            if vers:
                out.append((d.platform, d.doc_type, vers[-1].version_date))
    return out
