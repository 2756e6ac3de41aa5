"""The loopback HTTP/1.1 server: a real socket on 127.0.0.1, an asyncio loop in a background thread.

It parses requests (Content-Length or chunked bodies, keep-alive), records them, asks the handler (or the
script queue) for an answer and writes it: a JSON body, or an SSE stream sent event by event with chunked
transfer encoding, breaking it on purpose when a ``Fault`` says so.
"""

from __future__ import annotations

import asyncio
import collections
import json
import socket
import struct
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import render_anthropic, render_chat, render_gemini, render_responses
from .request import Request
from .script import Reply, Turn

RENDERERS: dict[str, ModuleType] = {
    "openai_chat": render_chat,
    "openai_responses": render_responses,
    "anthropic_messages": render_anthropic,
    "gemini": render_gemini,
}
REQUEST_ID_HEADER = {"anthropic_messages": "request-id", "gemini": "x-goog-request-id"}
Handler = Callable[[Request], "Reply | Turn"]
MAX_STALL = 60.0  # a stalled stream gives up after this long even if the client never times out


class ProtocolServer:
    """Speaks Chat Completions, Responses, Anthropic Messages and Gemini on one ephemeral port.

    Use as a context manager (or ``start()`` / ``stop()``). Answers come from ``handler`` when set, else from the
    queue filled by ``script(...)``; an empty queue answers HTTP 500 with a message saying so.
    """

    def __init__(self, handler: Handler | None = None, *, record: bool = True) -> None:
        self.handler = handler
        self.record = record  # keep every request in ``requests`` (tests read them; a long mocked run need not)
        self.requests: list[Request] = []
        self._answered = 0
        self._queue: collections.deque[Reply | Turn] = collections.deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._stopping: asyncio.Event | None = None
        self.port = 0

    # -- public API ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the Anthropic / Gemini / Azure base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: the OpenAI SDK's base URL."""
        return f"{self.base_url}/v1"

    def script(self, *answers: Reply | Turn) -> None:
        """Queue answers, one per request, in order."""
        with self._lock:
            self._queue.extend(answers)

    @property
    def pending(self) -> int:
        return len(self._queue)

    def start(self) -> ProtocolServer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="protocol-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("protocol server did not start within 10 s")
        return self

    def stop(self) -> None:
        if self._loop and self._stopping:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread:
            self._thread.join(10)

    def __enter__(self) -> ProtocolServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the loop thread -----------------------------------------------------------------------
    def _run(self, ready: threading.Event) -> None:
        asyncio.run(self._main(ready))

    async def _main(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=2048, limit=1 << 20)
        self.port = self._server.sockets[0].getsockname()[1]
        ready.set()
        async with self._server:
            await self._stopping.wait()
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                with self._lock:
                    self._answered += 1
                    if self.record:
                        self.requests.append(request)
                keep_open = await self._answer(request, reader, writer)
                if not keep_open or request.headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.CancelledError):
            return  # client went away, or the server is stopping
        finally:
            if not writer.is_closing():
                writer.close()

    def _next_answer(self, request: Request) -> Reply | Turn:
        if self.handler is not None:
            return self.handler(request)
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return Reply.error(500, f"protocol server: no scripted answer left for {request.method} {request.path}")

    async def _answer(self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Write one answer; False when the connection must not be reused."""
        renderer = RENDERERS.get(request.protocol or "")
        if renderer is None:
            if request.method == "GET" and request.path.endswith("/models"):
                return await _write_full(writer, 200, {"object": "list", "data": []}, {})
            return await _write_full(writer, 404, {"error": {"message": f"no route {request.path}", "type": "not_found"}}, {})
        if request.is_count_tokens:
            return await _write_full(writer, 200, renderer.count_tokens(request), {})
        try:
            answer = self._next_answer(request)
        except Exception as exc:  # a broken test handler must show up as a clear 500, not a hang
            answer = Reply.error(500, f"protocol server handler failed: {exc!r}")
        request_id = f"req_{self._answered:06d}"
        id_header = {REQUEST_ID_HEADER.get(request.protocol or "", "x-request-id"): request_id}
        if isinstance(answer, Reply):
            headers = {**id_header, **answer.headers}
            if answer.error_message is not None:
                return await _write_full(writer, answer.status, renderer.error_body(answer.status, answer.error_message), headers)
            if headers.get("content-type", "").startswith("text/event-stream"):
                return await _write_stream(writer, reader, [answer.body_bytes()], headers, None, renderer)
            return await _write_full(writer, answer.status, answer.body_bytes(), headers)
        if not request.wants_stream:
            return await _write_full(writer, 200, renderer.complete(answer, request), id_header)
        events = renderer.stream_events(answer, request)
        headers = {**id_header, "content-type": "text/event-stream"}
        return await _write_stream(writer, reader, events, headers, answer, renderer)


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        raw = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            raw += chunk[:-2]
    else:
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
    return Request.parse(method, target, headers, raw)


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            408: "Request Timeout", 409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 529: "Overloaded"}


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _write_full(writer: asyncio.StreamWriter, status: int, body: Any, headers: dict[str, str]) -> bool:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": "application/json", **headers, "content-length": str(len(data))}
    writer.write(_head(status, headers) + data)
    await writer.drain()
    return True


async def _write_stream(
    writer: asyncio.StreamWriter,
    reader: asyncio.StreamReader,
    events: list[bytes],
    headers: dict[str, str],
    turn: Turn | None,
    renderer: ModuleType,
) -> bool:
    headers = {**headers, "cache-control": "no-cache", "transfer-encoding": "chunked"}
    writer.write(_head(200, headers))
    fault = turn.fault if turn else None
    delay = turn.delay if turn else 0.0
    cut = len(events) if fault is None else min(fault.after, len(events))
    for event in events[:cut]:
        writer.write(b"%x\r\n%s\r\n" % (len(event), event))
        if delay:
            await writer.drain()
            await asyncio.sleep(delay)
    await writer.drain()
    if fault is None:
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True
    if fault.kind == "reset":
        await asyncio.sleep(0.05)  # let the sent events reach the client before the RST
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        return False
    if fault.kind == "stall":
        try:  # hold the connection until the client gives up (EOF) or MAX_STALL passes
            await asyncio.wait_for(reader.read(), MAX_STALL)
        except asyncio.TimeoutError:
            pass
        return False
    tail = {"truncate": b"", "malformed": renderer.MALFORMED, "error_event": renderer.error_event(fault.message)}[fault.kind]
    if tail:
        writer.write(b"%x\r\n%s\r\n" % (len(tail), tail))
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    return True

