"""Stand-ins for the local servers that cannot run here, following their documented responses.

``LocalServer`` answers on loopback, on a port of the test's choosing (the SGLang default port, say):

- ``GET <models_path>`` with ``models`` (the body as the server documents it);
- ``POST /v1/chat/completions`` with a Chat Completions stream: ``reasoning`` as ``delta.reasoning_content`` (SGLang's
  DeltaMessage field, python/sglang/srt/entrypoints/openai/protocol.py), then ``text``, then ``[DONE]``.

Every request is kept in ``requests`` as (method, path, parsed JSON body or None).

``write_lms`` writes an executable ``lms`` that records its arguments, one JSON list per line, and exits with the
code (and stderr) the test asks for: LM Studio itself cannot be installed here.
"""

from __future__ import annotations

import json
import socket
import stat
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sglang_models(*ids: str) -> dict[str, Any]:
    """SGLang's ModelList: ModelCard(id, object="model", owned_by="sglang", root, max_model_len)."""
    return {"object": "list", "data": [{"id": i, "object": "model", "created": 0, "owned_by": "sglang", "root": i,
                                        "max_model_len": 4096} for i in ids]}


def lmstudio_models(*entries: tuple[str, str]) -> dict[str, Any]:
    """LM Studio's ``GET /api/v0/models`` body (docs developer/rest/endpoints): (id, state) pairs, plus an
    embedding model that is never chosen."""
    data = [{"id": i, "object": "model", "type": "llm", "publisher": "lmstudio-community", "arch": "qwen2",
             "compatibility_type": "gguf", "quantization": "Q4_K_M", "state": state, "max_context_length": 32768}
            for i, state in entries]
    data.append({"id": "text-embedding-nomic-embed-text-v1.5", "object": "model", "type": "embeddings",
                 "publisher": "nomic-ai", "arch": "nomic-bert", "compatibility_type": "gguf", "quantization": "Q4_0",
                 "state": "not-loaded", "max_context_length": 2048})
    return {"object": "list", "data": data}


class LocalServer:
    def __init__(self, port: int, models_path: str, models: dict[str, Any], *, text: str = "Hello from the stand-in",
                 reasoning: str = "") -> None:
        self.port, self.models_path, self.models = port, models_path, models
        self.text, self.reasoning = text, reasoning
        self.requests: list[tuple[str, str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def bodies(self, path_end: str) -> list[dict[str, Any]]:
        return [body for method, path, body in self.requests if method == "POST" and path.endswith(path_end)]

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.requests.append(("GET", self.path, None))
                if self.path == server.models_path:
                    self._send(200, server.models)
                else:
                    self._send(404, {"object": "error", "message": f"no route {self.path}", "type": "NotFound", "code": 404})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                server.requests.append(("POST", self.path, body))
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"object": "error", "message": f"no route {self.path}", "type": "NotFound", "code": 404})
                    return
                chunks = [{"reasoning_content": server.reasoning}] if server.reasoning else []
                chunks += [{"role": "assistant", "content": server.text}]
                lines = [_chunk(body, delta, None) for delta in chunks]
                lines.append(_chunk(body, {}, "stop"))
                lines.append({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": body.get("model") or "m",
                              "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}})
                payload = b"".join(b"data: " + json.dumps(line).encode() + b"\n\n" for line in lines) + b"data: [DONE]\n\n"
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _chunk(request: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": request.get("model") or "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


LMS_SCRIPT = """#!{python}
import json, os, sys
with open(os.environ["LMS_RECORD"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
fail = os.environ.get("LMS_FAIL", "")
if fail and sys.argv[1:2] == [fail]:
    sys.stderr.write("Error: model not found in the catalog\\n")
    sys.exit(1)
print("ok")
"""


def write_lms(folder: Path) -> Path:
    """An executable ``folder/lms`` recording its arguments to ``$LMS_RECORD``; ``$LMS_FAIL=get`` fails that step."""
    path = folder / "lms"
    path.write_text(LMS_SCRIPT.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def recorded(record: Path) -> list[list[str]]:
    return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
