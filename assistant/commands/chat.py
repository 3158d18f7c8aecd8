"""`policy-assistant chat`: a terminal conversation (readline history, /reset, /platforms,
/quit)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

COMMANDS_HELP = "/reset starts over, /platforms lists platforms, /quit leaves"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("chat", help="a conversation in the terminal (follow-ups, comparisons)")
    p.add_argument("--json", action="store_true", help="print each answer as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from assistant import Session, clean_question
    from corpus.errors import PolicyAssistantError

    a = ctx.assistant()
    history = ctx.settings.data_dir / "chat_history"
    try:
        import readline

        with contextlib.suppress(OSError):
            readline.read_history_file(history)
    except ImportError:  # pragma: no cover - no readline on this platform
        readline = None  # type: ignore[assignment]
    session = Session()
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"Ask about platform policies. {COMMANDS_HELP}.")
    while True:
        try:
            line = input("you> " if interactive else "")
        except EOFError:
            break
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit", "/q"):
            break
        if line == "/reset":
            session.reset()
            print("Conversation reset.")
            continue
        if line == "/platforms":
            names = a.platform_names()
            print(f"{len(names)} platforms: " + ", ".join(sorted(names.values())))
            continue
        try:
            clean_question(line)
        except PolicyAssistantError as exc:  # refused as it stands: not kept in the history
            print(f"error: {exc}")
            if readline is not None and readline.get_current_history_length():
                readline.remove_history_item(readline.get_current_history_length() - 1)
            continue
        try:
            answer = a.chat(session, line)
        except PolicyAssistantError as exc:
            print(f"error: {exc}")
            continue
        if args.json:
            from assistant.cli import print_json

            print_json(answer.to_dict())
        else:
            if answer.focus:
                print(answer.focus)
            print(answer.text)
            print()
    if readline is not None:
        try:
            history.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(history)
        except OSError:
            pass
    return 0
