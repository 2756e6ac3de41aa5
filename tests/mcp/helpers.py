"""Server entries the MCP, agent and CLI tests share: the FastMCP demo server, broken servers, npm servers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO_SERVER = REPO / "tests" / "mcp" / "servers" / "demo_server.py"
# `npm install --prefix .ci/node ...` (see the report / .ci/run); MASSGEN_NODE_PREFIX overrides the place.
NODE_BIN = Path(os.environ.get("MASSGEN_NODE_PREFIX", REPO / ".ci" / "node")) / "node_modules" / ".bin"


def demo(name: str = "demo", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "stdio", "command": sys.executable, "args": [str(DEMO_SERVER)], **extra}


def python_server(name: str, code: str, **extra: Any) -> dict[str, Any]:
    """A "server" that is only a Python snippet: one that exits at start, one that never answers."""
    return {"name": name, "type": "stdio", "command": sys.executable, "args": ["-c", code], **extra}


EXITS_AT_START = "import sys; sys.stderr.write('cannot open the database\\n'); sys.exit(3)"
NEVER_ANSWERS = "import time; time.sleep(60)"


def npm_server(binary: str) -> str:
    path = NODE_BIN / binary
    if not path.exists():
        pytest.skip(f"{binary} is not installed: run `npm install --prefix .ci/node "
                    "@modelcontextprotocol/server-everything@2026.8.31 @modelcontextprotocol/server-filesystem@2026.8.31`")
    return str(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_http_demo(transport: str = "http") -> tuple[subprocess.Popen[bytes], str]:
    """The demo server over streamable HTTP (or ``sse``) in its own process; returns it and its URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(DEMO_SERVER), transport, str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}/{'sse' if transport == 'sse' else 'mcp'}"
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the HTTP demo server did not start")


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0); it is gone as far as running code goes.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\nState:\tZ" in status.read_text()
