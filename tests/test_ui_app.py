"""The web app's handlers and the `serve` command, without a browser (the browser tier is
tests/test_ui_browser.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from assistant.cli import build_parser, main
from assistant.commands.serve import is_loopback, load_auth, parse_credentials
from corpus.errors import BadInput


def test_serve_defaults_to_loopback_and_7860():
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.auth_file) == ("127.0.0.1", 7860, None)


def test_credentials_from_file_and_environment(tmp_path):
    f = tmp_path / "auth"
    f.write_text("# who may log in\nalice:s3cret:with:colons\n\nbob:pw\n")
    assert load_auth(f, env={}) == [("alice", "s3cret:with:colons"), ("bob", "pw")]
    assert load_auth(None, env={"POLICY_ASSISTANT_AUTH": "carol:x,dave:y"}) == [
        ("carol", "x"), ("dave", "y")]
    assert load_auth(None, env={}) is None
    with pytest.raises(BadInput, match="entry 1 is not user:password"):
        parse_credentials("nopassword", "auth")
    with pytest.raises(BadInput, match="no user:password entries"):
        parse_credentials("# only a comment\n", "auth")


def test_serve_reports_an_unreadable_auth_file_without_a_traceback(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path), "serve", "--auth-file", str(tmp_path / "none")])
    assert code == BadInput.exit_code
    assert capsys.readouterr().err.startswith("error: cannot read the auth file")


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")


@pytest.fixture(scope="module")
def web(fixture_assistant, tmp_path_factory):
    from assistant.ui import WebUI

    return WebUI(fixture_assistant, export_dir=tmp_path_factory.mktemp("exports"))


def _last(gen):
    out = None
    for out in gen:  # noqa: B007 - the last yield is the settled display
        pass
    return out


def test_chat_turn_cites_and_keeps_the_conversation(web):
    state = web.new_state()
    msgs, box, state, focus, cards, plats = _last(
        web.respond("Can Streamly terminate my account without notice?", state, [], []))
    assert box == ""
    assert focus == ('<div class="pa-focus">Searching Streamly for: '
                     "terminate my account without notice</div>")
    assert 'data-record="streamly-bf7b-32gp-7whs"' in cards and cards.count('class="pa-card"') == 1
    assert [m["role"] for m in msgs] == ["user", "assistant"]
    assert plats["value"] == ["streamly"]
    msgs, _, state, focus, cards, _ = _last(web.respond("Can I appeal?", state, [], []))
    assert focus == '<div class="pa-focus">Searching Streamly for: I appeal</div>'
    assert 'data-record="streamly-5czy-ghj4-ejj1"' in cards
    assert len(msgs) == 4 and sorted(state["cards"]) == ["1", "3"]
    assert json.loads(state["session"])["platforms"] == ["streamly"]


def test_platform_filter_sets_the_focus(web):
    state = web.set_focus(web.new_state(), ["learnify"])
    _, _, state, focus, cards, _ = _last(web.respond("Can my access be suspended?", state, [],
                                                     []))
    assert focus.startswith('<div class="pa-focus">Searching Learnify for:')
    assert 'data-record="learnify-1aft-akcp-a4tx"' in cards


def test_document_type_filter(web):
    q = "Does Streamly sell my personal data?"
    _, _, _, focus, cards, _ = _last(web.respond(q, web.new_state(), [], ["Privacy Policy"]))
    assert focus == ('<div class="pa-focus">Searching Streamly for: sell my personal data '
                     "(in Privacy Policy only)</div>")
    assert 'data-record="streamly-656s-bg1z-qwqs"' in cards
    _, _, _, _, cards, _ = _last(web.respond(q, web.new_state(), [], ["Terms of Service"]))
    assert cards == '<div class="pa-cards pa-empty">No citations for this answer.</div>'


def test_sessions_do_not_share_state(web):
    a, b = web.new_state(), web.new_state()
    _, _, a, *_ = _last(web.respond("Does Streamly sell my personal data?", a, [], []))
    assert b["messages"] == [] and json.loads(b["session"])["platforms"] == []


def test_bad_input_becomes_a_message(web):
    out = list(web.respond("   ", web.new_state(), [], []))
    assert len(out) == 1  # nothing asked, nothing changed
    rid, page = web.open_record("<img src=x onerror=alert(1)>")
    assert rid == "<img src=x onerror=alert(1)>"
    assert page.startswith('<div class="pa-error">no record &#x27;&lt;img src=x onerror')
    assert "<img" not in page


def test_compare_table_and_exports(web):
    focus, table, diff, csv_btn, md_btn = web.run_compare(["streamly", "learnify"], "",
                                                          "Arbitration and class-action waiver")
    assert "Comparing Streamly and Learnify on: Arbitration and class-action waiver" in focus
    assert 'data-record="streamly-at04-k0tt-f5b9"' in table
    text = Path(csv_btn.value["path"]).read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert [(r["platform"], r["record_id"], r["addressed"]) for r in rows] == [
        ("Streamly", "streamly-at04-k0tt-f5b9", "True"), ("Learnify", "", "False")]
    md = Path(md_btn.value["path"]).read_text(encoding="utf-8").splitlines()
    assert md[4].endswith("| `streamly-at04-k0tt-f5b9` |")
    assert md[5] == "| Learnify | — | not addressed in Terms of Service | — |"


def test_compare_without_platforms_is_a_message(web):
    focus, table, *_ = web.run_compare([], "arbitration", "")
    assert table == '<div class="pa-error">name at least one platform to compare</div>'


def test_answers_are_revealed_step_by_step(web):
    steps = list(web.respond("Can Streamly terminate my account without notice?",
                             web.new_state(), [], []))
    shown = [s[0][-1]["content"] for s in steps]
    assert shown[0] == "Searching…"
    from assistant.ui import STREAM_STEPS

    # "Searching…", at most STREAM_STEPS partial reveals (one more for a remainder), the answer
    assert 3 <= len(steps) <= 1 + STREAM_STEPS + 1 + 1
    middle = shown[1:-1]
    assert all(len(a) < len(b) for a, b in zip(middle, middle[1:], strict=False))
    assert shown[-1].startswith("From Streamly&#x27;s Terms of Service [1]: “Streamly may")


def test_changes_view_lists_a_platforms_change_records(tmp_path):
    from conftest import build_assistant
    from history_fixture import FIXTURE_HISTORY, TRIAL_7, TRIAL_30

    from assistant.ui import WebUI

    a = build_assistant(tmp_path / "data", sources=[FIXTURE_HISTORY])
    ui = WebUI(a, export_dir=tmp_path / "exports")
    page = ui.run_changes("videomeet", True)
    assert "Videomeet: " in page and "change record(s)" in page
    # the free-trial edit shows its old and new records as buttons that open them
    assert f'data-record="{TRIAL_30}"' in page and f'data-record="{TRIAL_7}"' in page
    assert "formatting" not in page  # wording changes only
    assert ui.run_changes("", True).startswith('<div class="pa-error">')


def test_a_document_type_named_in_the_message_overrides_the_filter_once_in_the_focus(web):
    state = web.new_state()
    _, _, state, *_ = _last(web.respond("Does Streamly sell my personal data?", state, [],
                                        ["Privacy Policy"]))
    _, _, _, focus, _, _ = _last(web.respond("What about in the terms of service?", state, [],
                                             ["Privacy Policy"]))
    assert focus == ('<div class="pa-focus">Searching Streamly for: sell my personal data '
                     '(in Terms of Service only)</div>')
