"""The composition root: builds the assistant from settings. Tests pass their own parts
(embedder, store, vector index) through the same constructor that the front ends use."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer import DefaultAnswerer, Thresholds, idf_from_texts
from assistant.chroma_store import ChromaIndex
from assistant.citations import verify
from assistant.embedder import Embedder, make_embedder
from assistant.index import ClauseTable, SyncStats, sync
from assistant.lexical import LexicalIndex
from assistant.platforms import PlatformMatcher
from assistant.precedents import Precedents, embed_precedents
from assistant.qa_model import QAModel
from assistant.rerank import CANDIDATES, FULL, FUSED, KEEP, Stages, rerank
from assistant.retrieve import (
    DenseRetriever,
    HybridRetriever,
    LexicalRetriever,
    PrecedentRetriever,
    to_hits,
)
from assistant.scoped import ScopedVectors
from assistant.settings import Settings
from assistant.types import RETRIEVAL_MODES, Answer, Filters, Hit
from corpus.errors import BadInput, IndexMissing
from corpus.ingest import IngestSummary, add_documents, ingest
from corpus.models import Document
from corpus.store import ClauseRow, Store
from corpus.text import language_of, plain_text

log = logging.getLogger(__name__)

MAX_QUESTION = 2000
# "What changed…", "Did … change", "Has … changed": questions about the history of a text;
# "Can they change the terms?" is a question about a provision and stays a plain question
_HISTORY_OPENING = re.compile(r"\s*(what(?! happens)|did|has|have|had|how (?:has|have|did)|"
                              r"when (?:did|was|were)|which (?:clauses?|terms|parts?))\b", re.I)
# from this many clauses on, platform-scoped dense search is exact over the platform's vectors
# instead of a Chroma metadata filter, whose cost grows with the collection (see the README,
# "Shared deployments and scaling")
EXACT_SCOPE_MIN = 20000
RUNTIME_CACHE = "v2"  # layout of the runtime pickle: rows, BM25, idf, document languages


def clean_question(question: str) -> str:
    if question is None or not str(question).strip():
        raise BadInput("the question is empty; ask something like "
                       "\"Can Coursera suspend my account?\"")
    q = plain_text(question).strip()
    if len(q) > MAX_QUESTION:
        raise BadInput(f"the question is {len(q)} characters long; the limit is {MAX_QUESTION}")
    if not q.strip():
        raise BadInput("the question holds only control characters")
    return q


def check_day(value: str) -> str:
    """An ISO day (YYYY-MM-DD) that exists, as given; BadInput with an example otherwise."""
    text = plain_text(value).strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise BadInput(f"{text[:40]!r} is not a day; give YYYY-MM-DD, e.g. 2023-08-10") from None


@dataclass
class RecordView:
    """A record page: the clause, the ToS;DR assessments quoting it, its labels (category,
    severity, prevalence, similar clauses on other platforms) and its change history."""

    clause: ClauseRow
    annotations: list[dict[str, Any]] = field(default_factory=list)
    labels: Any = None  # assistant.labels.RecordLabels, when the corpus is labelled
    category: str = ""
    severity: str = ""
    prevalence: str = ""
    similar: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    store: Any = field(default=None, repr=False, compare=False)
    _monitor: Any = field(default=None, repr=False, compare=False)

    @property
    def monitor(self) -> Any:
        """assistant.monitor.RecordMonitor (activity, stability, regulations, citation), made
        on first use: citation cards look records up without needing it."""
        if self._monitor is None and self.store is not None:
            from assistant.monitor import record_monitor

            self._monitor = record_monitor(self.store, self.clause)
        return self._monitor


class Assistant:
    def __init__(self, settings: Settings, *, store: Store | None = None,
                 embedder: Embedder | None = None, chroma: ChromaIndex | None = None,
                 qa: QAModel | None = None):
        self.settings = settings
        self.store = store or Store(settings.store_path)
        self._embedder = embedder
        self._chroma = chroma
        self._scoped: ScopedVectors | None = None
        self._precedent_state: tuple[Any, Precedents | None] | None = None  # (table, ...)
        self._table: ClauseTable | None = None
        self._lexical: LexicalIndex | None = None
        self._answerer: DefaultAnswerer | None = None
        self._generator: Any = None  # GenerativeAnswerer when settings.llm_url is set
        self._matcher: PlatformMatcher | None = None
        self._qa: QAModel | None = qa
        self._languages: dict[tuple[str, str], str] = {}  # (platform, doc type) -> not English

    # ---- parts, built on first use -------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            s = self.settings
            self._embedder = make_embedder(s.embedder, precision=s.precision,
                                           max_seq_length=s.max_seq_length, threads=s.threads,
                                           cache_dir=s.cache_dir)
        return self._embedder

    @property
    def chroma(self) -> ChromaIndex:
        if self._chroma is None:
            self._chroma = ChromaIndex(self.settings.chroma_path, self.settings.chroma_url,
                                       model=self.embedder.name)
        return self._chroma

    @property
    def qa(self) -> QAModel | None:
        """The trained reranker / reader / yes-no model; None when settings turn it off."""
        if self._qa is None and self.settings.qa_enabled:
            from assistant.qa_model import MODEL_DIR, QAModel

            s = self.settings
            self._qa = QAModel(Path(s.qa_model) if s.qa_model else MODEL_DIR,
                               cache_dir=s.cache_dir, threads=s.threads)
        return self._qa

    def stages(self) -> Stages:
        """The answering stages this assistant runs by default."""
        return FULL if self.settings.qa_enabled or self._qa is not None else FUSED

    @property
    def matcher(self) -> PlatformMatcher:
        if self._matcher is None:
            self._matcher = PlatformMatcher(self.store.platforms())
        return self._matcher

    def _load(self) -> None:
        if self._table is not None:
            return
        cached = self._read_cache()
        if cached is None:
            rows = list(self.store.index_rows())
            if not rows:
                raise IndexMissing(
                    f"no clauses in {self.settings.store_path}; build the index with "
                    "`policy-assistant ingest PATH` (e.g. ../shared/policy-docs)")
            texts = [r["embed_text"] for r in rows]
            languages = {(pid, dt): lang for pid, dt, text in self.store.current_texts()
                         if (lang := language_of(text)) != "English"}
            cached = (rows, LexicalIndex([r["record_id"] for r in rows], texts),
                      idf_from_texts(texts), languages)
            self._write_cache(cached)
        rows, self._lexical, idf, self._languages = cached
        self._table = ClauseTable(rows)
        self._answerer = DefaultAnswerer(idf, self._thresholds())
        self._generator = None

    def _cache_path(self) -> Path:
        key = self.store.fingerprint()
        return self.settings.cache_dir / f"runtime-{RUNTIME_CACHE}-{key}.pickle"

    def _read_cache(self) -> tuple | None:
        """Rows, BM25 and idf as built for this exact corpus (rebuilt when it changes)."""
        import pickle

        path = self._cache_path()
        if not path.exists():
            return None
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)  # our own file, written below
        except Exception:
            return None

    def _write_cache(self, value: tuple) -> None:
        import os
        import pickle

        path = self._cache_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob("runtime-*.pickle"):  # any earlier corpus or layout
                old.unlink(missing_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError:
            pass  # a read-only data dir still works, just slower to start

    def _thresholds(self) -> Thresholds:
        if self.embedder.name.startswith("hash"):
            return Thresholds(dense=0.35, coverage=0.6)
        return Thresholds()

    # ---- building ------------------------------------------------------------------------

    def ingest(self, paths: list[Path], report: Any = None, on_document: Any = None,
               on_embed_start: Any = None, on_embedded: Any = None,
               link_progress: Any = None) -> tuple[IngestSummary, SyncStats]:
        summary = ingest(self.store, paths, report, on_document, link_progress,
                         self.settings.limits)
        return summary, self._sync(on_embed_start, on_embedded)

    def ingest_documents(self, docs: Iterable[Document], report: Any = None
                         ) -> tuple[IngestSummary, SyncStats]:
        """Ingest documents built in memory (an eval suite's own corpus)."""
        return add_documents(self.store, docs, report, limits=self.settings.limits), self._sync()

    def _sync(self, on_embed_start: Any = None, on_embedded: Any = None) -> SyncStats:
        if hasattr(self.embedder, "set_threads"):
            import os

            n = self.settings.ingest_threads or os.cpu_count() or 1
            self.embedder.set_threads(n)  # type: ignore[attr-defined]
        stats = sync(self.store, self.embedder, self.chroma, on_embed_start, on_embedded)
        if hasattr(self.embedder, "set_threads"):
            self.embedder.set_threads(self.settings.threads)  # type: ignore[attr-defined]
        self._table = None
        self._matcher = None
        return stats

    def reindex(self) -> SyncStats:
        return sync(self.store, self.embedder, self.chroma)

    # ---- asking --------------------------------------------------------------------------

    @property
    def answerer(self) -> DefaultAnswerer:
        self._load()
        assert self._answerer is not None
        return self._answerer

    @property
    def generator(self) -> Any:
        """What writes the answers of ``ask``: the LLM answerer (with the default one as its
        fallback) when ``settings.llm_url`` is set, else the default answerer."""
        if not self.settings.llm_url:
            return self.answerer
        if self._generator is None:
            from assistant.llm_answer import GenerativeAnswerer

            self._generator = GenerativeAnswerer(self.settings.llm_url, self.settings.llm_model,
                                                 self.answerer)
        return self._generator

    def platform_names(self) -> dict[str, str]:
        return self.matcher.names

    def resolve_filters(self, question: str, platforms: list[str] | None = None,
                        doc_types: list[str] | None = None, as_of: str = "") -> Filters:
        pids = [self.matcher.resolve(p) for p in platforms or []]
        if not pids:
            pids = self.matcher.find(question)
        known_types = set(self.store.doc_types())
        for d in doc_types or []:
            if d not in known_types:
                raise BadInput(f"unknown document type {plain_text(d)[:80]!r}; known: "
                               + ", ".join(sorted(known_types)))
        if as_of:
            try:
                as_of = check_day(as_of)
            except BadInput as exc:
                raise BadInput(f"as-of date: {exc}") from None
        return Filters(tuple(pids), tuple(doc_types or ()), as_of)

    def _scope(self) -> ScopedVectors:
        """The platforms' clause vectors from SQLite, kept per platform; rebuilt with the table."""
        assert self._table is not None
        if self._scoped is None or self._scoped.table is not self._table:
            self._scoped = ScopedVectors(self.store, self.embedder.name, self._table)
        return self._scoped

    def _scoped_vectors(self) -> ScopedVectors | None:
        """Exact search inside platform scopes; None below EXACT_SCOPE_MIN clauses, where
        Chroma's own filtered query is cheap."""
        assert self._table is not None
        return self._scope() if len(self._table) >= EXACT_SCOPE_MIN else None

    def _precedents(self) -> Precedents | None:
        """ToS;DR precedent quotes (embedded on first use); None without annotations."""
        if self._precedent_state is None or self._precedent_state[0] is not self._table:
            precedents = Precedents.load(self.store, self.embedder.name)
            if precedents is None and (n := embed_precedents(self.store, self.embedder)):
                log.info("embedded %d ToS;DR precedent quotes and case titles", n)
                precedents = Precedents.load(self.store, self.embedder.name)
            self._precedent_state = (self._table, precedents)
        return self._precedent_state[1]

    def retrieve(self, question: str, filters: Filters | None = None, k: int = 10,
                 mode: str = "hybrid", timings: dict[str, float] | None = None) -> list[Hit]:
        self._load()
        assert self._table is not None and self._lexical is not None
        filters = filters or Filters()
        timings = timings if timings is not None else {}
        from llama_index.core.schema import QueryBundle

        bundle = QueryBundle(query_str=question)
        dense = lexical = None
        if mode in ("hybrid", "dense", "precedent"):
            t = time.perf_counter()
            bundle.embedding = self.embedder.embed([question])[0].tolist()
            timings["embed_ms"] = (time.perf_counter() - t) * 1000
            dense = DenseRetriever(self.chroma, self.embedder, self._table, filters,
                                   scoped=self._scoped_vectors())
        if mode in ("hybrid", "lexical", "precedent"):
            lexical = LexicalRetriever(self._lexical, self._table, filters)
        if dense is None and lexical is None:
            raise BadInput(f"unknown retrieval mode {mode!r} ({', '.join(RETRIEVAL_MODES)})")
        precedent = None
        if mode == "precedent" and filters.platforms and (precedents := self._precedents()):
            precedent = PrecedentRetriever(precedents, self._scope(), self._table, filters)
        t = time.perf_counter()
        nodes = HybridRetriever(dense, lexical, top_k=k, timings=timings,
                                precedent=precedent).retrieve(bundle)
        timings["retrieve_ms"] = (time.perf_counter() - t) * 1000
        return to_hits(nodes, self._table)

    def ask(self, question: str, filters: Filters | None = None, mode: str = "hybrid",
            platforms: list[str] | None = None, route: bool = True,
            stages: Stages | None = None) -> Answer:
        """A cited answer. Questions about what changed between versions go to the change
        records, and a question naming a date is answered from the versions in force then
        (``route=False`` keeps to plain retrieval)."""
        t0 = time.perf_counter()
        q = clean_question(question)
        if filters is None:
            filters = self.resolve_filters(q, platforms)
        self._load()  # an empty store says how to build the index before anything else
        if not filters.platforms and (missing := self.matcher.unknown(q)):
            return self.not_in_corpus(missing, time.perf_counter() - t0)
        if route and not filters.as_of:
            history = self._route_history(q, filters, mode)
            if history is not None:
                history.timings.setdefault("total_ms", (time.perf_counter() - t0) * 1000)
                return history
        from assistant.label_answers import label_route
        from assistant.regulation_answers import regulation_route

        self._load()
        # "Which of Coursera's clauses touch GDPR?": the reviewed regulation map; then the
        # clause labels: prevalence or severity list
        routed = regulation_route(self, q, filters) or label_route(self, q, filters)
        if isinstance(routed, Answer):
            routed.timings = {"total_ms": (time.perf_counter() - t0) * 1000}
            routed.focus = self.describe_search(filters)
            return routed
        if routed is not None:
            filters = routed
        timings: dict[str, float] = {}
        stages = stages or self.stages()
        model = self.qa if stages.any else None
        hits = self.retrieve(self.query_text(q, filters), filters, mode=mode, timings=timings,
                             k=CANDIDATES if model is not None else KEEP)
        assert self._answerer is not None and self._table is not None
        readings = None
        if model is not None and hits:
            t = time.perf_counter()
            readings = dict(zip((h.record_id for h in hits[:CANDIDATES]),
                                model.read(q, [h.text for h in hits[:CANDIDATES]]), strict=True))
            timings["read_ms"] = (time.perf_counter() - t) * 1000
            hits = rerank(hits, readings) if stages.rerank else hits[:KEEP]
        t = time.perf_counter()
        names = self.matcher.names
        searched = self.describe_search(filters)
        words = frozenset(names[p] for p in filters.platforms)
        if readings is not None and stages.read and self.generator is self.answerer:
            answer = self.answerer.answer(q, hits, searched, words, readings=readings)
        else:
            answer = self.generator.answer(q, hits, searched, words)
        timings["answer_ms"] = (time.perf_counter() - t) * 1000
        verify(answer, hits)
        if note := self.language_note(filters):
            answer.text += "\n\n" + note
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        answer.timings = timings
        answer.focus = searched
        answer.meta.update({"platforms": list(filters.platforms),
                            "doc_types": list(filters.doc_types), "as_of": filters.as_of})
        return answer

    def _route_history(self, q: str, filters: Filters, mode: str) -> Answer | None:
        from assistant.changes_qa import (
            answer_change_question,
            answer_dated_question,
            is_change_question,
        )
        from assistant.dates import extract_dates

        dates = extract_dates(q)
        asks_history = is_change_question(q) and (
            dates is not None or bool(_HISTORY_OPENING.match(q)))
        plats = list(filters.platforms) or None
        if asks_history:
            return answer_change_question(self, q, plats, dates)
        if dates is not None and dates.as_of:
            return answer_dated_question(self, q, plats, dates, mode)
        return None

    def not_in_corpus(self, name: str, seconds: float) -> Answer:
        """The answer to a question about a service the corpus does not hold: said plainly,
        never replaced by an answer about other platforms."""
        n = len(self.matcher.names)
        text = (f"{name} is not among the {n} platforms in this corpus, so this question was "
                "not answered (an answer from other platforms' documents would not be about "
                f"{name}). List the platforms with `/platforms` in the chat, or add {name}'s "
                "documents with `policy-assistant ingest`.")
        return Answer(text=text, citations=[], evidence=[], abstained=True,
                      focus=f"{name}: not in the corpus", timings={"total_ms": seconds * 1000},
                      meta={"missing_platform": name})

    def language_note(self, f: Filters) -> str:
        """A warning when documents searched are not in English: the embedder and the
        trained models read English, so such documents are matched by shared words only."""
        names = self.matcher.names
        found: dict[str, list[str]] = {}
        for (pid, doc_type), lang in sorted(self._languages.items()):
            if pid in f.platforms and (not f.doc_types or doc_type in f.doc_types):
                found.setdefault(lang, []).append(f"{names.get(pid, pid)}'s {doc_type}")
        return " ".join(
            f"Note: {' and '.join(docs)} {'is' if len(docs) == 1 else 'are'} in {lang}; "
            "the search reads English, so it was not searched by meaning and an answer there "
            "may be missed." for lang, docs in found.items())

    def query_text(self, question: str, filters: Filters) -> str:
        """The question without the platform names that became filters (every clause of a
        platform names it, so the name only adds noise to both retrievers) and without the
        user's stated age (matched as a number by the age rule, not as a token)."""
        from assistant.chat import strip_platforms
        from assistant.lead import age_as_words

        spans = [s for s in self.matcher.find_spans(question) if s[0] in filters.platforms]
        text = (strip_platforms(question, spans) or question) if spans else question
        return age_as_words(text)

    def describe_search(self, f: Filters) -> str:
        assert self._table is not None
        n = int(self._table.mask(f.platforms, f.doc_types, f.as_of, f.records).sum())
        return f"{f.describe(self.matcher.names)} ({n} clauses)"

    # ---- conversation --------------------------------------------------------------------

    def compare(self, topic: str, platforms: list[str], doc_types: list[str] | None = None,
                as_of: str = "") -> Answer:
        """The same topic for each platform (names or IDs), one row per platform."""
        from assistant.compare import compare

        t0 = time.perf_counter()
        topic = clean_question(topic)
        pids: list[str] = []
        for p in platforms:
            pid = self.matcher.resolve(p)
            if pid not in pids:
                pids.append(pid)
        if not pids:
            raise BadInput("name at least one platform to compare")
        f = self.resolve_filters(topic, pids, doc_types, as_of)
        answer = compare(self, topic, list(f.platforms), f.doc_types, as_of)
        verify(answer, answer.evidence)
        names = self.matcher.names
        answer.focus = f"Comparing {' and '.join(names[p] for p in pids)} on: {topic}"
        answer.timings = {"total_ms": (time.perf_counter() - t0) * 1000}
        return answer

    def chat(self, session: Any, message: str) -> Answer:
        """One turn of a conversation; ``session`` (assistant.chat.Session) is updated."""
        from assistant.chat import HELP_TEXT, Turn, describe, resolve

        msg = clean_question(message)
        self._load()
        res = resolve(session, msg, self.matcher)
        names = self.matcher.names
        if res.route == "help":
            answer = Answer(text=HELP_TEXT, citations=[], evidence=[], route="help")
        elif res.route == "record":
            answer = _record_answer(self.record(res.record_id))
        else:
            session.platforms, session.topic, session.question = (
                res.platforms, res.topic, res.question)
            session.mentioned = res.mentioned
            f = Filters(tuple(res.platforms), tuple(session.doc_types))
            history = self._route_history(msg, f, "hybrid") if res.route == "ask" else None
            if history is not None:
                answer = history
            elif res.route == "compare":
                answer = self.compare(res.topic, res.platforms, session.doc_types)
            else:
                answer = self.ask(res.question or res.topic, f, route=False)
            if history is None:
                answer.route = res.route
                answer.focus = describe(res, names)
        answer.meta.update({
            "route": answer.route, "platforms": list(res.platforms), "topic": res.topic,
            "kept_platforms": res.kept_platforms, "kept_topic": res.kept_topic})
        session.turns.append(Turn(msg, answer.route, list(res.platforms), res.topic,
                                  [c.record_id for c in answer.citations]))
        return answer

    # ---- records -------------------------------------------------------------------------

    def record(self, record_id: str) -> RecordView:
        rid = plain_text(record_id or "").strip()
        if not rid:
            raise BadInput("give a record ID, e.g. coursera-1a2b-3c4d-5e6f")
        limit = self.settings.limits.max_record_id
        if len(rid) > limit:
            raise BadInput(f"a record ID is at most {limit} characters (this one has "
                           f"{len(rid):,}); IDs look like coursera-1a2b-3c4d-5e6f")
        try:
            clause = self.store.clause(rid)
        except Exception:
            close = self.store.find_records(rid[: max(4, len(rid) - 4)])
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            from corpus.errors import NotFound

            raise NotFound(f"no record {rid!r}{hint}") from None
        notes = [dict(r) for r in self.store.annotations_for(rid)]
        view = RecordView(clause, notes)
        self._add_labels(view)
        self._add_history(view)
        view.store = self.store
        return view

    def _add_labels(self, view: RecordView) -> None:
        from assistant.labels import record_labels

        labels = record_labels(self.store, view.clause.record_id)
        if labels is None or not labels.categories:
            return
        view.labels = labels
        view.category = ", ".join(f"{c.name} ({c.confidence:.0%})" for c in labels.categories)
        view.severity = labels.severity or ""
        view.prevalence = "; ".join(f"{c.name}: {c.prevalence}" for c in labels.categories)
        seen: set[str] = set()
        for c in labels.categories:
            for sim in c.similar:
                if sim.record_id not in seen:
                    seen.add(sim.record_id)
                    view.similar.append({"record_id": sim.record_id, "platform": sim.platform,
                                         "doc_type": f"{sim.doc_type} · {c.name} · "
                                                     f"{sim.severity}", "text": sim.text})

    def _add_history(self, view: RecordView) -> None:
        from corpus.changes import history_of

        try:
            hist = history_of(self.store, view.clause.record_id)
        except Exception:  # no change records yet (read-only store): the page goes without
            return
        for ch in hist.changes:
            view.history.append({"date": f"{ch.from_date} → {ch.to_date}",
                                 "change": f"{ch.kind} ({ch.change_id})",
                                 "summary": ch.summary})


def _record_answer(view: RecordView) -> Answer:
    from assistant.types import Citation

    c = view.clause
    hit = Hit(c.record_id, c.platform, "", c.doc_type, c.document_id, c.section, c.text)
    cite = Citation(c.record_id, c.platform, c.doc_type, c.section, c.text, 0, len(c.text), {}, 1)
    where = f" ({c.section})" if c.section else ""
    text = (f"{c.platform} — {c.doc_type}{where}, version of {c.version_date} [1]\n\n"
            f"“{c.text}” {c.record_id}")
    return Answer(text=text, citations=[cite], evidence=[hit], route="record",
                  focus=f"Record {c.record_id}")
