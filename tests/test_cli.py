"""The command line over the fixture corpus: JSON shapes, messages and exit codes."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURE_OTA, FIXTURE_TOSDR
from test_retrieval import NO_SALE

from assistant.cli import main


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli-data")
    assert main(["--data-dir", str(d), "--embedder", "hash", "ingest", "--quiet",
                 str(FIXTURE_OTA), str(FIXTURE_TOSDR)]) == 0
    return d


def run(capsys, data_dir, *args):
    code = main(["--data-dir", str(data_dir), "--embedder", "hash", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ask_json_shape(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "ask", "Does Streamly sell my personal data?", "--json")
    assert code == 0
    obj = json.loads(out)
    assert set(obj) >= {"answer", "citations", "timings"}
    c = obj["citations"][0]
    assert set(c) >= {"record_id", "platform", "document", "section", "quote", "start", "end",
                      "scores"}
    assert c["record_id"] == NO_SALE and c["platform"] == "Streamly"
    assert set(c["scores"]) == {"dense", "lexical", "fused"}
    assert {"embed_ms", "retrieve_ms", "answer_ms", "total_ms"} <= set(obj["timings"])


def test_ask_platform_flag(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "ask", "appeal", "--platform", "chatterbox", "--json")
    assert code == 0 and {c["platform"] for c in json.loads(out)["citations"]} == {"Chatterbox"}


@pytest.mark.parametrize("args,code,message", [
    (["ask", "  "], 2, "error: the question is empty"),
    (["ask", "hello", "--platform", "Spotify"], 2, "error: unknown platform 'Spotify'"),
    (["record", "nope-0000-0000-0000"], 3, "error: no record 'nope-0000-0000-0000'"),
    (["compare", "cookies", "--platforms", "Nosuch"], 2, "error: unknown platform 'Nosuch'"),
])
def test_bad_input_gives_one_line_and_exit_code(capsys, data_dir, args, code, message):
    got, out, err = run(capsys, data_dir, *args)
    assert got == code
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err


def test_compare_json_table(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "compare", "selling personal data", "--platforms",
                       "Streamly", "Chatterbox", "--json")
    table = json.loads(out)["meta"]["table"]
    assert code == 0 and [r["addressed"] for r in table] == [True, False]


def test_chat_reads_stdin(capsys, data_dir, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(
        "Does Streamly sell my personal data?\n/platforms\n/reset\n/quit\n"))
    code, out, _ = run(capsys, data_dir, "chat")
    assert code == 0
    assert "Searching Streamly for: sell my personal data" in out
    assert "3 platforms: Chatterbox, Learnify, Streamly" in out
    assert "Conversation reset." in out


def test_record_prints_section_and_assessment(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "record", NO_SALE)
    assert code == 0
    assert "Section   Selling personal data" in out
    assert "tosdr-9002 [good] This service does not sell your personal data" in out


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("ingest", "ask", "chat", "compare", "record"):
        assert cmd in out


def test_console_entry_prints_everything_and_keeps_exit_codes(data_dir):
    """`python -m assistant` goes through cli.entry, which ends read-only commands without
    the interpreter's teardown: the output must still be complete and the codes the same."""
    import subprocess
    import sys

    base = [sys.executable, "-m", "assistant", "--data-dir", str(data_dir), "--embedder", "hash"]
    ok = subprocess.run(base + ["ask", "Does Streamly sell my personal data?", "--json"],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and json.loads(ok.stdout)["citations"][0]["record_id"] == NO_SALE
    bad = subprocess.run(base + ["ask", " "], capture_output=True, text=True, timeout=120)
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.startswith("error: the question is empty")
    missing = subprocess.run(base + ["record", "nosuch-0000-0000-0000"], capture_output=True,
                             text=True, timeout=120)
    assert missing.returncode == 3 and missing.stderr.startswith("error: no record")
