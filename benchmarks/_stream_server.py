"""A protocol server in its own process serving one pre-rendered body, so the client under test has the
interpreter (and the GIL) to itself. Used by bench_stream.py and bench_concurrency.py."""

from __future__ import annotations

import json
import multiprocessing
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from massgen.mock import render_chat  # noqa: E402
from tests.protocol_server import ProtocolServer, Reply, Request, Turn  # noqa: E402


def chat_stream_body(deltas: int) -> bytes:
    """A Chat Completions stream of ``deltas`` content chunks, shaped like OpenAI's (usage chunk, [DONE])."""
    body = {"model": "bench-model", "stream": True, "stream_options": {"include_usage": True}}
    request = Request.parse("POST", "/v1/chat/completions", {}, json.dumps(body).encode())
    turn = Turn(text=[f"w{i} " for i in range(deltas)], usage=(10, deltas))
    return b"".join(render_chat.stream_events(turn, request))


def _serve(body: bytes, port_pipe, stop) -> None:
    with ProtocolServer(handler=lambda request: Reply.sse(body)) as server:
        port_pipe.send(server.port)
        stop.wait()


class ServerProcess:
    """``with ServerProcess(body) as base_url:`` — every POST answers ``body``."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __enter__(self) -> str:
        receive, send = multiprocessing.Pipe(duplex=False)
        self._stop = multiprocessing.Event()
        self._process = multiprocessing.Process(target=_serve, args=(self.body, send, self._stop), daemon=True)
        self._process.start()
        if not receive.poll(20):
            raise RuntimeError("benchmark server did not start")
        return f"http://127.0.0.1:{receive.recv()}"

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(10)
