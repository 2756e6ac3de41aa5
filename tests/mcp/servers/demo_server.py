"""A small MCP server (the SDK's FastMCP, named MCPServer in mcp 2) for the tests.

Run as ``python demo_server.py`` (stdio), ``python demo_server.py http PORT`` (streamable HTTP at /mcp)
or ``python demo_server.py sse PORT`` (SSE at /sse).
Its tools cover the normal path and the faults: ``crash`` kills the process mid-call, ``sleep`` never
answers in time.
"""

from __future__ import annotations

import os
import sys

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("demo")


@server.tool()
def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


@server.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


@server.tool()
def secret() -> str:
    """A tool the tests filter out; calling it proves a filter failed."""
    return "the secret tool ran"


@server.tool()
def get_env(name: str) -> str:
    """The value of an environment variable of the server process."""
    return os.environ.get(name, "<unset>")


@server.tool()
def cwd() -> str:
    """The server process's working directory."""
    return os.getcwd()


@server.tool()
def pid() -> str:
    """The server's process id (the tests check that the process is gone after the run)."""
    return str(os.getpid())


@server.tool()
def fail(message: str) -> str:
    """Answer with a tool error carrying the message."""
    raise ToolError(message)


@server.tool()
def crash() -> str:
    """Exit the server process in the middle of the call."""
    sys.stderr.write("demo server: crashing on purpose\n")
    sys.stderr.flush()
    os._exit(3)


@server.tool()
async def sleep(seconds: float) -> str:
    """Sleep, then answer (the tests use it for a call that never answers in time)."""
    await anyio.sleep(seconds)
    return "slept"


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    elif len(sys.argv) > 2 and sys.argv[1] == "sse":
        server.run("sse", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
