"""A real OpenAI-compatible HTTP server on loopback that replays a script (for integration tests).

The real client stack (openai SDK → httpx → HTTP → SSE parsing → langchain-openai) talks to it, so
tests exercise what production runs. Each request to ``POST /v1/chat/completions`` takes the next
scripted response from a FIFO queue; an empty queue answers HTTP 400 (``server.unexpected`` counts
those) so a test never passes on a default. Streaming (``"stream": true``) is served as chunked SSE.

Usage::

    from tests.llm_server import ScriptedLLMServer, text, tool_call, http_error, settings_for

    with ScriptedLLMServer() as server:
        server.enqueue(tool_call("add", {"a": 1, "b": 2}), text("3"))
        settings = settings_for(server)          # provider openai, base_url server.base_url
        ...
        assert server.requests[0]["tools"][0]["function"]["name"] == "add"
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

TEST_API_KEY = "sk-test-123"
TEST_MODEL = "scripted"


@dataclass
class Scripted:
    """One scripted response. Build with the helper functions below, not directly."""

    kind: str  # text | tools | http_error | hang | stream_cut | empty
    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"id", "name", "arguments": str}]
    status: int = 200
    retry_after: str | None = None
    seconds: float = 0.0


def text(content: str) -> Scripted:
    """A plain assistant reply (streamed word by word when the client streams)."""
    return Scripted("text", text=content)


def tool_call(name: str, arguments: dict[str, Any] | str, call_id: str | None = None, content: str = "") -> Scripted:
    """One tool call; ``arguments`` as a dict (sent as JSON) or a raw string (may be malformed JSON)."""
    return tool_calls([(name, arguments, call_id)], content=content)


def tool_calls(calls: list[tuple[str, dict[str, Any] | str, str | None]], content: str = "") -> Scripted:
    """Several tool calls in one assistant message: ``[(name, arguments, id or None), ...]``."""
    items = []
    for name, arguments, call_id in calls:
        raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
        items.append({"id": call_id or f"call_{uuid.uuid4().hex[:12]}", "name": name, "arguments": raw})
    return Scripted("tools", text=content, tool_calls=items)


def http_error(status: int = 500, message: str = "scripted failure", retry_after: str | None = None) -> Scripted:
    """An HTTP error response with an OpenAI-style error body (and optional ``retry-after``)."""
    return Scripted("http_error", text=message, status=status, retry_after=retry_after)


def rate_limited(retry_after: str = "0.05") -> Scripted:
    """HTTP 429 with a ``retry-after`` header (seconds, float allowed as the SDK accepts)."""
    return http_error(429, "rate limit reached (scripted)", retry_after=retry_after)


def hang(seconds: float = 30.0) -> Scripted:
    """Accept the request and answer nothing for ``seconds`` (past the client timeout)."""
    return Scripted("hang", seconds=seconds)


def stream_cut(partial_text: str = "Let me think about your") -> Scripted:
    """Start a reply, then drop the connection mid-body (chunked transfer never terminated)."""
    return Scripted("stream_cut", text=partial_text)


def empty() -> Scripted:
    """A well-formed reply with no text and no tool calls."""
    return Scripted("empty")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep test output quiet

    # -- plumbing -----------------------------------------------------------------------
    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _sse(self, payload: dict[str, Any] | str) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        self._chunk(f"data: {data}\n\n".encode())

    # -- routes -------------------------------------------------------------------------
    def do_GET(self) -> None:
        owner = self.server.owner
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._json(200, {"object": "list", "data": [{"id": owner.model, "object": "model", "owned_by": "tests"}]})
        elif self.path == "/api/version":  # lets the Ollama probe find this server
            self._json(200, {"version": "0.0.0-scripted"})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._json(400, {"error": {"message": "request body is not JSON", "type": "invalid_request_error"}})
            return
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        owner._record(body, {k.lower(): v for k, v in self.headers.items()}, raw)
        step = owner._next()
        if step is None:
            self._json(400, {"error": {"message": "scripted server: no response queued", "type": "script_exhausted"}})
            return
        self._serve(step, bool(body.get("stream")))

    def _serve(self, step: Scripted, stream: bool) -> None:
        if step.kind == "http_error":
            headers = {"retry-after": step.retry_after} if step.retry_after is not None else {}
            err_type = "rate_limit_error" if step.status == 429 else "server_error"
            self._json(step.status, {"error": {"message": step.text, "type": err_type, "code": None}}, headers)
        elif step.kind == "hang":
            self.server.owner._stop.wait(step.seconds)
            self.close_connection = True
        elif stream:
            self._serve_stream(step)
        else:
            self._serve_json(step)

    def _message(self, step: Scripted) -> tuple[dict[str, Any], str]:
        message: dict[str, Any] = {"role": "assistant", "content": step.text if step.kind != "empty" else ""}
        if step.kind == "tools":
            message["tool_calls"] = [
                {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
                for c in step.tool_calls
            ]
            message["content"] = step.text or None
            return message, "tool_calls"
        return message, "stop"

    def _envelope(self, obj: str) -> dict[str, Any]:
        return {"id": f"chatcmpl-{uuid.uuid4().hex[:10]}", "object": obj, "created": int(time.time()),
                "model": self.server.owner.model}

    def _serve_json(self, step: Scripted) -> None:
        message, finish = self._message(step)
        payload = {**self._envelope("chat.completion"),
                   "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                   "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
        if step.kind == "stream_cut":
            body = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._json(200, payload)

    def _serve_stream(self, step: Scripted) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        base = self._envelope("chat.completion.chunk")

        def delta(d: dict[str, Any], finish: str | None = None) -> None:
            self._sse({**base, "choices": [{"index": 0, "delta": d, "finish_reason": finish, "logprobs": None}]})

        delta({"role": "assistant", "content": ""})
        words = step.text.split(" ") if step.text else []
        for i, word in enumerate(words):
            delta({"content": word if i == 0 else " " + word})
        if step.kind == "stream_cut":
            self.close_connection = True  # no finish chunk, no [DONE], no terminating 0-chunk
            return
        for index, call in enumerate(step.tool_calls):
            head = {"index": index, "id": call["id"], "type": "function",
                    "function": {"name": call["name"], "arguments": ""}}
            delta({"tool_calls": [head]})
            args = call["arguments"]
            for start in range(0, len(args), 7):  # split arguments across chunks, like real servers
                delta({"tool_calls": [{"index": index, "function": {"arguments": args[start:start + 7]}}]})
        delta({}, "tool_calls" if step.kind == "tools" else "stop")
        self._sse("[DONE]")
        self._chunk(b"")  # terminating zero-length chunk


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: ScriptedLLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out or hang up mid-response are expected here; stay quiet about them."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class ScriptedLLMServer:
    """The scripted OpenAI-compatible server; start it (or use ``with``), enqueue, point a client at it."""

    def __init__(self, model: str = TEST_MODEL, host: str = "127.0.0.1", port: int = 0) -> None:
        self.model = model
        self._queue: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.requests: list[dict[str, Any]] = []  # every chat-completions request body, in order
        self.headers: list[dict[str, str]] = []  # their headers, names lower-cased (incl. authorization)
        self.raw_bodies: list[bytes] = []
        self.unexpected = 0  # requests that found the script empty
        self._httpd = _Server((host, port), _Handler)
        self._httpd.owner = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL: ``url + "/v1"``."""
        return self.url + "/v1"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="scripted-llm-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases hanging handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def enqueue(self, *steps: Scripted) -> Self:
        """Append scripted responses; each request consumes one, in order (retries included)."""
        with self._lock:
            self._queue.extend(steps)
        return self

    @property
    def pending(self) -> int:
        """Scripted responses not consumed yet."""
        with self._lock:
            return len(self._queue)

    def _next(self) -> Scripted | None:
        with self._lock:
            if not self._queue:
                self.unexpected += 1
                return None
            return self._queue.popleft()

    def _record(self, body: dict[str, Any], headers: dict[str, str], raw: bytes) -> None:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            self.raw_bodies.append(raw)

    def tool_names(self, request_index: int = 0) -> list[str]:
        """Names of the tools offered in one recorded request."""
        tools = self.requests[request_index].get("tools") or []
        return [t["function"]["name"] for t in tools]

    def messages(self, request_index: int = -1) -> list[dict[str, Any]]:
        """The messages of one recorded request."""
        return list(self.requests[request_index].get("messages") or [])


def settings_for(server: ScriptedLLMServer, **overrides: Any) -> Any:
    """Settings that point the ``openai`` provider at ``server`` (key ``sk-test-123``, 2 s timeout)."""
    from coach.settings import Settings

    values: dict[str, Any] = {"llm_provider": "openai", "llm_base_url": server.base_url,
                              "llm_api_key": TEST_API_KEY, "llm_model": server.model, "llm_timeout": 2.0}
    values.update(overrides)
    return Settings(**values)


def running_server(model: str = TEST_MODEL) -> Iterator[ScriptedLLMServer]:
    """Body of a pytest fixture: ``yield from running_server()`` starts the server and stops it after."""
    server = ScriptedLLMServer(model=model).start()
    try:
        yield server
    finally:
        server.stop()
