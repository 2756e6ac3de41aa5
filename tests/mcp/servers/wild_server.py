"""An MCP server as they are found in the wild, speaking JSON-RPC over stdio by hand (no SDK), so each
misbehaviour from public bug reports can be switched on:

    python wild_server.py [--tools N] [--no-args] [--any-of] [--banner] [--bad-bytes] [--sleep S] [--exit C]

- ``--tools N``: N plain tools ``tool_000``... (default 0)
- ``--no-args``: a tool ``ping_host`` whose inputSchema is ``{"type": "object"}`` (the Go MCP SDK's form)
- ``--any-of``: a tool ``pick`` whose inputSchema has a top-level ``anyOf`` of two ``required`` sets
- ``--banner``: a plain-text line on stdout before serving; ``--bad-bytes``: a line of bytes that are not UTF-8
- ``--sleep S``: wait S seconds before serving; ``--exit C``: write to stderr and exit with status C at once
A call answers with the tool's name and its arguments as JSON.
"""

from __future__ import annotations

import json
import sys
import time

args = sys.argv[1:]


def option(name: str, default: str | None = None) -> str | None:
    return args[args.index(name) + 1] if name in args else default


if option("--exit") is not None:
    sys.stderr.write("wild server: config file tools.json not found\n")
    sys.exit(int(option("--exit") or 1))
time.sleep(float(option("--sleep", "0") or 0))
out = sys.stdout.buffer
if "--banner" in args:
    out.write(b"Wild MCP server v1.0 starting on stdio...\n")
if "--bad-bytes" in args:
    out.write(b"\xff\xfe\xfa banner in latin-1: caf\xe9\n")
out.flush()

TOOLS = [{"name": f"tool_{i:03d}", "description": f"Plain tool {i}.",
          "inputSchema": {"type": "object", "properties": {"x": {"type": "string"}}}}
         for i in range(int(option("--tools", "0") or 0))]
if "--no-args" in args:
    TOOLS.append({"name": "ping_host", "description": "Ping the host.", "inputSchema": {"type": "object"}})
if "--any-of" in args:
    TOOLS.append({"name": "pick", "description": "Pick a record by id or by name and city.", "inputSchema": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "city": {"type": "string"}},
        "anyOf": [{"required": ["id"]}, {"required": ["name", "city"]}],
    }})


def answer(request_id: object, result: object) -> None:
    out.write(json.dumps({"jsonrpc": "2.0", "id": request_id, "result": result}).encode() + b"\n")
    out.flush()


for line in sys.stdin:
    if not line.strip():
        continue
    message = json.loads(line)
    method, request_id = message.get("method"), message.get("id")
    if request_id is None:
        continue  # a notification
    if method == "initialize":
        answer(request_id, {"protocolVersion": message["params"]["protocolVersion"], "capabilities": {"tools": {}},
                            "serverInfo": {"name": "wild", "version": "1.0"}})
    elif method == "tools/list":
        answer(request_id, {"tools": TOOLS})
    elif method == "tools/call":
        params = message["params"]
        text = f"{params['name']} {json.dumps(params.get('arguments') or {}, sort_keys=True)}"
        answer(request_id, {"content": [{"type": "text", "text": text}], "isError": False})
    else:
        answer(request_id, {})
