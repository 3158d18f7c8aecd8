"""Failed logins throttled per client: an ASGI middleware in front of the web app's login route.

A client address may fail ``attempts`` logins within ``window`` seconds; after that every login
request from that address is answered 429 (with ``Retry-After``) until its oldest failure in the
window has aged out, whether the password is right or not. A successful login clears the
address's failures. The address is the TCP peer: behind a reverse proxy every user shares the
proxy's address, so put the throttle at the proxy instead (see the README, *Exposure*).
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ATTEMPTS = 5  # failed logins a client may make ...
WINDOW = 60.0  # ... in this many seconds
MAX_CLIENTS = 10000  # addresses remembered at once; the least recently failed go first


def is_login(scope: Scope) -> bool:
    return (scope.get("type") == "http" and scope.get("method") == "POST"
            and str(scope.get("path", "")).rstrip("/").endswith("/login"))


class LoginThrottle:
    def __init__(self, app: ASGIApp, attempts: int = ATTEMPTS, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.attempts = attempts
        self.window = window
        self.clock = clock
        self.failures: dict[str, deque[float]] = {}

    def retry_after(self, client: str) -> int:
        """Seconds until ``client`` may try again (0: it may now)."""
        times = self.failures.get(client)
        if not times:
            return 0
        now = self.clock()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self.failures[client]
            return 0
        if len(times) < self.attempts:
            return 0
        return max(1, math.ceil(self.window - (now - times[0])))

    def failed(self, client: str) -> None:
        times = self.failures.pop(client, deque())
        times.append(self.clock())
        self.failures[client] = times  # re-inserted: the dict stays in order of last failure
        while len(self.failures) > MAX_CLIENTS:
            del self.failures[next(iter(self.failures))]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_login(scope):
            await self.app(scope, receive, send)
            return
        client = str((scope.get("client") or ("unknown", 0))[0])
        wait = self.retry_after(client)
        if wait:
            await _refuse(send, wait)
            return
        status: dict[str, int] = {}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        code = status.get("code", 0)
        if code in (400, 401, 403):
            self.failed(client)
        elif 200 <= code < 300:
            self.failures.pop(client, None)


async def _refuse(send: Send, wait: int) -> None:
    body = json.dumps({"detail": f"Too many failed logins from this address; try again in "
                                 f"{wait} s."}).encode()
    await send({"type": "http.response.start", "status": 429,
                "headers": [(b"content-type", b"application/json"),
                            (b"retry-after", str(wait).encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
