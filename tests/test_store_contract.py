"""One contract for every vector store: the embedded Chroma and a real Chroma server.

The server tier starts `chroma run --path TMP --host 127.0.0.1 --port FREE` itself, waits for
its heartbeat and stops it afterwards. Store tests use tiny hand-written 4-d vectors whose
nearest neighbours are known; the assistant test runs the fixture corpus over both stores and
expects the same cited records.
"""

from __future__ import annotations

import itertools
import math

import pytest

from assistant.chroma_store import ChromaIndex
from corpus.errors import StoreUnavailable
from evals.chroma_server import ChromaServer, free_port
from tests.conftest import FIXTURE_SOURCES, build_assistant


def _unit(*xs: float) -> list[float]:
    n = math.sqrt(sum(x * x for x in xs))
    return [x / n for x in xs]


Q = [1.0, 0.0, 0.0, 0.0]
# cosine to Q: a 1.0, b 0.8, c 0.6, d 0.3, e 0.0
VECTORS = {
    "a": _unit(1, 0, 0, 0),
    "b": _unit(0.8, 0.6, 0, 0),
    "c": _unit(0.6, 0, 0.8, 0),
    "d": _unit(0.3, 0, 0, math.sqrt(1 - 0.09)),
    "e": _unit(0, 1, 0, 0),
}
META = {  # c is a history clause: in force from 2018-01-01 until 2020-01-01
    "a": {"platform_id": "p1", "doc_type": "tos", "current": 1, "valid_from": 20200101,
          "valid_to": 99991231},
    "b": {"platform_id": "p2", "doc_type": "privacy", "current": 1, "valid_from": 20190101,
          "valid_to": 99991231},
    "c": {"platform_id": "p1", "doc_type": "tos", "current": 0, "valid_from": 20180101,
          "valid_to": 20200101},
    "d": {"platform_id": "p2", "doc_type": "tos", "current": 1, "valid_from": 20210301,
          "valid_to": 99991231},
    "e": {"platform_id": "p3", "doc_type": "tos", "current": 1, "valid_from": 20200101,
          "valid_to": 99991231},
}
STORES = ["embedded", pytest.param("server", marks=pytest.mark.server)]
_names = itertools.count()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    with ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db") as srv:
        yield srv


@pytest.fixture(params=STORES)
def make_index(request, tmp_path):
    """A factory of empty ChromaIndex objects of the parametrised kind."""

    def make(model: str = "contract-test", name: str = "") -> ChromaIndex:
        name = name or f"contract_{next(_names)}"
        if request.param == "server":
            srv = request.getfixturevalue("chroma_server")
            return ChromaIndex(url=srv.url, model=model, collection=name)
        return ChromaIndex(tmp_path / "chroma", model=model, collection=name)

    return make


@pytest.fixture()
def index(make_index) -> ChromaIndex:
    idx = make_index()
    idx.add([(rid, vec, META[rid]) for rid, vec in VECTORS.items()])
    return idx


def _ids(idx: ChromaIndex, k: int = 5, where: dict | None = None, q: list[float] = Q
         ) -> list[str]:
    return [h.record_id for h in idx.query(q, k, where)]


def test_nearest_ids_in_order_with_cosine_scores(index):
    hits = index.query(Q, 5)
    assert [h.record_id for h in hits] == ["a", "b", "c", "d", "e"]
    assert [round(h.score, 3) for h in hits] == [1.0, 0.8, 0.6, 0.3, 0.0]
    assert _ids(index, 2) == ["a", "b"]
    assert _ids(index, 1, q=VECTORS["e"]) == ["e"]


def test_filters(index):
    assert _ids(index, where={"platform_id": ["p2"]}) == ["b", "d"]
    assert _ids(index, where={"platform_id": ["p2", "p3"]}) == ["b", "d", "e"]
    assert _ids(index, where={"current": 1}) == ["a", "b", "d", "e"]
    assert _ids(index, where={"platform_id": ["p1"], "current": 1}) == ["a"]
    assert _ids(index, where={"doc_type": ["privacy"]}) == ["b"]
    # the versions in force on 2019-06-01: valid_from <= day < valid_to
    day = 20190601
    assert _ids(index, where={"valid_from": ("<=", day), "valid_to": (">", day)}) == ["b", "c"]
    assert _ids(index, where={"platform_id": ["p9"]}) == []


def test_ids_count_and_metadata(index):
    listed = index.ids()
    assert sorted(listed) == ["a", "b", "c", "d", "e"]
    assert index.count() == 5
    for rid, meta in META.items():
        assert {k: listed[rid][k] for k in meta} == meta


def test_update_metadata_merges(index):
    index.update_metadata([("c", {"current": 1, "valid_to": 99991231})])
    assert _ids(index, where={"current": 1}) == ["a", "b", "c", "d", "e"]
    assert _ids(index, where={"platform_id": ["p1"]}) == ["a", "c"]  # platform kept
    assert index.ids()["c"]["valid_from"] == 20180101
    assert _ids(index) == ["a", "b", "c", "d", "e"]  # the vector is untouched


def test_delete(index):
    index.delete(["a", "d"])
    assert sorted(index.ids()) == ["b", "c", "e"]
    assert index.count() == 3
    assert _ids(index) == ["b", "c", "e"]
    index.delete([])
    assert index.count() == 3


def test_reopening_keeps_vectors_and_another_model_starts_again(make_index):
    name = f"contract_{next(_names)}"
    make_index("model-1", name).add([("a", VECTORS["a"], META["a"])])
    assert sorted(make_index("model-1", name).ids()) == ["a"]
    assert make_index("model-2", name).count() == 0


def test_collection_made_with_another_ef_search_is_switched_when_reopened(make_index):
    from assistant.chroma_store import HNSW

    idx = make_index(name="ef_switch")
    assert idx.ef_search == HNSW["ef_search"]
    idx.set_ef_search(200)
    assert idx.ef_search == 200
    # reopened by the project, the search breadth is the project's again; vectors stay
    idx.add([("a", VECTORS["a"], META["a"])])
    again = make_index(name="ef_switch")
    assert again.ef_search == HNSW["ef_search"]
    assert again.count() == 1


def test_server_that_is_down_is_reported_in_one_line():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailable) as err:
        ChromaIndex(url=url, model="m")
    msg = str(err.value)
    assert msg.startswith(f"cannot reach the Chroma server at {url} (")
    assert "\n" not in msg


def test_cli_with_server_down_prints_one_line_and_exit_5(tmp_path, capsys):
    from assistant.cli import main

    url = f"http://127.0.0.1:{free_port()}"
    base = ["--data-dir", str(tmp_path / "data"), "--chroma-url", url, "--embedder", "hash"]
    assert main(base + ["ingest", "--quiet", *map(str, FIXTURE_SOURCES)]) == 5
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert lines == [lines[0]] and lines[0].startswith(f"error: cannot reach the Chroma server "
                                                       f"at {url}")
    assert "Traceback" not in err
    # the records went into SQLite before the index failed; asking says the same one line
    assert main(base + ["ask", "Can Streamly close my account?"]) == 5
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot reach the Chroma server at {url}")
    assert err.count("\n") == 1


QUESTIONS = [
    "Can Streamly close my account?",
    "Does Streamly sell my personal data?",
    "How old do I have to be to use Learnify?",
    "Can Chatterbox remove my posts?",
    "Will Chatterbox use my posts to train AI?",
    "Do I have to go to arbitration with Streamly?",
    # no platform named: the dense stage asks the vector store (platform-scoped questions are
    # answered by exact search over the platform's vectors)
    "Can the service close my account without notice?",
    "Is my data sold to advertisers?",
]
TERMINATION = "streamly-bf7b-32gp-7whs"  # "Streamly may suspend or terminate your account..."


@pytest.mark.server
def test_assistant_over_server_gives_the_same_answers(tmp_path, chroma_server):
    embedded = build_assistant(tmp_path / "embedded")
    served = build_assistant(tmp_path / "served", chroma_url=chroma_server.url)
    assert served.chroma.url == chroma_server.url
    assert served.chroma.count() == embedded.chroma.count() == len(
        list(served.store.index_rows()))
    for q in QUESTIONS:
        dense_e = [h.record_id for h in embedded.retrieve(q, mode="dense")]
        dense_s = [h.record_id for h in served.retrieve(q, mode="dense")]
        assert dense_s == dense_e and dense_e, q
        cited_e = [c.record_id for c in embedded.ask(q).citations]
        cited_s = [c.record_id for c in served.ask(q).citations]
        assert cited_s == cited_e, q
    assert TERMINATION in {c.record_id for c in served.ask(QUESTIONS[0]).citations}


@pytest.mark.server
def test_server_dying_mid_sync_then_rerun_completes_without_duplicates(tmp_path, monkeypatch):
    from assistant.core import Assistant
    from assistant.embedder_factory import make_embedder
    from assistant.settings import Settings

    monkeypatch.setattr("assistant.chroma_store.BATCH", 4)
    srv = ChromaServer(tmp_path / "db").start()
    try:
        settings = Settings.from_env(data_dir=tmp_path / "data", embedder="hash",
                                     chroma_url=srv.url)
        embedder = make_embedder("hash")

        class DiesAfterFirstBatch(ChromaIndex):
            """The real server is killed (SIGKILL) once the first batch has been stored."""

            batches = 0

            def _guard(self, what, fn, *args, **kwargs):
                if what == "adding vectors" and self.batches == 1:
                    srv.kill()
                out = super()._guard(what, fn, *args, **kwargs)
                self.batches += what == "adding vectors"
                return out

        dying = DiesAfterFirstBatch(url=srv.url, model=embedder.name)
        first = Assistant(settings, embedder=embedder, chroma=dying)
        with pytest.raises(StoreUnavailable) as err:
            first.ingest(list(FIXTURE_SOURCES))
        msg = str(err.value)
        assert "\n" not in msg
        assert msg.startswith(f"the Chroma server at {srv.url} failed while adding vectors (")
        assert "run the same command again" in msg
        wanted = {r["record_id"] for r in first.store.index_rows()}
        assert len(wanted) > 8  # more than the two batches that were attempted
        first.store.close()

        srv = ChromaServer(tmp_path / "db", port=srv.port).start()  # back on the same data
        again = Assistant(settings, embedder=embedder)
        kept = again.chroma.count()
        assert 0 < kept < len(wanted)  # the first batch survived the crash, the rest did not
        summary, stats = again.ingest(list(FIXTURE_SOURCES))
        assert summary.new_documents == 0  # SQLite already had everything
        assert stats.added == len(wanted) - kept
        assert again.chroma.count() == len(wanted)
        assert set(again.chroma.ids()) == wanted
        assert TERMINATION in {c.record_id for c in again.ask(QUESTIONS[0]).citations}
    finally:
        srv.stop()


def _iso(day: int) -> str:
    s = str(day)
    return f"{s[:4]}-{s[4:6]}-{s[6:]}"


@pytest.mark.parametrize(("filters", "k", "q", "want"), [
    ({}, 5, Q, ["a", "b", "d", "e"]),  # current clauses only: c is history
    ({"platforms": ("p1",)}, 5, Q, ["a"]),
    ({"doc_types": ("tos",)}, 2, Q, ["a", "d"]),
    ({"as_of": "2019-06-01"}, 5, Q, ["b", "c"]),
    # only c was in force then, and it is 4th of 5 for this query: the over-fetched list
    # (3 x k) misses it, so the retriever falls back to filtering inside Chroma
    ({"as_of": "2018-06-01"}, 1, VECTORS["d"], ["c"]),
])
@pytest.mark.parametrize("exact_in_scope", [False, True])
def test_dense_retriever_filters_over_the_store(index, filters, k, q, want, exact_in_scope):
    from llama_index.core.schema import QueryBundle

    from assistant.index import ClauseTable
    from assistant.retrieve import DenseRetriever
    from assistant.scoped import ScopedVectors
    from assistant.types import Filters

    rows = [{"record_id": rid, "text": f"clause {rid}", "platform_id": m["platform_id"],
             "doc_type": m["doc_type"], "current": bool(m["current"]), "embed_key": rid,
             "valid_from": _iso(m["valid_from"]), "valid_to": _iso(m["valid_to"])}
            for rid, m in META.items()]
    table = ClauseTable.from_rows(rows)
    scoped = ScopedVectors(VectorRows(), "m", table) if exact_in_scope else None
    retriever = DenseRetriever(lambda: index, None, table, Filters(**filters), k=k, scoped=scoped)
    got = retriever.retrieve(QueryBundle("q", embedding=list(q)))
    assert [n.node.node_id for n in got] == want
    if exact_in_scope and filters.get("platforms"):
        assert [round(n.score, 3) for n in got] == [1.0]  # a, exact cosine


class VectorRows:
    """The store's ``embeddings`` lookup over the hand-written vectors."""

    def embeddings(self, model, keys):
        import numpy as np

        return {k: np.array(VECTORS[k], dtype=np.float32).tobytes() for k in keys}


@pytest.mark.server
def test_cli_takes_the_server_from_the_environment(tmp_path, monkeypatch, capsys):
    from assistant.cli import main
    from assistant.embedder_factory import make_embedder

    with ChromaServer(tmp_path / "db") as srv:
        monkeypatch.setenv("POLICY_ASSISTANT_CHROMA_URL", srv.url)
        data = tmp_path / "data"
        base = ["--data-dir", str(data), "--embedder", "hash"]
        assert main(base + ["ingest", "--quiet", *map(str, FIXTURE_SOURCES)]) == 0
        assert main(base + ["ask", "Can Streamly close my account?"]) == 0
        assert TERMINATION in capsys.readouterr().out
        assert not (data / "chroma").exists()  # nothing went to an embedded store
        served = ChromaIndex(url=srv.url, model=make_embedder("hash").name)
        assert TERMINATION in served.ids()
        from corpus.store import Store

        assert served.count() == len(list(Store(data / "store.sqlite").index_rows())) > 8


class _Locked(Exception):
    """What chromadb raises when SQLite answers SQLITE_BUSY at once (the message is Chroma's)."""

    def __init__(self) -> None:
        super().__init__("Database error: error returned from database: (code: 5) database is "
                         "locked")


def _locked_then(value: object, times: int):
    calls: list[int] = []

    def fn() -> object:
        calls.append(1)
        if len(calls) <= times:
            raise _Locked()
        return value

    return fn, calls


def test_a_locked_database_is_tried_again_until_it_is_free(tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.chroma_store.BUSY_WAITS", (0.0, 0.0, 0.0))
    idx = ChromaIndex(tmp_path / "chroma", model="m")
    fn, calls = _locked_then(7, times=3)
    assert idx._guard("counting vectors", fn) == 7
    assert len(calls) == 4


def test_a_database_locked_past_every_pause_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.chroma_store.BUSY_WAITS", (0.0, 0.0))
    idx = ChromaIndex(tmp_path / "chroma", model="m")
    fn, calls = _locked_then(7, times=99)
    with pytest.raises(StoreUnavailable) as err:
        idx._guard("counting vectors", fn)
    assert len(calls) == 3
    assert str(err.value) == ("the embedded Chroma store failed while counting vectors "
                              "(_Locked: Database error: error returned from database: (code: 5)"
                              " database is locked)")


def test_opening_a_store_that_is_locked_is_tried_again(tmp_path, monkeypatch):
    """The path that failed CI: a second client reopening a store just written to."""
    monkeypatch.setattr("assistant.chroma_store.BUSY_WAITS", (0.0, 0.0))
    ChromaIndex(tmp_path / "chroma", model="m").add([("a", VECTORS["a"], META["a"])])
    real_open = ChromaIndex._open
    fails = [_Locked(), _Locked()]

    def locked_open(self, name):
        if fails:
            raise fails.pop()
        return real_open(self, name)

    monkeypatch.setattr(ChromaIndex, "_open", locked_open)
    again = ChromaIndex(tmp_path / "chroma", model="m")
    assert fails == [] and again.count() == 1
    fails.extend([_Locked()] * 3)
    with pytest.raises(StoreUnavailable, match=r"is not usable \(_Locked: .*database is locked"):
        ChromaIndex(tmp_path / "chroma", model="m")


def test_other_failures_are_not_tried_again(tmp_path):
    idx = ChromaIndex(tmp_path / "chroma", model="m")
    calls: list[int] = []

    def fn() -> None:
        calls.append(1)
        raise ValueError("bad id")

    with pytest.raises(StoreUnavailable, match=r"\(ValueError: bad id\)$"):
        idx._guard("deleting vectors", fn)
    assert calls == [1]
