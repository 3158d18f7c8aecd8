"""`policy-assistant changes` and `policy-assistant diff` through the real command line."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from tests.history_fixture import (
    FIXTURE_HISTORY,
    LAW,
    OPT_OUT,
    TRIAL_7,
    TRIAL_30,
    USE_NEW,
    USE_OLD,
    V1,
    V2,
    V3,
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli-data")
    assert main(["--data-dir", str(d), "--embedder", "hash", "ingest", "--quiet",
                 str(FIXTURE_HISTORY)]) == 0
    return d


def run(capsys, data_dir, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), "--embedder", "hash", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_changes_lists_records_grouped_by_version_pair(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "changes", "Videomeet")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Videomeet — Terms of Service"
    assert lines[1].startswith(f"  {V1} → {V2}  (videomeet-tos-")
    assert lines[1].endswith("5 change(s), 2 formatting-only")
    pair2 = next(ln for ln in lines if ln.startswith(f"  {V2} → {V3}"))
    assert pair2.endswith("2 change(s), 0 formatting-only")
    assert f"old {TRIAL_30}  new {TRIAL_7}" in out
    assert "Modified “4. Free Trial”: now says “7” (was “30”)" in out
    assert (f"{'':>34}means: number changed · Medium — Changes a duration in “4. Free Trial”: "
            "“free trial of 30 days” becomes “free trial of 7 days”") in lines


def test_changes_json_and_filters(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "changes", "videomeet", "--since", "2023-09",
                       "--json")
    assert code == 0
    got = [(r["kind"], r["old_ids"], r["new_ids"]) for r in json.loads(out)]
    assert got == [("removed", [OPT_OUT], []), ("modified", [TRIAL_30], [TRIAL_7])]
    code, out, _ = run(capsys, data_dir, "changes", "Videomeet", "--until", "2023-08",
                       "--wording-only", "--json")
    assert [r["kind"] for r in json.loads(out)] == ["modified", "added"]
    code, out, _ = run(capsys, data_dir, "changes", "Videomeet", "--kind", "moved", "--json")
    assert [(r["old_ids"], r["to_date"]) for r in json.loads(out)] == [([LAW], V2)]


def test_a_typo_in_the_platform_name_still_finds_it(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "changes", "Videomeat")
    assert code == 0 and out.startswith("Videomeet — Terms of Service")


def test_changes_with_nothing_in_range(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "changes", "Videomeet", "--since", "2025")
    assert code == 0 and out.startswith("No change records match")


@pytest.mark.parametrize("args,code,message", [
    (["changes", "Nosuchplace"], 2, "error: unknown platform 'Nosuchplace'; closest known: "
                                    "Videomeet"),
    (["changes", "Videomeet", "--document", "Privacy Policy"], 2,
     "error: no document 'Privacy Policy' for this platform; it has: Terms of Service"),
    (["changes", "Videomeet", "--since", "2024", "--until", "2023"], 2,
     "error: --since 2024-01-01 is after --until 2023-12-31"),
    (["diff", "videomeet-tos", "videomeet-tos"], 2, "is ambiguous"),
    (["diff", "videomeet-tos-4a11@1999", "videomeet-tos-4a11@2023-03-01"], 3,
     "error: no version 'videomeet-tos-4a11@1999' in the store; versions of "
     "videomeet-tos-4a11: "),
])
def test_errors_are_one_line_messages(capsys, data_dir, args, code, message):
    got, out, err = run(capsys, data_dir, *args)
    assert got == code
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_date_is_a_usage_error(capsys, data_dir):
    with pytest.raises(SystemExit) as exc:
        run(capsys, data_dir, "changes", "Videomeet", "--since", "2023-13")
    assert exc.value.code == 2
    assert "'2023-13' is not a date" in capsys.readouterr().err


def test_diff_of_two_versions_with_a_word_diff(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "diff", "videomeet-tos-4a11@2023-03-01",
                       "videomeet-tos-4a11@2023-08-10")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Videomeet — Terms of Service: videomeet-tos-4a11@2023-03-01.")
    assert lines[1] == "5 change(s), 2 formatting-only"
    assert ("  Videomeet may use Customer Content [-only-] to provide [-and operate-] the meeting "
            "service for you {+and to train our artificial intelligence models.+}") in lines
    assert f"  old {USE_OLD}" in lines and f"  new {USE_NEW}" in lines
    assert ("  + You can turn off the use of your Customer Content for artificial intelligence "
            "training in your account settings.") in lines


def test_diff_json_wording_only(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "diff", "videomeet-tos-4a11@2023-03-01",
                       "videomeet-tos-4a11@2024", "--wording-only", "--json")
    got = json.loads(out)
    assert got["to"].startswith("videomeet-tos-4a11@2024-03-01.")
    assert [(c["kind"], c["moved"]) for c in got["changes"]] == [("modified", False),
                                                                 ("modified", True)]


def test_commands_on_an_empty_data_dir(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path, "changes", "Videomeet")
    assert code == 4 and "policy-assistant ingest" in err


def test_history_of_a_modified_record(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "history", TRIAL_30)
    assert code == 0
    lines = out.splitlines()
    assert lines[2] == f"Versions  {V1}  {V2}  {V3} (absent)"
    assert lines[3] == f"Replaced by {TRIAL_7}"
    assert lines[4].startswith(f"  {V2} → {V3}  chg-videomeet-tos-4a11-")
    assert lines[4].endswith("Modified “4. Free Trial”: now says “7” (was “30”)")
    code, out, _ = run(capsys, data_dir, "history", LAW, "--json")
    got = json.loads(out)
    assert [v["present"] for v in got["versions"]] == [True, True, True]
    assert [c["kind"] for c in got["changes"]] == ["moved"]


def test_history_of_an_unknown_record(capsys, data_dir):
    code, _, err = run(capsys, data_dir, "history", TRIAL_30[:-1])
    assert code == 3 and f"did you mean {TRIAL_30}?" in err
