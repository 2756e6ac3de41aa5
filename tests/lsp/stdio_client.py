"""A minimal LSP client for tests and benchmarks: Content-Length framed JSON-RPC over a server's stdio.

The server's own requests (``workspace/configuration``) are answered on the way with ``configuration`` for
each item asked (``None`` when there are none); everything else is read until what the caller waits for.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class StdioClient:
    def __init__(self, command: list[str], *, cwd: Path | None = None,
                 configuration: dict[str, Any] | None = None) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, cwd=cwd)
        self.configuration = configuration or {"validate": True}
        self.next_id = 0

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict[str, Any]:
        """The next message; a request of the server's is answered before it is returned."""
        assert self.process.stdout is not None
        length = 0
        while (line := self.process.stdout.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        if not length:
            raise RuntimeError("the language server closed its output")
        message = json.loads(self.process.stdout.read(length))
        if "id" in message and "method" in message:
            items = message.get("params", {}).get("items")
            self.send({"id": message["id"], "result": [self.configuration] * len(items) if items else None})
        return message

    def wait_for(self, wanted: Callable[[dict[str, Any]], bool], deadline: float = float("inf")) -> dict[str, Any]:
        """Read until ``wanted(message)``; TimeoutError past ``deadline`` (a ``time.monotonic()`` value)."""
        while time.monotonic() < deadline:
            message = self.receive()
            if "method" not in message or "id" not in message:
                if wanted(message):
                    return message
        raise TimeoutError("the language server did not answer in time")

    def request(self, method: str, params: dict[str, Any], deadline: float = float("inf")) -> Any:
        """Send a request and return its result."""
        self.next_id += 1
        wanted = self.next_id
        self.send({"id": wanted, "method": method, "params": params})
        return self.wait_for(lambda m: m.get("id") == wanted and "method" not in m, deadline).get("result")

    def published(self, uri: str, deadline: float = float("inf")) -> dict[str, Any]:
        """The next ``publishDiagnostics`` params for ``uri``."""
        return self.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                             and m["params"]["uri"] == uri, deadline)["params"]

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
