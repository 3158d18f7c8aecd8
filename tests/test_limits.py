"""Limits, each with its setting and a one-line message: the largest file read, the largest
document stored (in clauses), the longest record ID and platform name looked up; record IDs
reach SQL as text, never as a pattern; page documents show a URL or a file name, never a path
on the server's disk."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURE_OTA, FIXTURES
from tests.edge import LONG_ID, ingest, one_line, run
from tests.test_retrieval import NO_SALE


@pytest.mark.parametrize("args,code,message", [
    (["ask", "Can Streamly close my account?", "--platform", "p" * 5000], 2,
     "error: unknown platform 'pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp'"
     "… (5,000 chars): platform names are at most 200 characters"),
    (["record", LONG_ID], 2,
     "error: a record ID is at most 100 characters (this one has 100,000); IDs look like "
     "coursera-1a2b-3c4d-5e6f"),
    (["history", LONG_ID], 2,
     "error: a record ID is at most 100 characters (this one has 100,000); IDs look like "
     "coursera-1a2b-3c4d-5e6f"),
    (["record", "%"], 3, "error: no record '%'"),  # % and _ are not wildcards
    (["record", "____"], 3, "error: no record '____'"),
    (["record", "%%%%%%%%"], 3, "error: no record '%%%%%%%%'"),
])
def test_a_record_id_or_platform_past_its_limit(capsys, cli_data, args, code, message):
    got, _, err = run(capsys, cli_data, *args)
    assert (got, one_line(err)) == (code, message)


def test_a_mistyped_record_id_still_gets_suggestions(capsys, cli_data):
    code, _, err = run(capsys, cli_data, "record", NO_SALE[:-1] + "z")
    assert code == 3
    assert one_line(err) == f"error: no record {NO_SALE[:-1] + 'z'!r}; did you mean {NO_SALE}?"


def test_a_file_over_the_size_limit_is_skipped_with_the_setting(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_MAX_FILE_MB", "0.001")
    big = tmp_path / "pages" / "big.txt"
    big.parent.mkdir()
    big.write_text("Bigsite\n\nJanuary 2, 2025\n\n" + "We may close accounts. " * 100)
    code, _, err = ingest(capsys, tmp_path / "data", big)
    assert code == 1
    assert err.splitlines()[0] == (f"skipped {big}: is 2,326 bytes; files over 1,048 bytes are "
                                   "not read (POLICY_ASSISTANT_MAX_FILE_MB)")


def test_a_document_over_the_clause_limit_is_skipped(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_MAX_CLAUSES", "4")
    code, out, err = ingest(capsys, tmp_path / "data", FIXTURE_OTA)
    assert code == 0  # the other documents went in
    assert "documents new 3" in out
    (skipped,) = [ln for ln in err.splitlines() if ln.startswith("skipped")]
    assert skipped.endswith("Streamly/Terms of Service.md: has 5 clauses; documents over 4 "
                            "clauses are not stored (POLICY_ASSISTANT_MAX_CLAUSES)")


@pytest.mark.parametrize("name,value,message", [
    ("POLICY_ASSISTANT_MAX_CLAUSES", "lots",
     "$POLICY_ASSISTANT_MAX_CLAUSES='lots' is not a whole number of at least 1"),
    ("POLICY_ASSISTANT_MAX_FILE_MB", "-1",
     "$POLICY_ASSISTANT_MAX_FILE_MB='-1' is not a number of at least 0.001"),
    ("POLICY_ASSISTANT_MAX_RECORD_ID", "nan",
     "$POLICY_ASSISTANT_MAX_RECORD_ID='nan' is not a whole number of at least 8"),
    ("POLICY_ASSISTANT_THREADS", "0", "$POLICY_ASSISTANT_THREADS='0' is not a whole number "
     "of at least 1"),
])
def test_a_bad_setting_is_one_line(capsys, cli_data, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    code, _, err = run(capsys, cli_data, "record", NO_SALE)
    assert (code, one_line(err)) == (2, f"error: {message}")


def test_a_page_shows_its_file_name_never_the_server_path(capsys, cli_data):
    from assistant.core import Assistant
    from assistant.settings import Settings
    from assistant.ui import WebUI

    a = Assistant(Settings.from_env(data_dir=cli_data, embedder="hash"))
    (rid,) = [r["record_id"] for r in a.store.index_rows() if r["platform"] == "Streamly"
              and r["doc_type"] == "Announcement"][:1]
    assert a.record(rid).clause.source == "announcement.txt"
    _, page = WebUI(a).open_record(rid)
    assert '<span class="pa-src-path">announcement.txt</span>' in page
    assert str(FIXTURES) not in page and "/tmp" not in page
    web = WebUI(a)  # the citation card of an answer from the page
    *_, (_, _, _, _, cards, _) = web.respond("Will Streamly close inactive accounts?",
                                             web.new_state(), [], [])
    assert '<span class="pa-src-path">announcement.txt</span>' in cards
    assert str(FIXTURES) not in cards
    seed = a.record("CA-P-990001").clause  # a record page keeps the URL it names
    assert seed.source == ("https://monitor.example/platform/learnify/learnify-terms-of-use/"
                           "account-termination/")


def test_a_page_stored_with_a_path_by_an_older_version_still_shows_only_its_name(tmp_path):
    from assistant import ui_html as H

    assert H.source_link("", "/srv/policy/pages/announcement.txt") == (
        '<span class="pa-src-path">announcement.txt</span>')


def test_the_record_tab_with_a_long_or_wildcard_id_shows_a_message(fixture_assistant):
    from assistant.ui import WebUI

    web = WebUI(fixture_assistant)
    rid, page = web.open_record(LONG_ID)
    assert rid == LONG_ID
    assert page == ('<div class="pa-error">a record ID is at most 100 characters (this one has '
                    '100,000); IDs look like coursera-1a2b-3c4d-5e6f</div>')
    assert web.open_record("%")[1] == '<div class="pa-error">no record &#x27;%&#x27;</div>'
