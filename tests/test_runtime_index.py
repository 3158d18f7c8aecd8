"""The runtime index cache (assistant/runtime_index.py): built once per corpus, read by later
processes without reading the clauses again, rebuilt when the corpus changes or the cache is
damaged."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, build_assistant

from assistant import Settings
from assistant import build_assistant as make
from corpus.store import Store

QUESTION = "Does Streamly sell my personal data?"


@pytest.fixture()
def built(tmp_path):
    a = build_assistant(tmp_path / "data")
    first = a.ask(QUESTION)
    return a, first


def _folders(a):
    return sorted(p.name for p in a.settings.cache_dir.glob("runtime-*"))


def test_a_later_process_reads_the_cache_not_the_clauses(built, monkeypatch):
    a, first = built
    assert _folders(a) == [f"runtime-v3-{a.store.fingerprint()}"]

    def no_rows(self):
        raise AssertionError("the clauses were read again")

    monkeypatch.setattr(Store, "index_rows", no_rows)
    again = make(Settings.from_env(data_dir=a.settings.data_dir, embedder="hash"))
    second = again.ask(QUESTION)
    assert second.text == first.text
    assert [c.record_id for c in second.citations] == [c.record_id for c in first.citations]
    assert again.table.ids == a.table.ids
    assert [again.table.row(i) for i in range(len(again.table))] == [
        a.table.row(i) for i in range(len(a.table))]


def test_a_changed_corpus_gets_a_new_cache_and_the_old_one_goes(built):
    a, _ = built
    before, rows = _folders(a), len(a.table)
    a.ingest([FIXTURES / "pages"])
    assert len(a.table) > rows  # loaded again after the ingest, with the pages' clauses
    assert _folders(a) == [f"runtime-v3-{a.store.fingerprint()}"] != before


def test_a_damaged_cache_is_built_again(built):
    a, first = built
    folder = a.settings.cache_dir / _folders(a)[0]
    for f in (folder / "bm25").iterdir():
        f.write_bytes(b"not an array")
    again = make(Settings.from_env(data_dir=a.settings.data_dir, embedder="hash"))
    assert again.ask(QUESTION).text == first.text
