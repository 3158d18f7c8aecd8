"""A resident assistant for the command line. ``policy-assistant worker start`` keeps one
process with the index and the models loaded, listening on a Unix socket in the data
directory (``DATA/worker.sock``, readable by its owner only). ``ask`` sends its question there
when a worker with the same settings answers, and answers in its own process otherwise, so a
worker is never required and a dead one costs nothing but a failed connect.

The worker checks the store's fingerprint before each question and reloads after an ingest,
and exits after ``--idle`` minutes without a question. This module's client side imports
only the standard library: a command that a worker answers starts no model and no index.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import socketserver
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.core import Assistant
    from assistant.settings import Settings

SOCKET = "worker.sock"
TIMEOUT_S = 120.0  # longest a client waits for one answer


def socket_path(settings: Settings) -> Path:
    return settings.data_dir / SOCKET


def settings_key(settings: Settings) -> str:
    """What must match for a worker's answers to be this command's answers."""
    fields = {k: v for k, v in asdict(settings).items() if k not in ("ingest_threads",)}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()
                          ).hexdigest()[:16]


# ---- client ------------------------------------------------------------------------------

def request(settings: Settings, message: dict[str, Any]) -> dict[str, Any] | None:
    """The worker's reply, or None when no worker with these settings answers."""
    path = socket_path(settings)
    if not path.exists():
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(TIMEOUT_S)
            s.connect(str(path))
            s.sendall(json.dumps({**message, "key": settings_key(settings)}).encode() + b"\n")
            with s.makefile("rb") as fh:
                line = fh.readline()
    except OSError:  # no worker behind the socket (it died), or it is busy past the timeout
        return None
    reply = json.loads(line) if line else None
    if not reply or reply.get("status") == "other settings":
        return None
    return dict(reply)


# ---- server ------------------------------------------------------------------------------

class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        line = self.rfile.readline()
        try:
            reply = self.server.worker.handle(json.loads(line))
        except Exception as exc:  # a bug: said to the client, the worker keeps serving
            reply = {"status": "error", "error": f"unexpected failure ({type(exc).__name__}: "
                     f"{' '.join(str(exc).split())[:200]})", "exit_code": 70}
        self.wfile.write(json.dumps(reply, ensure_ascii=False, default=str).encode() + b"\n")


class _Server(socketserver.UnixStreamServer):
    worker: Worker


class Worker:
    """Answers ``ask`` requests with one loaded assistant."""

    def __init__(self, assistant: Assistant, idle_minutes: float = 60.0):
        self.a = assistant
        self.key = settings_key(assistant.settings)
        self.idle_s = idle_minutes * 60
        self.last = time.monotonic()
        self.fingerprint = ""
        self.stopping = False

    def handle(self, msg: dict[str, Any]) -> dict[str, Any]:
        from corpus.errors import PolicyAssistantError

        self.last = time.monotonic()
        if msg.get("key") != self.key:
            return {"status": "other settings"}
        if msg.get("op") == "stop":
            self.stopping = True
            return {"status": "stopping"}
        if msg.get("op") == "status":
            return {"status": "ok", "pid": os.getpid(), "fingerprint": self.fingerprint}
        from assistant.core import clean_question

        try:
            self.refresh_if_changed()
            a = self.a
            q = clean_question(msg.get("question", ""))
            filters = a.resolve_filters(q, msg.get("platforms") or [],
                                        msg.get("doc_types") or [], msg.get("as_of") or "")
            answer = a.ask(q, filters, mode=msg.get("mode") or "hybrid")
        except PolicyAssistantError as exc:
            return {"status": "error", "error": " ".join(str(exc).split()),
                    "exit_code": exc.exit_code}
        return {"status": "ok", "answer": answer.to_dict()}

    def refresh_if_changed(self) -> None:
        """Reload the index and platform names after the store changed (an ingest)."""
        fingerprint = self.a.store.fingerprint()
        if fingerprint != self.fingerprint:
            if self.fingerprint:
                self.a.refresh()
            self.fingerprint = fingerprint

    def serve(self, path: Path, ready: Any = None) -> None:
        """Listen on ``path`` until stopped or idle; ``ready()`` is called once listening."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if socket_is_stale(path):
            path.unlink()
        old_mask = os.umask(0o177)  # the socket: owner only
        try:
            server = _Server(str(path), _Handler)
        finally:
            os.umask(old_mask)
        server.worker = self
        server.timeout = 1.0
        try:
            self.a.warm()
            self.a.ask("Can they close my account?")  # first inference allocates; not a user's
            self.refresh_if_changed()
            if ready is not None:
                ready()
            while not self.stopping and time.monotonic() - self.last < self.idle_s:
                server.handle_request()
        finally:
            server.server_close()
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def socket_is_stale(path: Path) -> bool:
    """Whether ``path`` is a socket file no process listens on (left by a killed worker)."""
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(str(path))
        except OSError:
            return True
    from corpus.errors import BadInput

    raise BadInput(f"a worker already listens on {path}; `policy-assistant worker stop` "
                   "stops it")
