"""Change records over a fixture document with three dated versions (MANIFEST snapshot layout:
tests/fixtures/ota-history, platform Videomeet: 2023-03-01 and 2023-08-10 in history/, the
current version dated 2024-03-01)."""

from __future__ import annotations

import re
import shutil

import pytest

from corpus import changes as ch
from corpus.errors import BadInput, NotFound, StoreUnavailable
from corpus.ingest import ingest
from corpus.store import Store
from tests.history_fixture import (
    AGE,
    FIXTURE_HISTORY,
    LAW,
    OPT_OUT,
    OWN,
    TERMINATE,
    TRIAL_7,
    TRIAL_30,
    USE_NEW,
    USE_OLD,
    V1,
    V2,
    V3,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    s = Store(tmp_path_factory.mktemp("changes") / "store.sqlite")
    summary = ingest(s, [FIXTURE_HISTORY])
    assert summary.problems == []
    assert summary.change_records == 7
    return s


def rows(records):
    return [(r.from_date, r.to_date, r.kind, r.reason, r.moved, r.old_ids, r.new_ids)
            for r in records]


def test_change_records_between_consecutive_versions(store):
    got = rows(ch.changes_for(store, "Videomeet"))
    assert got == [
        (V1, V2, "formatting", "markup", False, [AGE], [AGE]),  # **16**
        (V1, V2, "formatting", "markup", False, [OWN], [OWN]),  # straight -> curly quotes
        (V1, V2, "modified", "", False, [USE_OLD], [USE_NEW]),
        (V1, V2, "added", "", False, [], [OPT_OUT]),
        (V1, V2, "moved", "", True, [LAW], [LAW]),  # sections 3 and 4 swapped
        (V2, V3, "removed", "", False, [OPT_OUT], []),
        (V2, V3, "modified", "", False, [TRIAL_30], [TRIAL_7]),
    ]


def test_change_record_fields_ids_and_summaries(store):
    records = ch.changes_for(store, "videomeet")
    for r in records:
        assert re.fullmatch(r"chg-videomeet-tos-[0-9a-z]{4}-[0-9a-z]{8}", r.change_id)
        assert r.change_id.startswith(f"chg-{r.document_id}-")
        assert r.from_version.startswith(f"{r.document_id}@{r.from_date}.")
        assert r.to_version.startswith(f"{r.document_id}@{r.to_date}.")
        assert (r.platform, r.doc_type) == ("Videomeet", "Terms of Service")
    assert len({r.change_id for r in records}) == len(records)
    by_kind = {(r.to_date, r.kind): r for r in records}
    use = by_kind[(V2, "modified")]
    assert use.summary == ("Modified “2. Customer Content”: drops “only”; drops “and operate”; "
                           "adds “and to train our artificial intelligence models.”")
    assert ch.word_diff_text(use) == (
        "Videomeet may use Customer Content [-only-] to provide [-and operate-] the meeting "
        "service for you {+and to train our artificial intelligence models.+}")
    assert by_kind[(V3, "modified")].summary == "Modified “4. Free Trial”: now says “7” (was “30”)"
    assert by_kind[(V2, "added")].summary.startswith("Added “2. Customer Content”: “You can turn")


def test_recomputing_is_idempotent_and_ids_are_stable(store):
    before = [r.to_dict() for r in ch.changes_for(store, "Videomeet")]
    stats = ch.compute_changes(store)
    assert (stats.pairs_computed, stats.pairs_kept, stats.pairs_dropped) == (0, 2, 0)
    # force a recomputation: same records, same IDs
    store.conn.execute("UPDATE change_pairs SET algorithm='old'")
    stats = ch.compute_changes(store)
    assert (stats.pairs_computed, stats.records) == (2, 7)
    assert [r.to_dict() for r in ch.changes_for(store, "Videomeet")] == before
    n = store.conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0]
    assert n == 7


def test_unchanged_clause_keeps_its_record_id_in_every_version(store):
    vers = store.versions_of(store.clause(TERMINATE).document_id)
    assert [v.version_date for v in vers] == [V1, V2, V3]
    for v in vers:
        assert TERMINATE in {c.record_id for c in ch.version_clauses(store, v.version_id)}
    hist = ch.history_of(store, TERMINATE)
    assert [x["present"] for x in hist.versions] == [True, True, True]
    assert hist.changes == [] and hist.previous == [] and hist.next == []


def test_history_of_a_modified_clause_links_both_ways(store):
    new = ch.history_of(store, USE_NEW)
    assert [(x["date"], x["present"]) for x in new.versions] == [(V1, False), (V2, True),
                                                                   (V3, True)]
    assert [c.kind for c in new.changes] == ["modified"]
    assert new.previous == [USE_OLD] and new.next == []
    old = ch.history_of(store, USE_OLD)
    assert old.next == [USE_NEW] and old.previous == []
    trial = ch.history_of(store, TRIAL_30)
    assert [(c.kind, c.to_date) for c in trial.changes] == [("modified", V3)]
    assert trial.next == [TRIAL_7]
    law = ch.history_of(store, LAW)
    assert [(c.kind, c.to_date) for c in law.changes] == [("moved", V2)]
    assert law.next == [] and law.previous == []


def test_filters_on_dates_kinds_and_document(store):
    assert [r.kind for r in ch.changes_for(store, "Videomeet", since="2023-09-01")] == [
        "removed", "modified"]
    assert [r.kind for r in ch.changes_for(store, "Videomeet", until="2023-08-10")] == [
        "formatting", "formatting", "modified", "added", "moved"]
    assert ch.changes_for(store, "Videomeet", since="2023-08-11", until="2024-02-29") == []
    assert len(ch.changes_for(store, "Videomeet", kinds=("formatting",))) == 2
    assert len(ch.changes_for(store, "Videomeet", doc_type="terms of service")) == 7
    with pytest.raises(BadInput, match="it has: Terms of Service"):
        ch.changes_for(store, "Videomeet", doc_type="Privacy Policy")
    with pytest.raises(NotFound):
        ch.changes_for(store, "Nosuchplatform")


def test_diff_of_any_two_versions_by_id_prefix(store):
    doc = store.clause(TERMINATE).document_id
    got = ch.diff_versions(store, f"{doc}@{V1}", f"{doc}@{V3}")
    # the free-trial clause both moved and changed: one record, not a move of the law clause
    assert [(r.kind, r.moved, r.old_ids, r.new_ids) for r in got] == [
        ("formatting", False, [AGE], [AGE]), ("formatting", False, [OWN], [OWN]),
        ("modified", False, [USE_OLD], [USE_NEW]), ("modified", True, [TRIAL_30], [TRIAL_7])]
    assert got[-1].summary == "Modified “4. Free Trial” (and moved): now says “7” (was “30”)"
    with pytest.raises(NotFound, match="versions of"):
        ch.diff_versions(store, f"{doc}@1999-01-01", f"{doc}@{V3}")


def test_a_version_stored_between_two_others_replaces_their_pair(tmp_path):
    src = tmp_path / "ota"
    shutil.copytree(FIXTURE_HISTORY, src)
    manifest = src / "MANIFEST.jsonl"
    lines = manifest.read_text().splitlines()
    middle = [ln for ln in lines if V2 in ln]
    manifest.write_text("\n".join(ln for ln in lines if V2 not in ln) + "\n")
    s = Store(tmp_path / "store.sqlite")
    ingest(s, [src])
    assert {(r.from_date, r.to_date) for r in ch.changes_for(s, "Videomeet")} == {(V1, V3)}
    manifest.write_text("\n".join(lines) + "\n")
    assert middle
    summary = ingest(s, [src])
    assert summary.change_records == 7
    assert sorted({(r.from_date, r.to_date) for r in ch.changes_for(s, "Videomeet")}) == [
        (V1, V2), (V2, V3)]


def test_edit_summary_leaves_out_renumbered_list_items():
    from corpus.diff import word_diff

    ops = word_diff("77. You may share Customer Input with us.",
                    "78. You may share Customer Content with us.")
    assert ch.describe_edit(ops) == "now says “Content” (was “Input”)"
    only_numbers = word_diff("77. You may share it.", "78. You may share it.")
    assert ch.describe_edit(only_numbers) == "now says “78.” (was “77.”)"


def test_a_read_only_store_uses_the_records_it_has(store, tmp_path):
    import sqlite3

    copy = tmp_path / "copy.sqlite"
    with sqlite3.connect(copy) as dst:
        store.conn.backup(dst)
        dst.execute("UPDATE change_pairs SET algorithm='old'")  # stale: would be recomputed
    ro = Store(copy, read_only=True)
    assert len(ch.changes_for(ro, "Videomeet")) == 7
    # without change records a read-only store cannot answer: a clear error, not "no changes"
    with sqlite3.connect(tmp_path / "bare.sqlite") as dst:
        store.conn.backup(dst)
        for table in ("changes", "change_refs", "change_pairs", "change_log"):
            dst.execute(f"DELETE FROM {table}")
    ro = Store(tmp_path / "bare.sqlite", read_only=True)
    with pytest.raises(StoreUnavailable, match="run `policy-assistant ingest` once"):
        ch.changes_for(ro, "Videomeet")


def test_labels_name_the_kind_of_provision_and_relabelling_rewrites_summaries(tmp_path):
    s = Store(tmp_path / "store.sqlite")
    ingest(s, [FIXTURE_HISTORY])
    with s.conn:  # labels written straight into the table (no labels_model note)
        s.conn.executemany("INSERT INTO labels VALUES(?, ?, ?, '', '')", [
            (USE_NEW, "ai-training", 0.9), (USE_NEW, "data-sharing", 0.3),
            (TRIAL_7, "free-trial", 0.8)])
    stats = ch.compute_changes(s)
    assert stats.pairs_computed == 2
    by = {(r.to_date, r.kind): r.summary for r in ch.changes_for(s, "Videomeet")}
    assert by[(V2, "modified")].startswith(
        "Modified (ai-training, data-sharing?) “2. Customer Content”: drops “only”")
    assert by[(V3, "modified")] == ("Modified (free-trial) “4. Free Trial”: now says “7” "
                                    "(was “30”)")
    assert by[(V2, "added")].startswith("Added “2. Customer Content”")
    assert ch.compute_changes(s).pairs_computed == 0
