"""One rule at the edge, input by input: every traceback the hardening probe found (issue 17)
as one line on stderr (or a message in the page) and an exit code of corpus/errors.py. Limits
are in tests/test_limits.py; the fuzz tier (tests/test_fuzz.py) tries generated inputs on the
same doors."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.cli import main
from corpus.errors import INTERNAL_ERROR
from tests.conftest import FIXTURE_TOSDR, FIXTURES
from tests.edge import ingest, one_line, run
from tests.test_retrieval import NO_SALE


@pytest.mark.parametrize("args,code,message", [
    (["ask", "Can Streamly close my account?", "--as-of", "yesterday"], 2,
     "error: as-of date: 'yesterday' is not a day; give YYYY-MM-DD, e.g. 2023-08-10"),
    (["ask", "Can Streamly close my account?", "--as-of", "2024-13-45"], 2,
     "error: as-of date: '2024-13-45' is not a day; give YYYY-MM-DD, e.g. 2023-08-10"),
    (["ask", "Can Streamly close my account?", "--as-of", "2024-02-30"], 2,
     "error: as-of date: '2024-02-30' is not a day; give YYYY-MM-DD, e.g. 2023-08-10"),
    (["ask", "q" * 2001], 2, "error: the question is 2001 characters long; the limit is 2000"),
    (["ask", "\udcff\udcfe"], 2, "error: argument 6 is not valid UTF-8 text"),
    (["compare", "", "--platforms", "Streamly"], 2,
     "error: the question is empty; ask something like \"Can Coursera suspend my account?\""),
    (["ask"], 2, "error: the following arguments are required: question (see `policy-assistant "
     "ask --help`)"),
])
def test_a_bad_argument_is_one_line_and_an_exit_code(capsys, cli_data, args, code, message):
    got, _, err = run(capsys, cli_data, *args) if args != ["ask"] else _usage(capsys, cli_data)
    assert (got, one_line(err)) == (code, message)


def _usage(capsys, cli_data) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:  # argparse's own exit, with our one-line message
        main(["--data-dir", str(cli_data), "ask"])
    out = capsys.readouterr()
    return int(exc.value.code), out.out, out.err  # type: ignore[arg-type]


@pytest.mark.parametrize("content,message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file, not text (JSONL or one clause "
     "per line)"),
    (b"caf\xe9 clause", "is not UTF-8 text (byte 3)"),
])
def test_label_on_a_file_that_is_not_text(capsys, cli_data, tmp_path, content, message):
    f = tmp_path / "input.bin"
    f.write_bytes(content)
    code, out, err = run(capsys, cli_data, "label", str(f))
    assert (code, out, one_line(err)) == (2, "", f"error: {f} {message}")


def test_label_on_a_missing_file_and_a_folder(capsys, cli_data, tmp_path):
    code, _, err = run(capsys, cli_data, "label", str(tmp_path / "none.txt"))
    assert (code, one_line(err)) == (2, f"error: cannot read {tmp_path / 'none.txt'}: No such "
                                        "file or directory")
    code, _, err = run(capsys, cli_data, "label", str(tmp_path))
    assert (code, one_line(err)) == (2, f"error: cannot read {tmp_path}: Is a directory")


SQUAD_QAS_NO = {"data": [{"title": "alpha", "paragraphs": [{"context": "We sell data.",
                                                            "qas": "no"}]}]}


@pytest.mark.parametrize("doc,message", [
    (SQUAD_QAS_NO, "article 1, paragraph 1: 'qas' is not a list"),
    ({"data": ["alpha"]}, "article 1 is not an object"),
    ({"data": [{"title": "a", "paragraphs": {"context": "x"}}]},
     "article 1: 'paragraphs' is not a list"),
    ({"data": [{"title": "a", "paragraphs": [{"context": 5, "qas": []}]}]},
     "article 1, paragraph 1: 'context' is not text"),
    ({"data": [{"title": "a", "paragraphs": [{"context": "We sell data.", "qas": [
        {"question": "Sell?", "answers": "all"}]}]}]},
     "article 1, paragraph 1, question 1: 'answers' is not a list"),
])
def test_eval_on_a_malformed_squad_file(capsys, cli_data, tmp_path, doc, message):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc))
    code, _, err = run(capsys, cli_data, "eval", str(f), "--format", "squad", "--out",
                       str(tmp_path / "out"))
    assert code == 2
    assert one_line(err) == (f"error: {f}: {message} (a SQuAD file nests data > paragraphs > "
                             "qas > answers)")


@pytest.mark.parametrize("line,message", [
    ('{"id": "a", "type": "question", "question": 5, "expected": ["x"]}',
     "field 'question' must be a string"),
    ('{"id": "a", "type": "question", "question": "q?", "expected": "x"}',
     "field 'expected' must be a list of strings"),
    ('{"id": "a", "type": "conversation", "turns": [{"message": ["hi"]}]}',
     "field 'turns' must be a list of turn objects"),
    ('[1, 2]', "a case must be a JSON object"),
])
def test_eval_on_a_malformed_suite(capsys, cli_data, tmp_path, line, message):
    f = tmp_path / "suite.jsonl"
    f.write_text(line + "\n")
    code, _, err = run(capsys, cli_data, "eval", str(f), "--out", str(tmp_path / "out"))
    assert (code, one_line(err)) == (2, f"error: {f}:1: {message}")


def test_eval_out_under_a_file_fails_before_the_run(capsys, cli_data, tmp_path):
    blocker = tmp_path / "report"
    blocker.write_text("a file, not a folder")
    code, out, err = run(capsys, cli_data, "eval", str(FIXTURES / "evals" / "suite.jsonl"),
                         "--out", str(blocker / "sub"))
    assert (code, out) == (2, "")  # no metrics table: it never ran
    assert one_line(err) == (f"error: cannot write the report to {blocker / 'sub'}: Not a "
                             "directory (--out names a folder to create or reuse)")


def test_eval_baseline_that_is_not_a_report(capsys, cli_data, tmp_path):
    f = tmp_path / "base.json"
    f.write_text('{"metrics": [1, 2]}')
    code, _, err = run(capsys, cli_data, "eval", str(FIXTURES / "evals" / "suite.jsonl"),
                       "--baseline", str(f))
    assert (code, one_line(err)) == (2, f"error: {f} is not a report.json (no metrics per "
                                        "mode)")


# ---- ingest: why it exits as it does ---------------------------------------


def test_a_points_only_ingest_says_why_there_is_nothing_to_ask(capsys, tmp_path):
    code, out, err = ingest(capsys, tmp_path / "data", FIXTURE_TOSDR)
    assert code == 0
    assert "ToS;DR points 4, linked to a current clause 0" in out
    assert err.splitlines() == [
        f"skipped {FIXTURE_TOSDR}:5: malformed point (Expecting value: line 1 column 1 "
        "(char 0))",
        "1 input(s) skipped (see messages above)",
        "note: no clause records yet; the 4 ToS;DR points are stored and link to clauses once "
        "their platforms' documents are ingested (e.g. `policy-assistant ingest "
        "../shared/policy-docs/ota`)"]


def test_an_ingest_of_nothing_says_why_it_exits_1(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    code, _, err = ingest(capsys, tmp_path / "data", empty)
    assert code == 1
    assert err.splitlines()[-1] == ("error: nothing could be ingested (1 input(s) skipped, see "
                                    "above)")


# ---- conversations: a refused message is not kept ----------------------------------------


def test_a_chat_message_refused_for_length_does_not_enter_the_history(fixture_assistant):
    from assistant.ui import WebUI

    web = WebUI(fixture_assistant)
    state = web.new_state()
    *_, (msgs, _, state, *_) = web.respond("Can Streamly terminate my account?", state, [], [])
    before = json.dumps(state, sort_keys=True)
    out = list(web.respond("a" * 2001, state, [], []))
    assert len(out) == 1
    chat, box, new_state, focus, sources, plats = out[0]
    assert focus == ('<div class="pa-error">the question is 2001 characters long; the limit is '
                     "2000</div>")
    assert [chat, box, new_state, sources, plats] == [{"__type__": "update"}] * 5  # unchanged
    assert json.dumps(state, sort_keys=True) == before  # nothing of it kept, nothing sent back
    *_, (msgs, _, state, *_) = web.respond("Can I appeal?", state, [], [])
    assert [m["role"] for m in msgs] == ["user", "assistant"] * 2
    assert "aaaa" not in json.dumps(state)


def test_the_terminal_chat_refuses_a_long_line_and_goes_on(capsys, cli_data, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("b" * 2001 + "\nDoes Streamly sell my "
                                                 "personal data?\n"))
    code, out, _ = run(capsys, cli_data, "chat")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "error: the question is 2001 characters long; the limit is 2000"
    assert "Searching Streamly for: sell my personal data" in out


# ---- a bug is one line too, with its own exit code ----------------------------------------


def test_an_unexpected_failure_is_one_line_and_exit_70(capsys, cli_data, monkeypatch):
    import assistant.commands.record as record

    def broken(args, ctx):
        raise RuntimeError("simulated bug\nwith a second line")

    monkeypatch.setattr(record, "run", broken)
    code, _, err = run(capsys, cli_data, "record", NO_SALE)
    assert code == INTERNAL_ERROR == 70
    assert one_line(err) == ("error: unexpected failure (RuntimeError: simulated bug with a "
                             "second line); this is a bug, not your input: run again with "
                             "POLICY_ASSISTANT_DEBUG=1 for the traceback")
    monkeypatch.setenv("POLICY_ASSISTANT_DEBUG", "1")
    with pytest.raises(RuntimeError):
        run(capsys, cli_data, "record", NO_SALE)


# ---- found by the fuzz tier --------------------------------------------------------------


def test_an_auth_file_that_is_not_utf8_is_one_line(capsys, cli_data, tmp_path):
    f = tmp_path / "auth"
    f.write_bytes(b"\x80alice:pw\n")
    code, _, err = run(capsys, cli_data, "serve", "--auth-file", str(f))
    assert (code, one_line(err)) == (2, f"error: the auth file {f} is not UTF-8 text (byte 0)")


def test_a_manifest_with_odd_fields_or_a_path_outside_its_folder(capsys, tmp_path):
    ota = tmp_path / "ota"
    (ota / "c" / "Svc").mkdir(parents=True)
    (ota / "c" / "Svc" / "Terms.md").write_text("# Terms\n\nWe may close your account at any "
                                                "time and without notice.\n")
    secret = tmp_path / "secret.md"
    secret.write_text("# Not policy\n\nA file the MANIFEST must not reach.\n")
    rows = [{"kind": "latest", "service": "Svc", "terms_type": "Terms",
             "our_path": "x/ota/c/Svc/Terms.md", "repo": "a/b", "commit": "c",
             "path_in_repo": 5, "commit_date": 7},
            {"kind": "latest", "service": "Leak", "terms_type": "Terms",
             "our_path": str(secret)}]
    (ota / "MANIFEST.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, err = ingest(capsys, tmp_path / "data", ota)
    assert code == 0 and "documents new 1" in out
    assert err.splitlines()[0] == (f"skipped {ota / 'MANIFEST.jsonl'}: lists {str(secret)!r}, "
                                   "outside the snapshot folder")


# ---- the data directory and the files in it -----------------------------------------------


@pytest.mark.parametrize("make,reason", [
    (lambda d: d.write_text("a file, not a folder"), "File exists"),
    (lambda d: (d.mkdir(), (d / "store.sqlite").write_text("not SQLite")),
     "file is not a database"),
])
def test_a_data_dir_that_cannot_hold_a_store(capsys, tmp_path, make, reason):
    data = tmp_path / "data"
    make(data)
    code, _, err = run(capsys, data, "record", NO_SALE)
    assert (code, one_line(err)) == (5, f"error: cannot open the store {data / 'store.sqlite'} "
                                        f"({reason}); --data-dir must be a folder this user "
                                        "can write, holding no store or one made by "
                                        "policy-assistant")


def test_a_damaged_label_model_says_rebuild_it(capsys, tmp_path):
    shutil.copytree(FIXTURES / "ota" / "fixture-versions", tmp_path / "fixture-versions")
    data = tmp_path / "data"
    assert ingest(capsys, data, tmp_path / "fixture-versions")[0] == 0
    (data / "cache").mkdir(exist_ok=True)
    (data / "cache" / "labels-model.json").write_text('{"version": 2}')
    (data / "cache" / "labels-model.npz").write_bytes(b"PK\x03\x04truncated")
    code, _, err = run(capsys, data, "label-corpus")
    assert (code, one_line(err)) == (4, f"error: {data / 'cache' / 'labels-model.npz'} cannot "
                                        "be read (BadZipFile); rebuild it with "
                                        "`policy-assistant train-labels`")


@pytest.mark.parametrize("line,message", [
    ("not json", "not JSON; expected a training group as `train-data` writes them"),
    ("[1]", "a group must be a JSON object (see `train-data`)"),
    ('{"bad": 1}', "field 'q' must be non-empty text (see `train-data`)"),
    ('{"q": "Can they?", "pos": "They can.", "negs": "x"}',
     "field 'negs' must be a list of texts (see `train-data`)"),
    ('{"q": "Can they?", "pos": "They can.", "negs": [], "span": [1], "fold": 0}',
     "field 'span' must be null or [start, end] (see `train-data`)"),
    ('{"q": "Can they?", "pos": "They can.", "negs": [], "span": null, "pol": 3, "fold": 0}',
     "field 'pol' must be null, 0 (yes) or 1 (no) (see `train-data`)"),
    ('{"q": "Can they?", "pos": "They can.", "negs": [], "span": null, "pol": null}',
     "field 'fold' must be 0 or 1 (see `train-data`)"),
])
def test_train_qa_on_a_malformed_training_set(capsys, cli_data, tmp_path, line, message):
    good = ('{"q": "Can they?", "pos": "They can.", "negs": ["No."], "span": [0, 4], '
            '"pol": 0, "fold": 1, "src": "tosdr"}')
    f = tmp_path / "groups.jsonl"
    f.write_text(good + "\n" + line + "\n")
    code, out, err = run(capsys, cli_data, "train-qa", "--data", str(f), "--out",
                         str(tmp_path / "model"), "--limit", "2")
    assert (code, one_line(err)) == (2, f"error: {f}:2: {message}")
    assert not (tmp_path / "model").exists()  # refused before any model was built



@pytest.mark.parametrize("command,what", [("train-data", "the training sets"),
                                          ("train-qa", "the model")])
def test_train_out_under_a_file_fails_before_the_work(capsys, cli_data, tmp_path, command, what):
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder")
    data = tmp_path / "groups.jsonl"
    data.write_text('{"q": "Can they?", "pos": "They can.", "negs": ["No."], "span": [0, 4], '
                    '"pol": 0, "fold": 1, "src": "tosdr"}\n')
    shared = tmp_path / "shared"
    for need in ("opp115", "ota"):  # what shared_root looks for; nothing is read from them
        (shared / "policy-docs" / need).mkdir(parents=True)
    for need in ("policyqa/dev.json", "tosdr/points.jsonl"):
        (shared / "policy-docs" / need).parent.mkdir(parents=True)
        (shared / "policy-docs" / need).write_text("")
    args = ["--shared", str(shared)] if command == "train-data" else ["--data", str(data)]
    code, out, err = run(capsys, cli_data, command, *args, "--out", str(blocker / "sub"))
    assert (code, out) == (2, "")  # nothing built or trained
    assert one_line(err) == (f"error: cannot write {what} to {blocker / 'sub'}: Not a "
                             "directory (--out names a folder to create or reuse)")


def test_a_damaged_qa_model_is_one_line(capsys, cli_data, tmp_path, monkeypatch):
    (tmp_path / "weights.safetensors").write_bytes(b"\xff" * 64)
    monkeypatch.setenv("POLICY_ASSISTANT_QA", "on")
    monkeypatch.setenv("POLICY_ASSISTANT_QA_MODEL", str(tmp_path))
    code, out, err = run(capsys, cli_data, "ask", "Can Streamly close my account?")
    assert (code, out) == (4, "")
    assert one_line(err) == (f"error: {tmp_path / 'weights.safetensors'} cannot be read "
                             "(SafetensorError); reinstall the package or train it with "
                             "`policy-assistant train-qa`")
