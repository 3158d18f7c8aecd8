"""Loaders (OTA clone and snapshot, ToS;DR, pages), bad input, quote linking, and the CLI's
ingest and record commands on the fixture corpus."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from assistant.cli import main
from corpus import ids
from corpus.errors import Problem
from corpus.ingest import ingest
from corpus.loaders.ota import load_ota
from corpus.loaders.pages import load_page
from corpus.loaders.tosdr import load_tosdr
from corpus.models import Document, SeedRecord
from corpus.store import Store
from tests.conftest import FIXTURE_OTA, FIXTURE_TOSDR, FIXTURES

PAGES = FIXTURES / "pages"


def set_date(path: Path, day: str) -> None:
    ts = dt.datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp()
    os.utime(path, (ts, ts))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---- OTA: a clone of a versions repository ---------------------------------------------------


def test_ota_clone_layout_collection_is_the_folder_name(tmp_path):
    clone = tmp_path / "fixture-versions"
    shutil.copytree(FIXTURE_OTA, clone)
    for f in clone.glob("*/*.md"):
        set_date(f, "2024-03-05")
    problems: list[Problem] = []
    docs = list(load_ota(clone, problems.append))
    assert problems == []
    assert [(d.platform, d.doc_type, d.version_date, d.collection, d.kind, d.url)
            for d in docs] == [
        ("Chatterbox", "Terms of Service", "2024-03-05", "fixture-versions", "current", ""),
        ("Learnify", "Terms of Service", "2024-03-05", "fixture-versions", "current", ""),
        ("Streamly", "Privacy Policy", "2024-03-05", "fixture-versions", "current", ""),
        ("Streamly", "Terms of Service", "2024-03-05", "fixture-versions", "current", ""),
    ]
    assert docs[0].text == (clone / "Chatterbox" / "Terms of Service.md").read_text()


def test_ota_folder_holding_several_clones(tmp_path):
    write(tmp_path / "ota" / "a-versions" / "Acme" / "Terms of Service.md", TOS_2026)
    write(tmp_path / "ota" / "b-versions" / "Acme" / "Terms of Service.md", TOS_2026)
    docs = list(load_ota(tmp_path / "ota", lambda p: pytest.fail(str(p))))
    assert [(d.platform, d.collection) for d in docs] == [("Acme", "a-versions"),
                                                         ("Acme", "b-versions")]


# ---- OTA: the snapshot layout with MANIFEST.jsonl --------------------------------------------

KEEP = "You must be at least 16 years old to create an Acme account and use the service."
OLD = "Acme may close your account at any time and for any reason, without notice."
NEW = "Acme may close your account at any time if you break these terms, after giving notice."
TOS_2023 = f"# Acme Terms of Service\n\n## Accounts\n\n{KEEP}\n\n## Termination\n\n{OLD}\n"
TOS_2026 = f"# Acme Terms of Service\n\n## Accounts\n\n{KEEP}\n\n## Termination\n\n{NEW}\n"
PRIVACY = ("# Acme Privacy Policy\n\n## Sharing\n\nAcme never sells your personal data, and it "
           "shares it only with the providers that host the service.\n")


def _row(kind: str, service: str, terms_type: str, rel: str, date: str, commit: str,
         **extra: str) -> str:
    repo = rel.split("/", 1)[0] if kind == "latest" else "pga-versions"
    return json.dumps({
        "kind": kind, "service": service, "terms_type": terms_type,
        "repo": f"OpenTermsArchive/{repo}", "commit": commit,
        "commit_date": f"{date}T12:30:16+00:00", "path_in_repo": f"{service}/{terms_type}.md",
        "our_path": f"shared/policy-docs/ota/{rel}", **extra})


@pytest.fixture()
def snapshot(tmp_path) -> Path:
    root = tmp_path / "ota"
    write(root / "pga-versions" / "Acme" / "Terms of Service.md", TOS_2026)
    write(root / "contrib-versions" / "Acme" / "Privacy Policy.md", PRIVACY)
    write(root / "history" / "Acme" / "Terms of Service" / "2023-08-11.md", TOS_2023)
    unlisted = write(root / "pga-versions" / "Other" / "Terms of Service.md",
                     TOS_2026.replace("Acme", "Other"))
    set_date(unlisted, "2024-03-05")
    lines = [
        _row("latest", "Acme", "Terms of Service", "pga-versions/Acme/Terms of Service.md",
             "2026-07-02", "c2026"),
        _row("latest", "Acme", "Privacy Policy", "contrib-versions/Acme/Privacy Policy.md",
             "2025-01-15", "c2025"),
        '{"kind": "latest", "service": "Broken",',
        _row("history", "Acme", "Terms of Service",
             "history/Acme/Terms of Service/2023-08-11.md", "2023-08-11", "c2023",
             latest_our_path="shared/policy-docs/ota/pga-versions/Acme/Terms of Service.md"),
        '{"kind": "latest", "service": "Ghost", "our_path": "x"}',
        "",
        _row("latest", "Zed", "Terms of Service", "pga-versions/Zed/Terms of Service.md",
             "2026-01-01", "c2026"),
    ]
    write(root / "MANIFEST.jsonl", "\n".join(lines) + "\n")
    return root


def test_ota_snapshot_layout_reads_the_manifest(snapshot):
    problems: list[Problem] = []
    docs = list(load_ota(snapshot, problems.append))
    gh = "https://github.com/OpenTermsArchive"
    assert [(d.platform, d.doc_type, d.version_date, d.collection, d.kind, d.url)
            for d in docs] == [
        ("Acme", "Privacy Policy", "2025-01-15", "contrib-versions", "current",
         f"{gh}/contrib-versions/blob/c2025/Acme/Privacy%20Policy.md"),
        ("Acme", "Terms of Service", "2026-07-02", "pga-versions", "current",
         f"{gh}/pga-versions/blob/c2026/Acme/Terms%20of%20Service.md"),
        ("Acme", "Terms of Service", "2023-08-11", "pga-versions", "history",
         f"{gh}/pga-versions/blob/c2023/Acme/Terms%20of%20Service.md"),
        # on disk but not in the manifest: still read, dated by the file
        ("Other", "Terms of Service", "2024-03-05", "pga-versions", "current", ""),
    ]
    assert [d.text for d in docs[1:3]] == [TOS_2026, TOS_2023]
    manifest = snapshot / "MANIFEST.jsonl"
    assert [p.where for p in problems] == [
        f"{manifest}:3", f"{manifest}:5", str(snapshot / "pga-versions/Zed/Terms of Service.md")]
    assert problems[0].reason.startswith("malformed MANIFEST line (")
    assert problems[1].reason == "malformed MANIFEST line (missing field 'terms_type')"
    assert problems[2].reason == "listed in MANIFEST.jsonl but missing"


def test_history_versions_share_record_ids_and_give_validity_dates(snapshot, tmp_path):
    store = Store(tmp_path / "s.sqlite")
    summary = ingest(store, [snapshot])
    assert len(summary.problems) == 3
    assert (summary.new_documents, summary.history_versions) == (3, 1)
    counts = store.counts()
    assert (counts["documents"], counts["versions"], counts["clauses"]) == (3, 4, 3 + 1 + 2)
    key = ids.document_key("pga-versions", "Acme", "Terms of Service")
    keep, old, new = (ids.record_id("Acme", key, t) for t in (KEEP, OLD, NEW))
    rows = {r["record_id"]: r for r in store.index_rows()}
    assert (rows[keep]["valid_from"], rows[keep]["valid_to"], rows[keep]["current"]) == (
        "2023-08-11", "9999-12-31", True)
    assert (rows[old]["valid_from"], rows[old]["valid_to"], rows[old]["current"]) == (
        "2023-08-11", "2026-07-02", False)
    assert (rows[new]["valid_from"], rows[new]["valid_to"], rows[new]["current"]) == (
        "2026-07-02", "9999-12-31", True)
    assert rows[keep]["section"] == "Accounts"
    assert store.clause(old).version_date == "2023-08-11"


# ---- ToS;DR points ---------------------------------------------------------------------------


def test_tosdr_points_and_a_malformed_line():
    problems: list[Problem] = []
    points = list(load_tosdr(FIXTURE_TOSDR, problems.append))
    assert [(a.annotation_id, a.platform, a.classification, a.source_document)
            for a in points] == [
        ("tosdr-9001", "Streamly", "bad", "Terms of Service"),
        ("tosdr-9002", "Streamly", "good", "Privacy Policy"),
        ("tosdr-9003", "Learnify", "neutral", "Terms of Use"),
        ("tosdr-9004", "Oldsite", "neutral", "Terms"),
    ]
    assert points[1].quote == "Streamly does not sell your personal data to anyone."
    assert points[1].case == "This service does not sell your personal data"
    assert [p.where for p in problems] == [f"{FIXTURE_TOSDR}:5"]
    assert problems[0].reason.startswith("malformed point (")


def test_tosdr_rows_missing_fields_or_with_unknown_classification(tmp_path):
    good = json.loads(FIXTURE_TOSDR.read_text().splitlines()[0])
    path = write(tmp_path / "points.jsonl", "\n".join([
        json.dumps(good),
        json.dumps({**good, "point_id": "1", "classification": "awful"}),
        json.dumps({**good, "point_id": ""}),
        "[1, 2]",
    ]) + "\n")
    problems: list[Problem] = []
    assert [a.annotation_id for a in load_tosdr(path, problems.append)] == ["tosdr-9001"]
    assert [(p.where, p.reason) for p in problems] == [
        (f"{path}:2", "malformed point (unknown classification 'awful')"),
        (f"{path}:3", "malformed point (missing point_id or service)"),
        (f"{path}:4", "malformed point (not an object)"),
    ]


def test_tosdr_quotes_link_to_the_clauses_that_hold_them(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    summary = ingest(store, [FIXTURE_OTA, FIXTURE_TOSDR])
    assert (summary.annotations, summary.linked_annotations) == (4, 2)
    links = {r[0]: r[1] for r in store.conn.execute(
        "SELECT annotation_id, record_id FROM annotations")}
    assert links["tosdr-9001"] is not None and links["tosdr-9002"] is not None
    assert store.clause(links["tosdr-9001"]).text.startswith(
        "Streamly may suspend or terminate your account at any time, without notice")
    assert store.clause(links["tosdr-9001"]).doc_type == "Terms of Service"
    assert store.clause(links["tosdr-9002"]).text == (
        "Streamly does not sell your personal data to anyone. We never rent or trade your "
        "information.")
    # Learnify's text is about robots and spiders too, but not in the quoted words
    assert links["tosdr-9003"] is None
    assert links["tosdr-9004"] is None  # no such platform in the corpus
    assert store.counts()["linked_annotations"] == 2


# ---- single pages ----------------------------------------------------------------------------


def test_record_page_keeps_its_ids_and_details():
    seed = load_page(PAGES / "record_page.txt", lambda p: pytest.fail(str(p)))
    assert isinstance(seed, SeedRecord)
    assert (seed.record_id, seed.document_id, seed.platform, seed.doc_type, seed.section) == (
        "CA-P-990001", "CA-D-09901", "Learnify", "Terms of Service",
        "Account Termination Without Notice")
    assert seed.text == ("Learnify may suspend or terminate your access to the Services at any "
                         "time, for any reason, without notice or liability to you.")
    assert seed.source == ("https://monitor.example/platform/learnify/learnify-terms-of-use/"
                           "account-termination/")
    m = seed.meta
    assert (m["severity"], m["categories"], m["document"]) == (
        "High", ["Account termination", "Dispute resolution"], "Learnify Terms of Use")
    assert (m["document_last_updated"], m["first_tracked"], m["last_verified"]) == (
        "2026-04-02", "2026-05-03", "2026-06-01")
    assert m["source_sha256"] == ("5d41402abc4b2a76b9719d911017c592ae2f8a1d1e6a3c7b2f0e9d8c7b6a"
                                  "5f40")
    assert m["prevalence"] == "41 of 343 platforms"


def test_announcement_page_is_one_document_without_page_chrome():
    doc = load_page(PAGES / "announcement.txt", lambda p: pytest.fail(str(p)))
    assert isinstance(doc, Document)
    assert (doc.platform, doc.doc_type, doc.version_date, doc.collection, doc.meta) == (
        "Streamly", "Announcement", "2025-02-03", "pages",
        {"title": "Changes to how we handle inactive accounts"})
    from corpus.segment import segment

    assert [s.text for s in segment(doc.text)] == [
        "Starting March 1, 2025, Streamly will close free accounts that have not been used for "
        "two years. We will email you thirty days before we close an inactive account.",
        "If you want to keep your account, simply sign in once before the closing date. Paid "
        "subscriptions are not affected by this change.",
    ]


def test_pages_ingest_into_the_store(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    summary = ingest(store, [PAGES])
    assert summary.problems == [] and summary.new_documents == 2
    rec = store.clause("CA-P-990001")
    assert (rec.document_id, rec.platform, rec.section, rec.meta["severity"]) == (
        "CA-D-09901", "Learnify", "Account Termination Without Notice", "High")
    assert rec.text.startswith("Learnify may suspend or terminate your access")
    assert store.counts()["clauses"] == 3
    again = ingest(store, [PAGES])
    assert (again.new_documents, again.unchanged_documents, again.clauses_new) == (0, 2, 0)


# ---- bad input -------------------------------------------------------------------------------


@pytest.fixture()
def bad_inputs(tmp_path) -> tuple[list[Path], list[tuple[str, str]]]:
    """A good page among five bad inputs, and the (file, reason) each bad one must give."""
    d = tmp_path / "in"
    d.mkdir()
    good = shutil.copy(PAGES / "announcement.txt", d / "good.txt")
    missing = d / "missing.md"
    empty = write(d / "empty.md", "  \n")
    binary = d / "binary.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    latin1 = d / "latin1.md"
    latin1.write_bytes("Caf\u00e9 terms: we may close your account.".encode("latin-1"))
    pdf = write(d / "terms.pdf", "%PDF-1.4 not really")
    expected = [
        (str(missing), "does not exist"),
        (str(empty), "is empty"),
        (str(binary), "is a binary file, not text"),
        (str(latin1), "is not UTF-8 text (byte 3)"),
        (str(pdf), "unsupported file type .pdf"),
    ]
    return [missing, Path(good), empty, binary, latin1, pdf], expected


def test_bad_input_is_reported_per_file_and_the_rest_ingests(bad_inputs, tmp_path):
    paths, expected = bad_inputs
    store = Store(tmp_path / "s.sqlite")
    summary = ingest(store, paths)
    assert sorted((p.where, p.reason) for p in summary.problems) == sorted(expected)
    assert summary.new_documents == 1 and store.counts()["clauses"] == 2


def test_a_bad_file_inside_an_ota_tree_does_not_stop_the_rest(tmp_path):
    clone = tmp_path / "acme-versions"
    write(clone / "Acme" / "Terms of Service.md", TOS_2026)
    empty = write(clone / "Acme" / "Privacy Policy.md", "")
    (clone / "Beta").mkdir()
    broken = clone / "Beta" / "Terms of Service.md"
    broken.write_bytes(b"\xff\xfe\x00T\x00e\x00r\x00m\x00s")
    store = Store(tmp_path / "s.sqlite")
    summary = ingest(store, [clone])
    assert sorted((p.where, p.reason) for p in summary.problems) == sorted([
        (str(empty), "is empty"), (str(broken), "is a binary file, not text")])
    assert summary.new_documents == 1 and store.counts()["clauses"] == 2


def test_a_page_with_no_clauses_and_an_empty_folder_are_reported(tmp_path):
    page = write(tmp_path / "nav.md", "[Home](https://x.example) [Help](https://x.example/h)\n")
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    store = Store(tmp_path / "s.sqlite")
    summary = ingest(store, [page, empty])
    assert [(p.where, p.reason) for p in summary.problems] == [
        (str(empty), "holds no policy documents this tool can read"),
        (str(page), "no clauses found in it")]


# ---- the command line ------------------------------------------------------------------------


def cli(tmp_path: Path, *args: str) -> int:
    return main(["--data-dir", str(tmp_path / "data"), "--embedder", "hash", *args])


def test_cli_ingest_reports_each_bad_file_on_one_line(bad_inputs, tmp_path, capsys):
    paths, expected = bad_inputs
    assert cli(tmp_path, "ingest", "--quiet", *map(str, paths)) == 0
    out, err = capsys.readouterr()
    skipped = [ln for ln in err.splitlines() if ln.startswith("skipped ")]
    assert sorted(skipped) == sorted(f"skipped {where}: {reason}" for where, reason in expected)
    assert "Traceback" not in err + out
    assert "5 input(s) skipped" in err
    assert "clauses 2 " in out


def test_cli_ingest_fails_when_nothing_could_be_ingested(bad_inputs, tmp_path, capsys):
    paths, expected = bad_inputs
    only_bad = [p for p in paths if p.name != "good.txt"]
    assert cli(tmp_path, "ingest", "--quiet", *map(str, only_bad)) != 0
    out, err = capsys.readouterr()
    assert len([ln for ln in err.splitlines() if ln.startswith("skipped ")]) == 5
    assert "Traceback" not in err + out


def test_cli_ingest_reports_the_linked_points(tmp_path, capsys):
    assert cli(tmp_path, "ingest", "--quiet", str(FIXTURE_OTA), str(FIXTURE_TOSDR)) == 0
    out, err = capsys.readouterr()
    assert "ToS;DR points 4, linked to a current clause 2" in out
    assert f"skipped {FIXTURE_TOSDR}:5: malformed point (" in err


def test_cli_ingest_of_points_alone_succeeds_despite_a_bad_line(tmp_path, capsys):
    assert cli(tmp_path, "ingest", "--quiet", str(FIXTURE_OTA)) == 0
    capsys.readouterr()
    # four good points go in; the malformed fifth line is reported, not fatal
    assert cli(tmp_path, "ingest", "--quiet", str(FIXTURE_TOSDR)) == 0
    out, err = capsys.readouterr()
    assert "ToS;DR points 4, linked to a current clause 2" in out
    assert [ln for ln in err.splitlines() if ln.startswith("skipped ")] == [
        f"skipped {FIXTURE_TOSDR}:5: malformed point (Expecting value: line 1 column 1 (char 0))"]


def test_cli_record_shows_section_and_the_assessment_quoting_it(fixture_assistant, capsys):
    data = str(fixture_assistant.settings.data_dir)
    rid = fixture_assistant.store.conn.execute(
        "SELECT record_id FROM annotations WHERE annotation_id='tosdr-9001'").fetchone()[0]
    assert main(["--data-dir", data, "--embedder", "hash", "record", rid]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"Record    {rid}" in lines
    assert "Platform  Streamly" in lines
    assert "Section   1. Your Account > Termination" in lines
    assert ("Streamly may suspend or terminate your account at any time, without notice, if we "
            "believe you have breached these Terms. You may close your account at any time from "
            "the Settings page.") in lines
    assert "ToS;DR assessments quoting this clause:" in lines
    assert ("  tosdr-9001 [bad] The service can delete your account without prior notice and "
            "without a reason (match 100.0)") in lines


def test_cli_record_unknown_id_is_a_clear_error(fixture_assistant, capsys):
    data = str(fixture_assistant.settings.data_dir)
    rid = fixture_assistant.store.conn.execute(
        "SELECT record_id FROM annotations WHERE annotation_id='tosdr-9001'").fetchone()[0]
    typo = rid[:-4] + "zzzz"
    assert main(["--data-dir", data, "--embedder", "hash", "record", typo]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: no record {typo!r}; did you mean {rid}?\n"
    assert main(["--data-dir", data, "--embedder", "hash", "record", "nothing-like-it"]) == 3
    assert capsys.readouterr().err == "error: no record 'nothing-like-it'\n"
