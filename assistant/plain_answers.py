"""The plain question handler: search, the trained reader over the candidates, its order
fused with retrieval's, then the answer with verified quotes. Every other route (changes,
dates, regulations, labels) is decided before this by ``assistant.router``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.answer import DefaultAnswerer
from assistant.citations import verify
from assistant.platforms import PlatformMatcher
from assistant.rerank import KEEP, Stages, rerank_hits
from assistant.types import Answer, Filters, Hit

if TYPE_CHECKING:  # loads llama-index and openvino; the assistant builds them
    from assistant.qa_model import QAModel
    from assistant.search import Searcher


@dataclass(frozen=True)
class PlainParts:
    search: Searcher
    answerer: DefaultAnswerer
    matcher: PlatformMatcher
    qa: Callable[[], QAModel | None]  # loaded on first use; None when turned off
    generator: Callable[[], Any]  # the LLM answerer when configured, else ``answerer``


def answer_question(parts: PlainParts, q: str, filters: Filters, mode: str, stages: Stages
                    ) -> Answer:
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    model = parts.qa() if stages.any else None
    hits = search_clauses(parts.search, parts.matcher, q, filters, mode,
                          max(stages.candidates, KEEP) if model is not None else KEEP,
                          adapt=stages.adapt, timings=timings)
    readings = None
    if model is not None and hits:
        t = time.perf_counter()
        read = hits[:stages.candidates]
        readings = dict(zip((h.record_id for h in read),
                            model.read(q, [h.text for h in read]), strict=True))
        timings["read_ms"] = (time.perf_counter() - t) * 1000
        hits = rerank_hits(hits, readings) if stages.rerank else hits[:KEEP]
    t = time.perf_counter()
    names = parts.matcher.names
    searched = describe_search(parts.search, names, filters)
    words = frozenset(names[p] for p in filters.platforms)
    generator = parts.generator()
    if readings is not None and stages.read and generator is parts.answerer:
        answer = parts.answerer.answer(q, hits, searched, words, readings=readings)
    else:
        answer = generator.answer(q, hits, searched, words)
    timings["answer_ms"] = (time.perf_counter() - t) * 1000
    verify(answer, hits)
    if note := language_note(parts.search.index.languages, names, filters):
        answer.text += "\n\n" + note
    timings["total_ms"] = (time.perf_counter() - t0) * 1000
    answer.timings = timings
    answer.focus = searched
    answer.platforms = tuple(filters.platforms)
    answer.meta.update({"doc_types": list(filters.doc_types), "as_of": filters.as_of})
    return answer


def search_clauses(search: Searcher, matcher: PlatformMatcher, q: str, filters: Filters,
                   mode: str, k: int, adapt: bool = True,
                   timings: dict[str, float] | None = None) -> list[Hit]:
    """The search a plain question runs (``ask``, and ``Assistant.candidates`` for the eval
    tools): the question without the platform names that became filters or a stated age."""
    return search(query_text(matcher, q, filters), filters, mode=mode, timings=timings, k=k,
                  adapt=adapt)


def describe_search(search: Searcher, names: dict[str, str], f: Filters) -> str:
    return f"{f.describe(names)} ({search.count(f)} clauses)"


def language_note(languages: dict[tuple[str, str], str], names: dict[str, str],
                  f: Filters) -> str:
    """A warning when documents searched are not in English: the embedder and the
    trained models read English, so such documents are matched by shared words only."""
    found: dict[str, list[str]] = {}
    for (pid, doc_type), lang in sorted(languages.items()):
        if pid in f.platforms and (not f.doc_types or doc_type in f.doc_types):
            found.setdefault(lang, []).append(f"{names.get(pid, pid)}'s {doc_type}")
    return " ".join(
        f"Note: {' and '.join(docs)} {'is' if len(docs) == 1 else 'are'} in {lang}; "
        "the search reads English, so it was not searched by meaning and an answer there "
        "may be missed." for lang, docs in found.items())


def query_text(matcher: PlatformMatcher, question: str, filters: Filters) -> str:
    """The question without the platform names that became filters (every clause of a
    platform names it, so the name only adds noise to both retrievers) and without the
    user's stated age (matched as a number by the age rule, not as a token)."""
    from assistant.chat import strip_platforms
    from assistant.lead import age_as_words

    spans = [s for s in matcher.find_spans(question) if s[0] in filters.platforms]
    text = (strip_platforms(question, spans) or question) if spans else question
    return age_as_words(text)


def not_in_corpus(name: str, platforms: int, seconds: float) -> Answer:
    """The answer to a question about a service the corpus does not hold: said plainly,
    never replaced by an answer about other platforms."""
    text = (f"{name} is not among the {platforms} platforms in this corpus, so this question "
            "was not answered (an answer from other platforms' documents would not be about "
            f"{name}). List the platforms with `/platforms` in the chat, or add {name}'s "
            "documents with `policy-assistant ingest`.")
    return Answer(text=text, citations=[], evidence=[], abstained=True,
                  focus=f"{name}: not in the corpus", timings={"total_ms": seconds * 1000},
                  meta={"missing_platform": name})


def left_out(missing: list[str], platforms: int) -> str:
    """The note on a conversation turn that named, beside platforms the corpus holds, services
    it does not ("compare Zoom and Slack"): answered for the others, and said."""
    names = " and ".join(missing)
    verb = "is" if len(missing) == 1 else "are"
    return (f"Note: {names} {verb} not among the {platforms} platforms in this corpus, so "
            f"{'it is' if len(missing) == 1 else 'they are'} left out of this answer.")
