"""A real OpenAI-compatible HTTP server on loopback that replays a transcript.

``ReplayServer`` serves ``/v1/chat/completions`` and ``/v1/completions`` (and ``/v1/models``)
from ``tests/fixtures/llm/transcript.json``: it finds the exchange whose question is the one in
the prompt it receives and returns that exchange's recorded response body (or one built from
its hand-written ``reply``), its error ``status``, or answers after its ``delay``. Every request
it receives is kept in ``server.requests`` so tests can assert on the prompt that went out.

With ``upstream`` set it forwards instead and stores the upstream's response in the exchange:
that is how the recorded exchanges were made. Re-record them against a real model with

    python -m tests.llm_replay record --upstream http://127.0.0.1:8080

(for example ``python -m llama_cpp.server --model .../SmolLM2-135M-Instruct.Q4_1.gguf
--port 8080``; see tests/test_llm_answer.py).
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TRANSCRIPT = Path(__file__).parent / "fixtures" / "llm" / "transcript.json"
_QUESTION = re.compile(r"\nQuestion: (.*?)\n", re.S)


def load_transcript(path: Path = TRANSCRIPT) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def question_of(body: dict[str, Any]) -> str:
    """The question inside a chat or completion request built by assistant.llm_answer."""
    if "messages" in body:
        text = "\n".join(str(m.get("content", "")) for m in body["messages"]
                         if m.get("role") == "user")
    else:
        text = str(body.get("prompt", ""))
    m = _QUESTION.search(text)
    return m.group(1).strip() if m else ""


def _body(path: str, model: str, reply: str) -> dict[str, Any]:
    created = int(time.time())
    if path.endswith("/chat/completions"):
        return {"id": "chatcmpl-replay", "object": "chat.completion", "created": created,
                "model": model, "choices": [{"index": 0, "finish_reason": "stop",
                                             "message": {"role": "assistant", "content": reply}}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}
    return {"id": "cmpl-replay", "object": "text_completion", "created": created,
            "model": model, "choices": [{"index": 0, "finish_reason": "stop", "text": reply,
                                         "logprobs": None}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}


class _Handler(BaseHTTPRequestHandler):
    server: ReplayServer

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)  # unless the client gave up (the timeout test)

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/v1/models"):
            self._send(200, {"object": "list", "data": [{"id": "replay", "object": "model"}]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.loads(raw or b"{}")
        path = self.path.rstrip("/")
        self.server.requests.append({"path": path, "body": body})
        if not path.endswith(("/v1/chat/completions", "/v1/completions")):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        q = question_of(body)
        ex = self.server.exchanges.get(q)
        if self.server.upstream:
            self._forward(path, raw, q, ex)
            return
        if ex is None:
            self._send(404, {"error": {"message": f"no exchange for question {q!r}"}})
            return
        time.sleep(float(ex.get("delay", 0)))
        status = int(ex.get("status", 200))
        if status != 200:
            self._send(status, {"error": {"message": ex.get("error", "replayed error"),
                                          "type": "server_error"}})
        elif ex.get("response") and path.endswith(ex.get("endpoint", "/v1/chat/completions")):
            self._send(200, ex["response"])
        else:
            self._send(200, _body(path, str(body.get("model", "")), str(ex.get("reply", ""))))

    def _forward(self, path: str, raw: bytes, q: str, ex: dict[str, Any] | None) -> None:
        req = urllib.request.Request(self.server.upstream + path[path.index("/v1"):], data=raw,
                                     headers={"Content-Type": "application/json"})
        t = time.perf_counter()
        with urllib.request.urlopen(req, timeout=600) as r:
            payload = json.loads(r.read())
        if ex is not None:
            ex["response"] = payload
            ex["endpoint"] = path[path.index("/v1"):]
            ex["seconds"] = round(time.perf_counter() - t, 2)
            choice = payload["choices"][0]
            ex["reply"] = choice.get("message", {}).get("content", choice.get("text", ""))
        self._send(200, payload)


class ReplayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, transcript: dict[str, Any], upstream: str = ""):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.exchanges = {ex["question"]: ex for ex in transcript["exchanges"]}
        self.upstream = upstream.rstrip("/")
        self.requests: list[dict[str, Any]] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()


def record(upstream: str, path: Path = TRANSCRIPT, model: str = "SmolLM2-135M-Instruct") -> None:
    """Ask the ``recorded`` exchanges of the transcript through the answerer, via a forwarding
    ReplayServer, and store the real server's responses in the transcript."""
    import tempfile

    from assistant.llm_answer import GenerativeAnswerer
    from tests.conftest import build_assistant

    transcript = load_transcript(path)
    a = build_assistant(Path(tempfile.mkdtemp()) / "data")
    with ReplayServer(transcript, upstream) as server:
        gen = GenerativeAnswerer(server.url, model, a.answerer, timeout=600)
        for ex in transcript["exchanges"]:
            if not ex.get("source", "").startswith("recorded"):
                continue
            hits = hits_for(a, ex["record_ids"])
            ans = gen.answer(ex["question"], hits, "fixture corpus")
            print(f"--- {ex['question']} ({ex.get('seconds')} s)\n{ex.get('reply')}\n"
                  f"=> {ans.meta.get('generator')}\n{ans.text}\n", flush=True)
    path.write_text(json.dumps(transcript, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def hits_for(assistant: Any, record_ids: list[str]) -> list[Any]:
    """Hits for fixed record IDs, in order, so a prompt does not depend on retrieval ranks."""
    from assistant.types import Hit
    from corpus.ids import platform_slug

    out = []
    for rid in record_ids:
        c = assistant.record(rid).clause
        out.append(Hit(c.record_id, c.platform, platform_slug(c.platform), c.doc_type,
                       c.document_id, c.section, c.text))
    return out


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "record" and sys.argv[2] == "--upstream":
        record(sys.argv[3])
    else:
        sys.exit("usage: python -m tests.llm_replay record --upstream http://127.0.0.1:PORT")
