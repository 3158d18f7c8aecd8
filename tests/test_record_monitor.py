"""The monitoring part of a record page (assistant/monitor.py over corpus/activity.py,
corpus/citation.py, corpus/regulations.py) on a store of three fixtures: the two-version trial
document (tests/trial_fixture.py), the three-version Videomeet document and a saved record
page (Learnify, CA-P-990001). Labels are written by the test, so prevalence is known."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from assistant.monitor import as_slugs, record_monitor
from corpus import labels as store_labels
from corpus.activity import clause_stability, document_activity, months_between
from corpus.changes import compute_changes
from corpus.citation import citation_for
from corpus.ingest import ingest
from corpus.regulations import engaged, load_map, named_in, parse_map
from corpus.store import Store
from corpus.taxonomy import load_taxonomy
from tests import trial_fixture as T
from tests.conftest import FIXTURES
from tests.history_fixture import FIXTURE_HISTORY, OPT_OUT, TRIAL_7

SEED_PAGE = FIXTURES / "pages" / "record_page.txt"
SEED = "CA-P-990001"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("monitor")
    data = root / "data"
    store = Store(data / "store.sqlite")
    assert ingest(store, [T.write(root / "ota"), FIXTURE_HISTORY, SEED_PAGE]).problems == []
    store_labels.replace_labels(store, [
        (T.rid(T.TRIAL_OLD), "payments-refunds", 0.9, "Low", "test label"),
        (T.rid(T.TRIAL_NEW), "payments-refunds", 0.9, "Low", "test label"),
        (T.rid(T.CONDUCT), "scraping-automated-access", 0.8, "Medium", "test label"),
        (TRIAL_7, "payments-refunds", 0.7, "Low", "test label"),
    ], '{"embedder": "hash"}')
    compute_changes(store)  # as the next ingest does: change meanings name the new labels
    store.close()
    return data


@pytest.fixture()
def store(data_dir):
    s = Store(data_dir / "store.sqlite")
    yield s
    s.close()


def test_document_activity_windows_end_on_the_newest_version(store):
    a = document_activity(store, "coursera", "Terms of Service")
    assert (a.reference, a.reference_kind, a.last_30, a.last_90) == (
        T.NEW_DATE, "newest tracked version", 2, 2)
    assert [(r.old_ids, r.to_date) for r in a.recent] == [
        ([T.rid(T.TRIAL_OLD)], T.NEW_DATE), ([T.rid(T.CANCEL_OLD)], T.NEW_DATE)]
    assert a.sentence() == (
        "Coursera recorded 2 documented changes to its Terms of Service in the last 30 days "
        "(to 2026-05-27, the newest tracked version) and 2 in the last 90 days; tracked since "
        "2026-03-13 (2 versions).")
    later = document_activity(store, "coursera", "Terms of Service", today="2026-08-01")
    assert (later.last_30, later.last_90, later.reference_kind) == (0, 2, "given date")
    assert "in the last 30 days (to 2026-08-01)" in later.sentence()
    assert document_activity(store, "coursera", "Terms of Service", "2026-09-01").last_90 == 0


def test_activity_of_a_document_with_one_version(store):
    a = document_activity(store, "learnify", "Terms of Service")
    assert (a.document_ids, a.last_90, a.recent) == ([], 0, [])
    assert a.sentence() == ("Learnify's Terms of Service: no document of this type has two "
                            "tracked versions yet, so no change can be shown.")


def test_clause_stability_follows_earlier_wordings(store):
    s = clause_stability(store, T.rid(T.TRIAL_NEW))
    assert (s.status, s.changes, s.months, s.first_seen, s.last_seen, s.current) == (
        "Mostly stable", 1, 3, T.OLD_DATE, T.NEW_DATE, True)
    assert s.earlier == [T.rid(T.TRIAL_OLD)]
    assert s.sentence() == "This clause has changed once in 3 months of monitoring."
    same = clause_stability(store, T.rid(T.CONDUCT))
    assert (same.status, same.changes, same.first_seen, same.last_seen) == (
        "Stable", 0, T.OLD_DATE, T.NEW_DATE)
    assert same.sentence() == "This clause has not changed in 3 months of monitoring."
    gone = clause_stability(store, T.rid(T.TRIAL_OLD))
    assert (gone.current, gone.last_seen, gone.last_checked, gone.changes) == (
        False, T.OLD_DATE, T.NEW_DATE, 1)
    # added in the second version, removed in the third: two changes in seven months
    opt = clause_stability(store, OPT_OUT)
    assert (opt.status, opt.changes, opt.months, opt.first_seen, opt.last_seen) == (
        "Changes often", 2, 7, "2023-08-10", "2023-08-10")
    assert opt.sentence() == "This clause has changed twice in 7 months of monitoring."


def test_months_between():
    assert [months_between("2026-05-21", "2026-05-22"), months_between("2026-03-13",
            "2026-05-27"), months_between("2025-01-01", "2026-01-01")] == [1, 3, 12]


def test_citation_block_plain_and_bibtex(store):
    c = citation_for(store.clause(T.rid(T.CONDUCT)), accessed="2026-11-28")
    doc = c.document_id
    assert c.plain().splitlines() == [
        "Entity: Coursera",
        f"Document: Terms of Service ({doc}, version {c.version_id})",
        f"Record ID: {T.rid(T.CONDUCT)}",
        "Section: 3. Prohibited Conduct",
        "Captured: 2026-05-27",
        f"SHA-256: {c.sha256} (text of this version)",
        f"URL: {c.url}",
        "Accessed: 2026-11-28"]
    assert len(c.sha256) == 64 and c.version_id.startswith(f"{doc}@2026-05-27.")
    assert c.bibtex().splitlines() == [
        f"@misc{{{T.rid(T.CONDUCT)},",
        "  title        = {Coursera, Terms of Service, “3. Prohibited Conduct”},",
        "  author       = {{Coursera}},",
        f"  howpublished = {{\\url{{{c.url}}}}},",
        "  year         = {2026},",
        f"  note         = {{Record {T.rid(T.CONDUCT)}; document {doc}, version "
        f"{c.version_id.replace('_', chr(92) + '_')}; captured 2026-05-27; SHA-256 {c.sha256} "
        "(text of this version)},",
        "  urldate      = {2026-11-28}",
        "}"]


def test_citation_of_a_saved_record_page_uses_its_own_capture(store):
    c = citation_for(store.clause(SEED), accessed="2026-06-08")
    assert (c.entity, c.document, c.record_id, c.captured, c.url, c.accessed) == (
        "Learnify", "Learnify Terms of Use", SEED, "May 3, 2026 10:15 UTC",
        "https://monitor.example/platform/learnify/learnify-terms-of-use/account-termination/",
        "2026-06-08")
    assert c.sha256 == "5d41402abc4b2a76b9719d911017c592ae2f8a1d1e6a3c7b2f0e9d8c7b6a5f40"
    assert c.sha256_of == "source document, as stated on the record page"
    assert "  year         = {2026},\n" in c.bibtex()  # from "May 3, 2026 10:15 UTC"


def test_regulations_from_attributes_categories_and_names():
    ids = [(e.regulation.id, e.provisions) for e in engaged(T.CONDUCT)]
    assert ids == [("gdpr", "Art. 5, Art. 6"), ("ccpa", "§ 1798.100"),
                   ("cfaa", "§ 1030(a)(2)(C), § 1030(g)")]
    cfaa = engaged(T.CONDUCT)[-1]
    assert cfaa.triggers == ["attribute automated-access (“automated system”)"]
    assert cfaa.regulation.jurisdiction == "United States, Federal"
    trial = engaged(T.TRIAL_NEW, ["payments-refunds"])
    assert [(e.regulation.id, e.provisions) for e in trial] == [
        ("crd", "Art. 6(1)(o), Art. 6(1), Art. 9, Art. 16(m)"),
        ("ftc-act", "15 U.S.C. § 45(a)"), ("rosca", "15 U.S.C. § 8403")]
    assert trial[0].triggers == ["attribute auto-renewal (“free trial”)",
                                 "category payments-refunds"]
    assert [e.regulation.id for e in engaged(T.ARBITRATION)] == ["uctd", "faa"]
    # an unsure label engages nothing; a regulation the text names is engaged by name
    assert engaged("We may change these terms.", ["unilateral-change?"]) == []
    named = engaged("We comply with the GDPR and the Digital Services Act.")
    assert [(e.regulation.id, e.triggers) for e in named] == [
        ("gdpr", ["the clause names it"]), ("dsa", ["the clause names it"])]
    assert [r.id for r in named_in("Which of Coursera's clauses touch GDPR?")] == ["gdpr"]
    assert named_in("the spa and the dsa") == []  # short aliases only as written


def test_regulation_map_is_reviewed_data_with_a_source_for_each_entry():
    m = load_map()
    assert m.notice.startswith("This lists the rules a clause engages")
    assert "not a legal determination" in m.notice
    assert {"gdpr", "ccpa", "dsa", "crd", "ftc-act", "rosca", "cfaa"} <= set(m.regulations)
    assert {"personal-data", "automated-access", "arbitration", "auto-renewal"} == set(
        m.attributes)
    slugs = {c.slug for c in load_taxonomy()}
    for rule in m.rules:
        assert rule.source.startswith("https://") and rule.provisions and rule.why
        assert rule.category in slugs or rule.attribute in m.attributes
    assert [r.regulation for r in m.rules if r.attribute == "auto-renewal"] == [
        "rosca", "ftc-act", "crd"]


@pytest.mark.parametrize("change,error", [
    (lambda raw: raw["map"].append({**raw["map"][0], "attribute": "", "category": "nope"}),
     "unknown category 'nope'"),
    (lambda raw: raw["map"][0].update(source="http://example.com/x"), "no https source"),
    (lambda raw: raw["map"][0].update(regulation="gdpr2"), "unknown regulation 'gdpr2'"),
    (lambda raw: raw.update(notice=""), "the notice"),
])
def test_regulation_map_validation(change, error):
    from importlib import resources

    raw = json.loads(resources.files("corpus").joinpath("regulations.json").read_text())
    change(raw)
    with pytest.raises(ValueError, match=error):
        parse_map(raw, {c.slug for c in load_taxonomy()})


def test_record_monitor_for_a_tracked_clause(store):
    m = record_monitor(store, store.clause(T.rid(T.TRIAL_NEW)), accessed="2026-11-28")
    assert m.categories == ["payments-refunds"]
    assert [(c.change_id, c.meaning, c.severity) for c in m.history] == [
        (m.recent[0].change_id, "right-weakened", "Medium")]
    assert m.severity == "Medium"
    assert [(p.slug, p.found, p.of, p.elsewhere) for p in m.prevalence] == [
        ("payments-refunds", 2, 3, 1)]
    assert m.prevalence[0].sentence() == (
        "Payments and refunds: found in 2 of 3 platforms (67%) that have a Terms of Service / "
        "Commercial Terms / General Conditions of Sale / In-App Purchases Policy in the corpus "
        "of 2026-05-27; this clause type exists across 1 other provision on other platforms")
    assert [e.regulation.id for e in m.regulations] == ["crd", "ftc-act", "rosca"]
    assert ("FTC", "FTC Act §5, ROSCA") in m.agencies
    d = m.to_dict()
    assert d["stability"]["status"] == "Mostly stable" and d["citation"]["accessed"] == "2026-11-28"


def test_record_monitor_for_the_saved_record_page(store):
    m = record_monitor(store, store.clause(SEED), accessed="2026-06-08")
    assert m.categories == ["account-termination"]  # "Account termination" on the page
    assert (m.stability.status, m.stability.first_seen, m.stability.last_seen,
            m.stability.months) == ("Stable", "2026-05-03", "2026-06-01", 1)
    # our own count for the page's category, and the page's figure beside it
    assert [(p.slug, p.found, p.of) for p in m.prevalence] == [("account-termination", 0, 3)]
    assert m.prevalence_note == "the source page says 41 of 343 platforms"
    assert [e.regulation.id for e in m.regulations] == ["dsa", "ftc-act"]


def test_as_slugs():
    assert as_slugs(["Account termination", "Dispute resolution", "arbitration?",
                     "Arbitration and class-action waiver"]) == [
        "account-termination", "arbitration?", "arbitration"]


# ---- the command line ------------------------------------------------------------------------

def run(capsys, data_dir, *args: str) -> tuple[int, str]:
    code = main(["--data-dir", str(data_dir), "--embedder", "hash", *args])
    out, err = capsys.readouterr()
    return code, out + err


def test_record_command_shows_the_monitoring_sections(capsys, data_dir):
    code, out = run(capsys, data_dir, "record", T.rid(T.TRIAL_NEW), "--accessed", "2026-11-28")
    assert code == 0
    for line in [
        "Recent activity",
        "  Coursera recorded 2 documented changes to its Terms of Service in the last 30 days "
        "(to 2026-05-27, the newest tracked version) and 2 in the last 90 days; tracked since "
        "2026-03-13 (2 versions).",
        "Clause stability: Mostly stable",
        "  1 change · 3 months monitored · first seen 2026-03-13 · last seen 2026-05-27",
        f"  Earlier wordings: {T.rid(T.TRIAL_OLD)}",
        "      Removes the stated 7-day free trial: now “Certain subscriptions may come with a "
        "free trial period. Please see the applicable check out page for details regarding free "
        "trial availability and duration.” (“For all other” → “Certain”; “Coursera provides” → "
        "“may come with”)",
        "Regulations this clause engages",
        "  ROSCA (United States, Federal): 15 U.S.C. § 8403",
        "Citation",
    ]:
        assert line in out.splitlines(), line
    assert "Change severity  Medium (the most severe of this clause's changes; Medium: " \
           "guarantee or right weakened, against the user; clause labelled payments-refunds)" in out
    assert "  Note: This lists the rules a clause engages" in out
    assert "  Accessed: 2026-11-28" in out


def test_record_cite(capsys, data_dir, store):
    rid = T.rid(T.CONDUCT)
    block = citation_for(store.clause(rid), accessed="2026-11-28")
    code, out = run(capsys, data_dir, "record", rid, "--cite", "plain", "--accessed",
                    "2026-11-28")
    assert (code, out) == (0, block.plain() + "\n")
    code, out = run(capsys, data_dir, "record", rid, "--cite", "--accessed", "2026-11-28")
    assert (code, out) == (0, block.plain() + "\n\n" + block.bibtex() + "\n")
    code, out = run(capsys, data_dir, "record", rid, "--json")
    got = json.loads(out)["monitor"]
    assert set(got) >= {"activity", "stability", "prevalence", "regulations", "citation",
                        "notice", "history", "recent", "change_severity", "agencies"}
    assert [r["id"] for r in got["regulations"]] == ["gdpr", "ccpa", "cfaa"]


def test_record_today_moves_the_activity_windows(capsys, data_dir):
    code, out = run(capsys, data_dir, "record", T.rid(T.TRIAL_NEW), "--today", "2026-08-01")
    assert code == 0
    assert ("  Coursera recorded 0 documented changes to its Terms of Service in the last 30 days "
            "(to 2026-08-01) and 2 in the last 90 days; tracked since 2026-03-13 (2 versions).") \
        in out.splitlines()
