"""The composition root: ``build_assistant(settings, **parts)`` builds the assistant from
settings (tests pass their own parts: embedder, store, Chroma index, trained model) and
``Assistant`` sends every question and conversation turn through ``assistant.router`` to one
handler. Handlers get the narrow parts they use, never the assistant itself.

Parts are built on first use, and ``load_timings`` records what each cost, so a command pays
only for what its question needs (``evals/bench_cold.py`` prints the breakdown).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assistant.answer import DefaultAnswerer, Thresholds
from assistant.chat import HELP_TEXT, Session, Turn, describe
from assistant.embedder import Embedder
from assistant.embedder_factory import make_embedder
from assistant.index import ClauseTable, SyncStats, sync
from assistant.platforms import PlatformMatcher
from assistant.records import RecordView, record_answer, record_view
from assistant.rerank import FULL, FUSED, Stages
from assistant.router import Route, Router
from assistant.runtime_index import RuntimeIndex, load_runtime_index
from assistant.settings import Settings
from assistant.types import Answer, Filters, Hit
from corpus.errors import BadInput
from corpus.ingest import IngestSummary, add_documents, ingest
from corpus.models import Document
from corpus.store import Store
from corpus.text import plain_text

if TYPE_CHECKING:  # these modules load heavy libraries: imported where first used
    from assistant.chroma_store import ChromaIndex
    from assistant.qa_model import QAModel
    from assistant.query_adapter import QueryAdapter
    from assistant.search import Searcher
    from corpus.changes import ChangeRecord
    from corpus.watches import Digest, Watch

MAX_QUESTION = 2000
T = TypeVar("T")


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


class Assistant:
    def __init__(self, settings: Settings, *, store: Store | None = None,
                 embedder: Embedder | None = None, chroma: ChromaIndex | None = None,
                 qa: QAModel | None = None):
        self.settings = settings
        self.store = store or Store(settings.store_path)
        self._embedder = embedder
        self._chroma = chroma
        self._qa: QAModel | None = qa
        self._adapter: tuple[QueryAdapter | None] | None = None
        self._index: RuntimeIndex | None = None
        self._searcher: Searcher | None = None
        self._answerer: DefaultAnswerer | None = None
        self._generator: Any = None  # GenerativeAnswerer when settings.llm_url is set
        self._matcher: PlatformMatcher | None = None
        self._router: Router | None = None
        self.load_timings: dict[str, float] = {}  # part -> ms it took to load

    def _timed(self, part: str, build: Callable[[], T]) -> T:
        t = time.perf_counter()
        value = build()
        self.load_timings[part] = (time.perf_counter() - t) * 1000
        return value

    # ---- parts, built on first use -------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            s = self.settings
            self._embedder = self._timed("embedder_ms", lambda: make_embedder(
                s.embedder, precision=s.precision, max_seq_length=s.max_seq_length,
                threads=s.threads, cache_dir=s.cache_dir))
        return self._embedder

    @property
    def chroma(self) -> ChromaIndex:
        if self._chroma is None:
            from assistant.chroma_store import ChromaIndex

            self._chroma = self._timed("chroma_ms", lambda: ChromaIndex(
                self.settings.chroma_path, self.settings.chroma_url, model=self.embedder.name))
        return self._chroma

    @property
    def qa(self) -> QAModel | None:
        """The trained reranker / reader / yes-no model; None when settings turn it off."""
        if self._qa is None and self.settings.qa_enabled:
            from assistant.qa_model import MODEL_DIR, QAModel

            s = self.settings
            self._qa = self._timed("qa_ms", lambda: QAModel(
                Path(s.qa_model) if s.qa_model else MODEL_DIR, cache_dir=s.cache_dir,
                threads=s.threads, precision=s.qa_precision))
        return self._qa

    @property
    def query_adapter(self) -> QueryAdapter | None:
        """The trained question adapter; None when settings turn it off, or in ``auto`` when
        the embedder is not the model it was trained for (the test-only hash embedder)."""
        if self._adapter is None:
            self._adapter = (self._timed("adapter_ms", self._load_adapter),)
        return self._adapter[0]

    def _load_adapter(self) -> QueryAdapter | None:
        from assistant.query_adapter import MODEL_DIR, QueryAdapter

        s = self.settings
        mode = s.query_adapter_mode
        if mode == "off":
            return None
        adapter = QueryAdapter(Path(s.query_adapter_model) if s.query_adapter_model
                               else MODEL_DIR)
        if adapter.fits(self.embedder.name, self.embedder.dim):
            return adapter
        if mode == "on":
            raise BadInput(f"the question adapter {adapter.path} was trained for "
                           f"{adapter.embedder!r} vectors, not {self.embedder.name!r}")
        return None

    def stages(self) -> Stages:
        """The answering stages this assistant runs by default."""
        if not (self.settings.qa_enabled or self._qa is not None):
            return FUSED
        return replace(FULL, candidates=self.settings.candidates or FULL.candidates)

    @property
    def matcher(self) -> PlatformMatcher:
        if self._matcher is None:
            self._matcher = PlatformMatcher(self.store.platforms())
        return self._matcher

    @property
    def index(self) -> RuntimeIndex:
        """Clause table, BM25 and idf of the store as it is (IndexMissing when empty)."""
        if self._index is None:
            self._index = self._timed("index_ms", lambda: load_runtime_index(
                self.store, self.settings.cache_dir))
        return self._index

    @property
    def table(self) -> ClauseTable:
        return self.index.table

    def refresh(self) -> None:
        """Forget what was loaded from the store; call after changing the store directly."""
        self._index = self._searcher = self._answerer = self._generator = None
        self._matcher = self._router = None

    def warm(self) -> None:
        """Load every part a question can need (servers call this before the first user)."""
        _ = self.answerer, self.search, self.embedder, self.chroma, self.qa, self.query_adapter

    @property
    def answerer(self) -> DefaultAnswerer:
        if self._answerer is None:
            thresholds = (Thresholds(dense=0.35, coverage=0.6)
                          if self.embedder.name.startswith("hash") else Thresholds())
            self._answerer = DefaultAnswerer(self.index.idf, thresholds)
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

    @property
    def search(self) -> Searcher:
        if self._searcher is None:
            index = self.index
            # the retrievers' module loads llama-index: timed as part of loading
            self._searcher = self._timed("search_ms", lambda: _searcher(
                self.store, index, lambda: self.embedder, lambda: self.chroma,
                lambda: self.query_adapter))
        return self._searcher

    @property
    def router(self) -> Router:
        if self._router is None:
            from corpus.labels import has_labels

            self._router = Router(self.matcher, lambda: has_labels(self.store),
                                  self.store.doc_types)
        return self._router

    def platform_names(self) -> dict[str, str]:
        return self.matcher.names

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
        self.embedder.set_threads(self.settings.ingest_threads or os.cpu_count() or 1)
        stats = sync(self.store, self.embedder, self.chroma, on_embed_start, on_embedded)
        self.embedder.set_threads(self.settings.threads)
        self.refresh()
        return stats

    def reindex(self) -> SyncStats:
        """Make Chroma match the store (after documents were added to the store directly)."""
        stats = sync(self.store, self.embedder, self.chroma)
        self.refresh()
        return stats

    # ---- asking --------------------------------------------------------------------------

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

    def retrieve(self, question: str, filters: Filters | None = None, k: int = 10,
                 mode: str = "hybrid", timings: dict[str, float] | None = None) -> list[Hit]:
        return self.search(question, filters, k=k, mode=mode, timings=timings)

    def candidates(self, question: str, filters: Filters, k: int | None = None,
                   mode: str = "hybrid") -> list[Hit]:
        """The clauses the answering model reads for ``question`` (``k``: as many as the
        default stages read), in their fused order: the search ``ask`` runs, without the
        platform names that became filters or a stated age."""
        from assistant.plain_answers import search_clauses

        return search_clauses(self.search, self.matcher, question, filters, mode,
                              k or self.stages().candidates)

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
        _ = self.index  # an empty store says how to build the index before anything else
        answer = self._handle(self.router.question(q, filters, history=route), q, mode,
                              stages or self.stages(), t0)
        if route and answer.route != "missing" and "missing_platforms" not in answer.meta:
            # "Do Zoom and Slack keep my messages?": answered for Zoom, and Slack said missing
            known = self.matcher.find_spans(q)
            gone = [n for n, _, _ in self.matcher.unknown_spans(q, known)] if known else []
            if gone:
                from assistant.plain_answers import left_out

                answer.text += "\n\n" + left_out(gone, len(self.matcher.names))
                answer.meta["missing_platforms"] = gone
        return answer

    def _handle(self, r: Route, q: str, mode: str, stages: Stages, t0: float) -> Answer:
        """The one handler a route names, given the parts it uses."""
        from assistant import changes_qa, label_answers, regulation_answers
        from assistant.plain_answers import describe_search, not_in_corpus

        names = self.matcher.names
        f = r.filters
        # the eval's "plain" column: every handler searches without the question adapter
        search = self.search if stages.adapt else functools.partial(self.search, adapt=False)
        if r.kind == "missing":
            return not_in_corpus(r.missing, len(names), time.perf_counter() - t0)
        if r.kind == "change":
            pids = list(f.platforms) or self.matcher.find(q)
            parts = changes_qa.ChangeParts(self.store, names, search, self.answerer)
            answer = changes_qa.answer_change_question(parts, q, pids, r.dates)
        elif r.kind == "dated":
            assert r.dates is not None
            f = Filters(f.platforms or tuple(self.matcher.find(q)), f.doc_types, f.as_of)
            answer = changes_qa.answer_dated_question(  # the same stages (eval ablations)
                self.store, lambda q2, f2: self.ask(q2, f2, mode=mode, stages=stages), q, f,
                r.dates)
        elif r.kind in ("regulation", "severity", "prevalence"):
            if r.kind == "regulation":
                assert r.regulation is not None
                answer = regulation_answers.regulation_answer(self.store, names,
                                                              r.regulation, f)
            elif r.kind == "severity":
                answer = label_answers.severity_answer(self.store, names, search, q, f,
                                                       list(r.severities), r.category)
            else:
                assert r.category is not None
                answer = label_answers.category_answer(self.store, search, q,
                                                       r.category, f)
            answer.timings = {"total_ms": (time.perf_counter() - t0) * 1000}
            answer.focus = describe_search(self.search, names, f)
            return answer
        else:
            return self._plain(q, f, mode, stages)
        answer.timings.setdefault("total_ms", (time.perf_counter() - t0) * 1000)
        return answer

    def _plain(self, q: str, f: Filters, mode: str, stages: Stages) -> Answer:
        from assistant.plain_answers import PlainParts, answer_question

        parts = PlainParts(self.search, self.answerer, self.matcher,
                           lambda: self.qa, lambda: self.generator)
        return answer_question(parts, q, f, mode, stages)

    # ---- conversation --------------------------------------------------------------------

    def compare(self, topic: str, platforms: list[str], doc_types: list[str] | None = None,
                as_of: str = "") -> Answer:
        """The same topic for each platform (names or IDs), one row per platform."""
        from assistant.citations import verify
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
        names = self.matcher.names
        answer = compare(self.store, self.search, self.answerer, names, lambda: self.qa,
                         topic, list(f.platforms), f.doc_types, as_of)
        verify(answer, answer.evidence)
        answer.focus = f"Comparing {' and '.join(names[p] for p in pids)} on: {topic}"
        answer.timings = {"total_ms": (time.perf_counter() - t0) * 1000}
        return answer

    def chat(self, session: Session, message: str) -> Answer:
        """One turn of a conversation; ``session`` is updated."""
        from assistant.plain_answers import left_out, not_in_corpus

        t0 = time.perf_counter()
        msg = clean_question(message)
        _ = self.index
        res = self.router.turn(session, msg)
        names = self.matcher.names
        if res.route == "help":
            answer = Answer(text=HELP_TEXT, citations=[], evidence=[], route="help")
        elif res.route == "record":
            answer = record_answer(self.record(res.record_id))
        elif res.route == "missing":  # the platforms in focus stay; a topic of its own is kept
            session.topic, session.question = res.topic, res.question
            session.topic_doc_types = res.doc_types
            answer = not_in_corpus(res.missing[0], len(names), time.perf_counter() - t0)
            answer.route = "missing"
        else:
            session.platforms, session.topic, session.question = (
                res.platforms, res.topic, res.question)
            session.mentioned = res.mentioned
            session.topic_doc_types = res.doc_types
            doc_types = list(res.doc_types or session.doc_types)
            f = Filters(tuple(res.platforms), tuple(doc_types))
            history = self.router.history(msg, f)
            if res.route == "compare" and history is not None and history.kind != "change":
                history = None  # a dated comparison stays a table; "what changed in both?" not
            if history is not None:
                answer = self._handle(history, msg, "hybrid", self.stages(), t0)
            elif res.route == "compare":
                answer = self.compare(res.topic, res.platforms, doc_types)
            else:
                answer = self.ask(res.question or res.topic, f, route=False)
            if history is None:
                answer.route = res.route
                answer.focus = describe(res, names, doc_types)
            if res.missing:
                answer.text += "\n\n" + left_out(res.missing, len(names))
                answer.meta["missing_platforms"] = list(res.missing)
        answer.platforms = tuple(res.platforms)
        answer.meta.update({
            "route": answer.route, "topic": res.topic,
            "kept_platforms": res.kept_platforms, "kept_topic": res.kept_topic})
        session.turns.append(Turn(msg, answer.route, list(res.platforms), res.topic,
                                  [c.record_id for c in answer.citations]))
        return answer

    # ---- records -------------------------------------------------------------------------

    def record(self, record_id: str) -> RecordView:
        return record_view(self.store, record_id, self.settings.limits.max_record_id)

    # ---- monitoring ----------------------------------------------------------------------

    def changes(self, platform: str) -> list[ChangeRecord]:
        """A platform's change records between tracked versions (computed when missing)."""
        from corpus.changes import changes_for

        return changes_for(self.store, platform)

    def watches(self) -> list[Watch]:
        from corpus.watches import list_watches

        return list_watches(self.store)

    def add_watch(self, platform: str, doc_type: str = "", category: str = "") -> Watch:
        from corpus.watches import add_watch

        return add_watch(self.store, platform, doc_type, category)

    def remove_watch(self, watch_id: int) -> Watch:
        from corpus.watches import remove_watch

        return remove_watch(self.store, watch_id)

    def digest(self, since: str | None = None) -> Digest:
        """The watched changes since ``since`` (a day) or since the last marked digest; the
        mark never moves here (the command line's ``digest`` moves it)."""
        from corpus.watches import digest

        return digest(self.store, since=since)


def _searcher(store: Store, index: RuntimeIndex, embedder: Callable[[], Embedder],
              chroma: Callable[[], ChromaIndex],
              adapter: Callable[[], QueryAdapter | None]) -> Searcher:
    from assistant.search import Searcher

    return Searcher(store, index, embedder, chroma, adapter)


def build_assistant(settings: Settings, **parts: Any) -> Assistant:
    """The assistant for ``settings``; ``parts`` (store, embedder, chroma, qa) replace the
    ones settings would build."""
    return Assistant(settings, **parts)
