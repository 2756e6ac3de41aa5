"""File tools confined to the agent's working directory, offered as MassGen's ``filesystem`` server.

A refused path raises ``PathRefused``; the toolset turns it into a tool error the model reads.
"""

from __future__ import annotations

from typing import Any

import anyio

from ..conversation import ToolSpec
from ..mcp.filtering import offered_name
from ..toolset import Tool, ToolOutcome
from .paths import PathGuard

SERVER = "filesystem"
MAX_READ_BYTES = 1_000_000

_PATH = {"path": {"type": "string", "description": "Path relative to the working directory"}}


def _schema(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    properties = {**_PATH, **(extra or {})}
    return {"type": "object", "properties": properties, "required": list(properties)}


def file_tools(guard: PathGuard) -> list[tuple[str, Tool]]:
    """``(tool name, Tool)`` pairs; the caller filters them by tool name like any MCP server's."""

    async def read_file(args: dict[str, Any]) -> ToolOutcome:
        path = guard.resolve(str(args.get("path", "")))
        data = await anyio.Path(path).read_bytes()
        text = data[:MAX_READ_BYTES].decode("utf-8", errors="replace")
        return ToolOutcome(text + ("\n... (truncated)" if len(data) > MAX_READ_BYTES else ""))

    async def write_file(args: dict[str, Any]) -> ToolOutcome:
        path = guard.resolve(str(args.get("path", "")), write=True)
        await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
        content = str(args.get("content", ""))
        await anyio.Path(path).write_text(content, encoding="utf-8")
        return ToolOutcome(f"wrote {len(content)} characters to {args['path']}")

    async def list_directory(args: dict[str, Any]) -> ToolOutcome:
        path = guard.resolve(str(args.get("path") or "."))
        entries = sorted([f"{'[DIR]' if await p.is_dir() else '[FILE]'} {p.name}"
                          async for p in anyio.Path(path).iterdir()])
        return ToolOutcome("\n".join(entries) or "(empty directory)")

    async def create_directory(args: dict[str, Any]) -> ToolOutcome:
        path = guard.resolve(str(args.get("path", "")), write=True)
        await anyio.Path(path).mkdir(parents=True, exist_ok=True)
        return ToolOutcome(f"created {path}")

    handlers = {
        "read_file": ("Read a text file.", _schema(), read_file),
        "write_file": ("Create or overwrite a text file.", _schema({"content": {"type": "string"}}), write_file),
        "list_directory": ("List a directory.", _schema(), list_directory),
        "create_directory": ("Create a directory (and its parents).", _schema(), create_directory),
    }
    return [
        (name, Tool(ToolSpec(offered_name(SERVER, name), description, schema), handler))
        for name, (description, schema, handler) in handlers.items()
    ]
