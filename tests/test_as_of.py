"""Date-scoped retrieval: Filters(as_of=DATE) searches the versions in force on DATE."""

from __future__ import annotations

import pytest

from assistant.types import Filters
from corpus import changes as ch
from tests.conftest import build_assistant
from tests.history_fixture import (
    FIXTURE_HISTORY,
    OPT_OUT,
    TRIAL_7,
    TRIAL_30,
    USE_NEW,
    USE_OLD,
    V1,
    V2,
    V3,
    write_snapshot,
)

QUESTION = "Can Videomeet use my customer content to train artificial intelligence models?"


@pytest.fixture(scope="module")
def history_assistant(tmp_path_factory):
    return build_assistant(tmp_path_factory.mktemp("history-data"), sources=[FIXTURE_HISTORY])


def version_ids(a, date: str) -> set[str]:
    doc = a.store.clause(USE_NEW).document_id
    vers = [v for v in a.store.versions_of(doc) if v.version_date <= date]
    return {c.record_id for c in ch.version_clauses(a.store, vers[-1].version_id)}


def in_force(a, as_of: str) -> set[str]:
    mask = a.table.mask(("videomeet",), (), as_of)
    return {rid for rid, ok in zip(a.table.ids, mask, strict=True) if ok}


@pytest.mark.parametrize("as_of,version", [
    ("2023-03-01", V1), ("2023-07-15", V1), ("2023-08-09", V1), ("2023-08-10", V2),
    ("2024-02-29", V2), ("2024-03-01", V3), ("2026-01-01", V3)])
def test_the_mask_holds_exactly_the_version_in_force(history_assistant, as_of, version):
    a = history_assistant
    assert in_force(a, as_of) == version_ids(a, version)


def test_before_the_first_tracked_version_nothing_is_in_force(history_assistant):
    assert in_force(history_assistant, "2023-02-28") == set()


def test_no_date_means_the_current_version(history_assistant):
    a = history_assistant
    mask = a.table.mask(("videomeet",), (), "")
    assert {r for r, ok in zip(a.table.ids, mask, strict=True) if ok} == version_ids(a, V3)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_retrieval_returns_the_clause_in_force_on_the_date(history_assistant, mode):
    a = history_assistant

    def found(as_of: str) -> list[str]:
        return [h.record_id for h in a.retrieve(QUESTION, Filters(("videomeet",), (), as_of),
                                                k=10, mode=mode)]

    july = found("2023-07-15")
    assert USE_OLD in july and USE_NEW not in july and OPT_OUT not in july
    assert set(july) <= version_ids(a, V1)
    september = found("2023-09-01")
    assert USE_NEW in september and OPT_OUT in september and USE_OLD not in september
    now = found("")
    assert USE_NEW in now and OPT_OUT not in now and USE_OLD not in now
    assert TRIAL_30 not in found("2024-03-02") and TRIAL_7 not in found("2023-09-01")


def test_a_dated_answer_cites_only_clauses_in_force_then(history_assistant):
    a = history_assistant
    answer = a.ask(QUESTION, Filters(("videomeet",), (), "2023-07-15"))
    cited = {c.record_id for c in answer.citations}
    assert cited and cited <= version_ids(a, V1)
    assert answer.meta["as_of"] == "2023-07-15"


def test_a_clause_removed_and_restored_is_not_in_force_in_between(tmp_path):
    keep = "You can export your meeting recordings at any time from your account page."
    back = "We keep meeting recordings for ninety days unless you delete them sooner."
    v1 = f"# Gapline Terms\n\n## Recordings\n\n{keep}\n\n{back}\n"
    v2 = f"# Gapline Terms\n\n## Recordings\n\n{keep}\n"
    extra = "Hosts can turn off recording for every participant in their meetings."
    v3 = f"{v1}\n{extra}\n"  # not byte-identical to v1: the store keeps one version per text
    src = write_snapshot(tmp_path / "ota", "Gapline",
                         {"2022-01-01": v1, "2022-06-01": v2, "2023-01-01": v3})
    a = build_assistant(tmp_path / "data", sources=[src])
    rid_back = next(rid for i, rid in enumerate(a.table.ids) if a.table.text(i) == back)

    def valid(as_of: str) -> bool:
        mask = a.table.mask(("gapline",), (), as_of)
        return bool(mask[a.table.pos[rid_back]])

    assert [valid(d) for d in ("2022-03-01", "2022-07-01", "2023-02-01", "")] == [
        True, False, True, True]
    for mode in ("dense", "lexical", "hybrid"):
        hits = a.retrieve("how long are meeting recordings kept ninety days",
                          Filters(("gapline",), (), "2022-07-01"), mode=mode)
        assert rid_back not in {h.record_id for h in hits}
        hits = a.retrieve("how long are meeting recordings kept ninety days",
                          Filters(("gapline",), (), "2023-02-01"), mode=mode)
        assert hits[0].record_id == rid_back
