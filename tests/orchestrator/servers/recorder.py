"""An MCP server (stdio) whose one tool has a side effect the tests can see: each call of ``record`` appends its
text to the file named by the RECORD_FILE environment variable. Planning mode must keep it untouched until
the final presentation."""

from __future__ import annotations

import os

from mcp.server.mcpserver import MCPServer

server = MCPServer("recorder")


@server.tool()
def record(text: str) -> str:
    """Carry out an action: append the text to the record (irreversible for the tests)."""
    with open(os.environ["RECORD_FILE"], "a", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return f"recorded {text!r}"


if __name__ == "__main__":
    server.run()
