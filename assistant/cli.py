"""Command line: a thin front end over the Python API. It reads input, calls the API, prints,
and turns every error into one line on stderr and an exit code:

- a PolicyAssistantError (bad input, not found, no index, store unavailable): its message and
  its exit code (corpus/errors.py: 1-5);
- a malformed command line: ``error: …`` and 2, as argparse exits;
- anything else is a bug: one line naming it and exit code 70 (``POLICY_ASSISTANT_DEBUG=1``
  shows the traceback instead).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from assistant import Settings
from corpus.errors import INTERNAL_ERROR, BadInput, PolicyAssistantError

if TYPE_CHECKING:
    from assistant import Assistant

# each module defines add_parser(subparsers) and sets func=run(args, ctx) -> int
COMMANDS = ["ingest", "ask", "chat", "compare", "record", "changes", "diff", "history",
            "watch", "digest", "train_data", "train_qa", "train_labels", "label_corpus", "label",
            "prevalence", "serve", "worker", "eval"]
OPTIONAL_COMMANDS: list[str] = []
# read-only commands: when they are done only the output streams need flushing, so the
# console script skips the interpreter's teardown (freeing the loaded index and models took
# about 1 s of a cold `ask`; see evals/bench_cold.py)
FAST_EXIT = frozenset({"ask", "compare", "record"})
_ran: list[str] = []  # the command main() ran last


class Context:
    """What a command needs, built lazily so that --help and small commands start fast."""

    def __init__(self, args: argparse.Namespace):
        self.started = time.perf_counter()  # the command's own time starts here
        self.args = args
        self.settings = Settings.from_env(data_dir=args.data_dir, chroma_url=args.chroma_url,
                                          embedder=args.embedder)
        self._assistant: Assistant | None = None

    def assistant(self) -> Assistant:
        if self._assistant is None:
            from assistant import Assistant

            self._assistant = Assistant(self.settings)
        return self._assistant


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (sub-commands get the same class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="policy-assistant",
        description="Cited answers about platforms' terms of service and privacy policies.")
    p.add_argument("--data-dir", help="where the store, index and caches live "
                   "(default: $POLICY_ASSISTANT_DATA or ~/.local/share/policy-assistant)")
    p.add_argument("--chroma-url", help="use a Chroma server (http://HOST:PORT) instead of the "
                   "embedded store (also $POLICY_ASSISTANT_CHROMA_URL)")
    p.add_argument("--embedder", choices=["minilm", "hash"],
                   help="embedding model (default minilm; 'hash' is a model-free test stand-in)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS + OPTIONAL_COMMANDS:
        try:
            mod = importlib.import_module(f"assistant.commands.{name}")
        except ImportError:  # pragma: no cover - optional command not present
            continue
        mod.add_parser(sub)
    return p


def _check_text(argv: Sequence[str]) -> None:
    """Arguments must be text: bytes that are not UTF-8 reach Python as lone surrogates, which
    neither the store nor the terminal can take."""
    for n, arg in enumerate(argv, 1):
        if any("\ud800" <= ch <= "\udfff" for ch in arg):
            raise BadInput(f"argument {n} is not valid UTF-8 text")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a character the terminal lacks is escaped
        if hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # a closed or unusual stream
                stream.reconfigure(errors="backslashreplace")
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        _check_text(argv)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    parser = build_parser()
    args = parser.parse_args(argv)
    _ran[:] = [str(args.command)]
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args, Context(args)) or 0)
    except PolicyAssistantError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        if os.environ.get("POLICY_ASSISTANT_DEBUG"):
            raise
        print(f"error: unexpected failure ({_one_line(exc)}); this is a bug, not your input: "
              "run again with POLICY_ASSISTANT_DEBUG=1 for the traceback", file=sys.stderr)
        return INTERNAL_ERROR


def entry() -> NoReturn:
    """The console script (and ``python -m assistant``): ``main()``, then the exit."""
    code = main()
    if _ran and _ran[0] in FAST_EXIT:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a reader that went away
                stream.flush()
        os._exit(code)
    sys.exit(code)


def print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
