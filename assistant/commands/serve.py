"""`policy-assistant serve`: the Gradio web app.

Binds to loopback unless --host says otherwise. Login is optional: --auth-file (lines of
``user:password``) or $POLICY_ASSISTANT_AUTH (``user:password`` pairs separated by commas);
serving beyond loopback without one prints a warning, since anyone who can reach the port could
use the app.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

from corpus.errors import BadInput

AUTH_ENV = "POLICY_ASSISTANT_AUTH"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="start the web app (Gradio) on loopback")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; 0.0.0.0 serves every interface)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--auth-file", type=Path, metavar="PATH",
                   help="require a login: a file of user:password lines "
                   f"(or set ${AUTH_ENV}=user:password[,user2:password2])")
    p.add_argument("--concurrency", type=int, default=4,
                   help="events the queue runs at once (default 4: answering takes a lock, and "
                   "on 2 cores more threads only contend; 20 sessions' p95 was 1.9 s at 16, "
                   "1.5 s at 4)")
    p.add_argument("--no-warmup", action="store_true",
                   help="skip loading the indexes before the first request")
    p.set_defaults(func=run)


def parse_credentials(text: str, where: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for i, raw in enumerate(text.replace(",", "\n").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            raise BadInput(f"{where}: entry {i} is not user:password")
        pairs.append((user.strip(), password))
    if not pairs:
        raise BadInput(f"{where}: no user:password entries")
    return pairs


def load_auth(path: Path | None, env: dict[str, str] | None = None
              ) -> list[tuple[str, str]] | None:
    env = dict(os.environ) if env is None else env
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"cannot read the auth file {path}: {exc.strerror}") from None
        return parse_credentials(text, str(path))
    if env.get(AUTH_ENV, "").strip():
        return parse_credentials(env[AUTH_ENV], f"${AUTH_ENV}")
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace, ctx: Any) -> int:
    if not 0 < args.port < 65536:
        raise BadInput(f"--port {args.port} is not a port number")
    auth = load_auth(args.auth_file)
    if not is_loopback(args.host) and not auth:
        print(f"warning: serving on {args.host} without a login; anyone who can reach port "
              f"{args.port} can use the app (use --auth-file or ${AUTH_ENV})", file=sys.stderr)
    assistant = ctx.assistant()
    if not args.no_warmup:
        assistant.ask("warm up the index", None)  # loads indexes and model before users come
    from assistant.ui import build_app, launch

    demo = build_app(assistant, concurrency=args.concurrency)
    print(f"serving on http://{args.host}:{args.port}"
          f"{' (login required)' if auth else ''}", file=sys.stderr)
    launch(demo, host=args.host, port=args.port, auth=auth, block=True)
    return 0
