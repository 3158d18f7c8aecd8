"""The fuzz tier: generated inputs at every door, asserting "no traceback, a known exit code".

- CLI argument values: each command run in-process through ``assistant.cli.main`` over the
  fixture store; the exit code must be one of corpus/errors.py's (0-5), never 70 (a bug), and a
  failure must be one line on stderr with no traceback.
- Loader inputs: OTA documents and MANIFEST lines, pages, ToS;DR points, SQuAD files, suite
  files, `label` input lines and auth files; each loader returns, reports a Problem, or raises
  a PolicyAssistantError; nothing else.
- Web app handlers: chat, record, compare, changes, the platform filter and ``?record=``; each
  returns a page, with a message box for bad input and never the "something went wrong" box.

Hypothesis runs derandomized with a fixed number of examples per property, so every run tries
the same inputs; each property checks how many it ran (the README quotes the total).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.cli import main
from corpus.errors import PolicyAssistantError, Problem

pytestmark = pytest.mark.fuzz

KNOWN_EXITS = {0, 1, 2, 3, 4, 5}
FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

# text as argv can carry it: any character but NUL, with lone surrogates (undecodable bytes)
ARG = st.text(st.characters(blacklist_characters="\x00"), max_size=60) | st.sampled_from(
    ["", " ", "%", "_", "____", "%%%%%%%%", "-", "--", "--json", "\udcff", "x" * 5000,
     "Streamly", "streamly", "Chatterbox", "Learnify", "2024-13-45", "2023-08-10", "yesterday",
     "streamly-bf7b-32gp-7whs", "Terms of Service", "<script>alert(1)</script>", "' OR 1=1 --",
     "\u202e", "ℌ𝔢𝔩𝔩𝔬", "../../etc/passwd"])
TEXT = st.text(max_size=80) | ARG  # what a browser or an API client can send
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                               max_size=4),
    max_leaves=12)


def run_property(test: Callable[..., None], n: int) -> int:
    """Run the Hypothesis property ``test`` for ``n`` examples; returns how many ran."""
    count = [0]
    inner = test.hypothesis.inner_test  # type: ignore[attr-defined]

    def counted(*args: Any, **kwargs: Any) -> None:
        count[0] += 1
        inner(*args, **kwargs)

    test.hypothesis.inner_test = counted  # type: ignore[attr-defined]
    settings(FUZZ, max_examples=n)(test)()
    return count[0]


def cli(capsys, data: Path, *args: str) -> tuple[int, str]:
    """Exit code and stderr of one in-process command; argparse's own exit counts as one."""
    try:
        code = main(["--data-dir", str(data), "--embedder", "hash", *args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    err = capsys.readouterr().err
    return code, err


def check_edge(code: int, err: str) -> None:
    assert code in KNOWN_EXITS, f"exit {code}: {err}"
    assert "Traceback" not in err and "unexpected failure" not in err, err
    if code:
        last = err.rstrip("\n").splitlines()[-1]
        assert last.startswith("error: "), err


# ---- CLI argument values -----------------------------------------------------------------

CLI_EXAMPLES = 240


def test_cli_argument_values(cli_data, capsys, tmp_path_factory, monkeypatch):
    import assistant.ui

    # serve stops after its checks: nothing is served or blocked on
    monkeypatch.setattr(assistant.ui, "build_app", lambda *a, **k: None)
    monkeypatch.setattr(assistant.ui, "launch", lambda *a, **k: None)
    monkeypatch.setattr(assistant.ui, "wait", lambda demo: None)
    monkeypatch.setenv("POLICY_ASSISTANT_AUTH", "")
    out = tmp_path_factory.mktemp("fuzz-out")
    host = st.sampled_from(["127.0.0.1", "::1", "localhost", "0.0.0.0", "::", "",
                            "999.1.1.1", "::g", "127.0.0.1.1"]) | st.ip_addresses().map(str)
    number = st.integers(-70000, 70000).map(str) | ARG
    commands = st.one_of(
        st.tuples(st.just("ask"), ARG, st.lists(st.sampled_from(
            ["--platform", "--doc-type", "--as-of", "--mode", "--json"]), max_size=3), st.lists(
            ARG, min_size=3, max_size=3)).map(
            lambda t: ["ask", t[1], *[x for flag, v in zip(t[2], t[3], strict=False)
                                      for x in ((flag,) if flag == "--json" else (flag, v))]]),
        st.tuples(st.sampled_from(["record", "history"]), ARG).map(list),
        st.tuples(st.just("compare"), ARG, st.lists(ARG, min_size=1, max_size=3)).map(
            lambda t: ["compare", t[1], "--platforms", *t[2]]),
        st.tuples(st.just("changes"), ARG, st.sampled_from(["--since", "--until",
                                                             "--document", "--kind"]), ARG
                  ).map(list),
        st.tuples(st.just("diff"), ARG, ARG).map(list),
        st.tuples(st.just("prevalence"), ARG).map(list),
        st.tuples(st.just("eval"), ARG, st.sampled_from(["--limit", "--mode", "--format"]),
                  number).map(lambda t: [*t, "--out", str(out / "r")]),
        st.tuples(st.just("serve"), st.sampled_from(["--host", "--port", "--concurrency",
                                                     "--login-attempts"]), host | number
                  ).map(lambda t: [*t, "--no-warmup"]),
    )

    @given(commands)
    def property_(argv: list[str]) -> None:
        if argv[0] == "serve" and "--port" not in argv:
            argv = [*argv, "--port", "1"]  # never the default port, which may be in use
        check_edge(*cli(capsys, cli_data, *argv))

    assert run_property(property_, CLI_EXAMPLES) == CLI_EXAMPLES


FILE_EXAMPLES = 120


def test_cli_file_arguments(cli_data, capsys, tmp_path_factory):
    """`label FILE`, `eval FILE` (suite or SQuAD) and `serve --auth-file FILE` on generated
    contents: random bytes, random JSON, JSON lines of almost-right cases."""
    d = tmp_path_factory.mktemp("fuzz-files")
    case = st.fixed_dictionaries({"id": TEXT, "type": st.sampled_from(
        ["question", "abstain", "record", "bad_input", "conversation", "comparison", "x"])},
        optional={"question": JSON_VALUE | TEXT, "expected": JSON_VALUE, "turns": JSON_VALUE,
                  "platforms": JSON_VALUE, "record_id": JSON_VALUE | TEXT,
                  "expect_error": st.sampled_from(["BadInput", "NotFound", ""])})
    contents = st.one_of(
        st.binary(max_size=200),
        JSON_VALUE.map(lambda v: json.dumps(v).encode()),
        st.lists(case, min_size=1, max_size=3).map(
            lambda cs: "\n".join(json.dumps(c) for c in cs).encode()),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))

    @given(contents, st.sampled_from(["label", "eval-suite", "eval-squad", "serve"]))
    def property_(data: bytes, command: str) -> None:
        f = d / "input"
        f.write_bytes(data)
        args = {"label": ["label", str(f)],
                "eval-suite": ["eval", str(f), "--format", "suite", "--limit", "1", "--mode",
                               "lexical", "--out", str(d / "out")],
                "eval-squad": ["eval", str(f), "--format", "squad", "--limit", "1", "--mode",
                               "lexical", "--out", str(d / "out"), "--cache-dir", str(d / "c")],
                "serve": ["serve", "--auth-file", str(f), "--port", "1", "--host", "::g"],
                }[command]
        check_edge(*cli(capsys, cli_data, *args))

    assert run_property(property_, FILE_EXAMPLES) == FILE_EXAMPLES


# ---- loader inputs -----------------------------------------------------------------------

LOADER_EXAMPLES = 160


def _no_crash(fn: Callable[[], Any]) -> None:
    """Run ``fn``: it may return or refuse with a PolicyAssistantError, nothing else."""
    with contextlib.suppress(PolicyAssistantError):
        fn()


def test_loader_inputs(tmp_path_factory):
    from assistant.commands.label import read_inputs
    from assistant.commands.serve import parse_credentials
    from corpus.ingest import ingest
    from corpus.store import Store
    from evals.cases import load_cases
    from evals.squad import load_squad

    root = tmp_path_factory.mktemp("fuzz-loaders")
    markdownish = st.lists(st.sampled_from(
        ["# Terms", "## 1. Accounts", "**Bold lead.** text", "- item", "1. first", "", "---",
         "We may suspend your account at any time.", "[link](http://x)", "<br>", "> quote",
         "Setext\n=====", "| a | b |", "\t", "\u00a0", "*", "_", "`code`"]) | st.text(max_size=40),
        max_size=12).map("\n".join)
    doc = st.one_of(markdownish.map(str.encode), st.binary(max_size=300),
                    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
    point = st.fixed_dictionaries({}, optional={
        k: JSON_VALUE | TEXT for k in ("point_id", "service", "case", "classification",
                                       "quote_text", "analyst_note", "title")}) | JSON_VALUE
    manifest_row = st.fixed_dictionaries(  # mostly well-formed, so rows reach the reader
        {"kind": st.sampled_from(["latest", "history"]) | TEXT, "service": TEXT,
         "terms_type": TEXT, "our_path": st.sampled_from(
             ["x/ota/c/Svc/Terms.md", "c/Svc/Terms.md", "/etc/hostname", "../../x.md",
              "x/ota/history/Svc/Terms/2023-01-01.md"]) | TEXT},
        optional={k: JSON_VALUE | TEXT for k in ("repo", "commit", "commit_date",
                                                 "path_in_repo", "latest_our_path",
                                                 "sha256")}) | st.fixed_dictionaries(
        {}, optional={k: JSON_VALUE for k in ("kind", "service", "terms_type", "our_path")})
    which = st.sampled_from(["clone", "page", "tosdr", "manifest", "squad", "suite", "label",
                             "auth"])

    @given(which, doc, st.lists(point, max_size=4), st.lists(manifest_row, max_size=3),
           JSON_VALUE, st.integers(0, 10**6))
    def property_(kind: str, body: bytes, points: list, rows: list, value: Any, n: int) -> None:
        case = Path(tempfile.mkdtemp(prefix=kind, dir=root))
        problems: list[Problem] = []
        if kind in ("clone", "page", "tosdr", "manifest"):
            if kind == "clone":
                f = case / "fuzz-versions" / "Svc" / "Terms of Service.md"
            elif kind == "page":
                f = case / "pages" / "page.txt"
            elif kind == "tosdr":
                f = case / "points.jsonl"
                body = ('{"point_id": 1}\n' + "\n".join(json.dumps(p) for p in points)).encode()
            else:
                f = case / "ota" / "MANIFEST.jsonl"
                body = "\n".join(json.dumps(r) for r in rows).encode()
                (case / "ota" / "c" / "Svc").mkdir(parents=True)
                (case / "ota" / "c" / "Svc" / "Terms.md").write_text("# T\n\nWe may end it.\n")
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(body)
            store = Store(case / "store.sqlite")
            try:
                summary = ingest(store, [f.parent if kind in ("clone", "page") else
                                         (case / "ota" if kind == "manifest" else f)],
                                 problems.append)
            finally:
                store.close()
            assert all(isinstance(p, Problem) for p in problems)
            assert summary.documents + len(problems) + summary.annotations >= 0
        elif kind == "squad":
            f = case / "set.json"
            f.write_text(json.dumps({"data": value} if n % 2 else value))
            _no_crash(lambda: load_squad(f))
        elif kind == "suite":
            f = case / "suite.jsonl"
            f.write_bytes(body if n % 2 else json.dumps(value).encode())
            _no_crash(lambda: load_cases(f))
        elif kind == "label":
            lines = body.decode("utf-8", "replace").splitlines() + [json.dumps(value)]
            _no_crash(lambda: read_inputs(lines, "text"))
        else:
            _no_crash(lambda: parse_credentials(body.decode("utf-8", "replace"), "auth"))

    assert run_property(property_, LOADER_EXAMPLES) == LOADER_EXAMPLES


# ---- web app handlers --------------------------------------------------------------------

UI_EXAMPLES = 160


def test_web_app_handler_inputs(fixture_assistant):
    from assistant.ui import UNEXPECTED, WebUI

    web = WebUI(fixture_assistant)
    ids = list(web.names) + ["", "nosuch", "<b>x</b>"]
    platforms = st.lists(st.sampled_from(ids) | TEXT, max_size=3)
    doc_types = st.lists(st.sampled_from(web.doc_types + ["Nope"]) | TEXT, max_size=2)

    class Request:
        def __init__(self, rid: str):
            self.query_params = {"record": rid}

    def shown(value: Any) -> str:
        return json.dumps(value, default=str, ensure_ascii=False)

    @given(st.sampled_from(["chat", "record", "load", "compare", "changes", "focus"]),
           TEXT, platforms, doc_types, st.booleans())
    def property_(handler: str, text: str, plats: list[str], docs: list[str],
                  flag: bool) -> None:
        if handler == "chat":
            state = web.new_state()
            outs = list(web.respond(text, state, plats, docs))
            assert outs and all(len(o) == 6 for o in outs)
            page = shown(outs)
        elif handler == "record":
            page = shown(web.open_record(text))
        elif handler == "load":
            page = shown(web.on_load(Request(text)))  # type: ignore[arg-type]
        elif handler == "compare":
            page = shown(web.run_compare(plats, text, docs[0] if docs else ""))
        elif handler == "changes":
            page = shown(web.run_changes(text if flag else (plats or [""])[0], flag))
        else:
            page = shown(web.set_focus(web.new_state(), plats))
        assert UNEXPECTED not in page, page[:500]
        assert "Traceback" not in page

    assert run_property(property_, UI_EXAMPLES) == UI_EXAMPLES

