"""`serve` exposure rules: no open app beyond loopback without --unsafe-no-login, the port
checked before anything loads, failed logins throttled per client address."""

from __future__ import annotations

import asyncio
import socket

import pytest

from assistant.cli import main
from assistant.commands.serve import is_loopback
from assistant.login_throttle import LoginThrottle
from tests.conftest import build_assistant


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(capsys, tmp_path, *args: str) -> tuple[int, str]:
    code = main(["--data-dir", str(tmp_path / "data"), "--embedder", "hash", "serve", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::", ""])
def test_a_non_loopback_host_without_a_login_is_refused(capsys, tmp_path, monkeypatch, host):
    monkeypatch.delenv("POLICY_ASSISTANT_AUTH", raising=False)
    code, err = serve(capsys, tmp_path, "--host", host)
    assert code == 2
    assert err == (f"error: --host {host or '(every interface)'} serves the app beyond this "
                   "machine and there is no login: give one with --auth-file FILE "
                   "(user:password lines) or $POLICY_ASSISTANT_AUTH, or pass --unsafe-no-login "
                   "to let anyone who can reach port 7860 use it\n")
    assert not (tmp_path / "data").exists()  # refused before the store was opened


def test_unsafe_no_login_passes_the_login_rule_with_a_warning(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("POLICY_ASSISTANT_AUTH", raising=False)
    with socket.socket() as held:  # the port is taken, so the command stops at the next check
        held.bind(("0.0.0.0", 0))
        held.listen()
        port = held.getsockname()[1]
        code, err = serve(capsys, tmp_path, "--host", "0.0.0.0", "--port", str(port),
                          "--unsafe-no-login")
    assert code == 2
    assert err.splitlines() == [
        f"warning: serving on 0.0.0.0 without a login (--unsafe-no-login); anyone who can "
        f"reach port {port} can use the app",
        f"error: port {port} on 0.0.0.0 is in use; stop what holds it or pick another with "
        "--port"]


def test_a_port_in_use_fails_before_loading_and_before_serving_on(capsys, tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code, err = serve(capsys, tmp_path, "--port", str(port))
    assert code == 2
    assert err == (f"error: port {port} on 127.0.0.1 is in use; stop what holds it or pick "
                   "another with --port\n")
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("args,message", [
    (["--port", "0"], "error: --port 0 is not a port number\n"),
    (["--concurrency", "0"], "error: --concurrency 0: the queue needs at least 1\n"),
    (["--login-attempts", "0"], "error: --login-attempts 0: allow at least 1\n"),
    (["--host", "no-such-host.invalid"],
     "error: --host 'no-such-host.invalid' is not an address of this machine"),
])
def test_bad_serve_settings_get_one_line(capsys, tmp_path, args, message, monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_AUTH", "alice:pw")  # past the login rule
    code, err = serve(capsys, tmp_path, *args)
    assert code == 2 and err.startswith(message) and err.count("\n") == 1


def test_serving_on_is_printed_once_the_server_listens(capsys, tmp_path, monkeypatch):
    import urllib.request

    import assistant.ui

    build_assistant(tmp_path / "data")
    port = _free_port()
    seen: list[int] = []

    def wait(demo) -> None:  # instead of blocking: the server answers, then it stops
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=30) as r:
            seen.append(r.status)
        demo.close()

    monkeypatch.setattr(assistant.ui, "wait", wait)
    code, err = serve(capsys, tmp_path, "--port", str(port), "--no-warmup")
    assert code == 0 and seen == [200]
    assert err.splitlines()[-1] == f"serving on http://127.0.0.1:{port}"


def test_loopback_names():
    assert is_loopback("localhost") and is_loopback("127.0.0.2") and is_loopback("::1")
    assert not is_loopback("") and not is_loopback("0.0.0.0") and not is_loopback("::")
    assert not is_loopback("no-such-host.invalid")


# ---- the login throttle ------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _login(throttle: LoginThrottle, client: str, ok: bool) -> tuple[int, dict[bytes, bytes]]:
    """One POST /login through the throttle to an app that answers 200 or 400."""
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200 if ok else 400,
                    "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    throttle.app = app
    scope = {"type": "http", "method": "POST", "path": "/login/", "client": (client, 5555)}
    asyncio.run(throttle(scope, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"])


def test_the_throttle_refuses_a_client_after_its_failed_logins_until_the_window_passes():
    clock = Clock()
    t = LoginThrottle(None, attempts=3, window=60, clock=clock)  # type: ignore[arg-type]
    assert [_login(t, "10.0.0.1", ok=False)[0] for _ in range(3)] == [400, 400, 400]
    status, headers = _login(t, "10.0.0.1", ok=True)  # even the right password
    assert (status, headers[b"retry-after"]) == (429, b"60")
    assert _login(t, "10.0.0.2", ok=False)[0] == 400  # another client is not affected
    clock.now += 59.5
    assert _login(t, "10.0.0.1", ok=True)[0] == 429
    clock.now += 0.5  # the first failure leaves the window
    assert _login(t, "10.0.0.1", ok=True)[0] == 200
    assert "10.0.0.1" not in t.failures  # a success clears the count
    assert [_login(t, "10.0.0.1", ok=False)[0] for _ in range(3)] == [400, 400, 400]


def test_the_throttle_lets_other_requests_through_untouched():
    t = LoginThrottle(None, attempts=1, clock=Clock())  # type: ignore[arg-type]
    _login(t, "10.0.0.1", ok=False)
    calls = []

    async def app(scope, receive, send):
        calls.append(scope["path"])

    t.app = app
    asyncio.run(t({"type": "http", "method": "GET", "path": "/config",
                   "client": ("10.0.0.1", 1)}, None, None))  # type: ignore[arg-type]
    assert calls == ["/config"]


def test_failed_logins_are_throttled_on_the_served_app(fixture_assistant):
    """The real app on a loopback port: five wrong passwords, then 429 for that address,
    while a login from another loopback address still works."""
    import httpx

    from assistant.ui import build_app, launch

    demo = build_app(fixture_assistant)
    port = _free_port()
    launch(demo, host="127.0.0.1", port=port, auth=[("alice", "s3cret")], block=False,
           quiet=True)
    url = f"http://127.0.0.1:{port}/login"
    try:
        with httpx.Client(timeout=30) as client:
            codes = [client.post(url, data={"username": "alice", "password": f"guess{i}"})
                     .status_code for i in range(6)]
            assert codes == [400] * 5 + [429]
            refused = client.post(url, data={"username": "alice", "password": "s3cret"})
            assert refused.status_code == 429
            assert refused.json()["detail"].startswith("Too many failed logins from this "
                                                       "address; try again in ")
            assert 0 < int(refused.headers["retry-after"]) <= 60
        other = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(timeout=30, transport=other) as client:
            ok = client.post(url, data={"username": "alice", "password": "s3cret"})
            assert ok.status_code == 200 and ok.json() == {"success": True}
    finally:
        demo.close()
