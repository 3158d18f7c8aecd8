"""`policy-assistant serve`: the Gradio web app.

Binds to loopback unless --host says otherwise. A login comes from --auth-file (lines of
``user:password``) or $POLICY_ASSISTANT_AUTH (``user:password`` pairs separated by commas). An
address beyond loopback without a login is refused: anyone who can reach the port could use the
app, so serving it open takes --unsafe-no-login. With a login, failed logins are throttled per
client address (--login-attempts per minute). The port is checked before anything loads, and
"serving on" is printed only once the server listens.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Any

from assistant.login_throttle import ATTEMPTS, WINDOW
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
    p.add_argument("--unsafe-no-login", action="store_true",
                   help="serve a non-loopback --host without a login: anyone who can reach the "
                   "port can use the app (refused without this flag)")
    p.add_argument("--login-attempts", type=int, default=ATTEMPTS, metavar="N",
                   help=f"failed logins a client address may make per {WINDOW:.0f} s before its "
                   f"logins are refused for the rest of that time (default {ATTEMPTS})")
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
        except UnicodeDecodeError as exc:
            raise BadInput(f"the auth file {path} is not UTF-8 text (byte {exc.start})"
                           ) from None
        return parse_credentials(text, str(path))
    if env.get(AUTH_ENV, "").strip():
        return parse_credentials(env[AUTH_ENV], f"${AUTH_ENV}")
    return None


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is a loopback address (an empty host, which
    binds every interface, is not)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM) if host else []
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(str(i[4][0]).split("%")[0]).is_loopback
                               for i in infos)


def check_port(host: str, port: int) -> None:
    """Refuse, with the reason, an address this machine cannot listen on."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise BadInput(f"--host {host!r} is not an address of this machine "
                       f"({getattr(exc, 'strerror', None) or exc})") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise BadInput(f"port {port} on {host} is in use; stop what holds it or pick "
                               "another with --port") from None
            raise BadInput(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None


def run(args: argparse.Namespace, ctx: Any) -> int:
    if not 0 < args.port < 65536:
        raise BadInput(f"--port {args.port} is not a port number")
    if args.concurrency < 1:
        raise BadInput(f"--concurrency {args.concurrency}: the queue needs at least 1")
    if args.login_attempts < 1:
        raise BadInput(f"--login-attempts {args.login_attempts}: allow at least 1")
    auth = load_auth(args.auth_file)
    if not is_loopback(args.host) and not auth:
        if not args.unsafe_no_login:
            raise BadInput(f"--host {args.host or '(every interface)'} serves the app beyond "
                           f"this machine and there is no login: give one with --auth-file "
                           f"FILE (user:password lines) or ${AUTH_ENV}, or pass "
                           f"--unsafe-no-login to let anyone who can reach port {args.port} "
                           "use it")
        print(f"warning: serving on {args.host} without a login (--unsafe-no-login); anyone "
              f"who can reach port {args.port} can use the app", file=sys.stderr)
    check_port(args.host, args.port)  # before minutes of loading, not after
    assistant = ctx.assistant()
    if not args.no_warmup:
        assistant.ask("warm up the index", None)  # loads indexes and model before users come
    from assistant.ui import build_app, launch, wait

    demo = build_app(assistant, concurrency=args.concurrency)
    try:
        launch(demo, host=args.host, port=args.port, auth=auth, block=False,
               login_attempts=args.login_attempts)
    except OSError as exc:  # taken between the check and the start
        raise BadInput(f"cannot listen on {args.host}:{args.port} ({exc}); pick another "
                       "--port") from None
    print(f"serving on http://{args.host}:{args.port}"
          f"{' (login required)' if auth else ''}", file=sys.stderr)
    wait(demo)
    return 0
