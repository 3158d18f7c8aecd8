"""Command line: a thin front end over the Python API. It reads input, calls the API, prints,
and turns PolicyAssistantError into a one-line message and an exit code."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

from assistant.settings import Settings
from corpus.errors import PolicyAssistantError

# each module defines add_parser(subparsers) and sets func=run(args, ctx) -> int
COMMANDS = ["ingest", "ask", "chat", "compare", "record", "changes", "diff", "history",
            "watch", "digest", "train_labels", "label_corpus", "label", "prevalence", "serve",
            "eval"]
OPTIONAL_COMMANDS: list[str] = []


class Context:
    """What a command needs, built lazily so that --help and small commands start fast."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.settings = Settings.from_env(data_dir=args.data_dir, chroma_url=args.chroma_url,
                                          embedder=args.embedder)
        self._assistant: Any = None

    def assistant(self) -> Any:
        if self._assistant is None:
            from assistant.core import Assistant

            self._assistant = Assistant(self.settings)
        return self._assistant


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args, Context(args)) or 0)
    except PolicyAssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
