"""File tools confined to the agent's working directory, offered as MassGen's ``filesystem`` server.

A refused path raises ``PathRefused``; the toolset turns it into a tool error the model reads. Only regular
files are read or written (a FIFO, a device or a socket is refused without blocking), a read takes at most
``MAX_READ_BYTES`` of a file into memory, and every call is bounded by the tools' ``timeout``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import anyio

from ..conversation import ToolSpec
from ..mcp.filtering import offered_name
from ..toolset import Tool, ToolOutcome
from .paths import PathGuard, PathRefused

SERVER = "filesystem"
MAX_READ_BYTES = 1_000_000

_PATH = {"path": {"type": "string", "description": "Path relative to the working directory"}}


def _schema(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    properties = {**_PATH, **(extra or {})}
    return {"type": "object", "properties": properties, "required": list(properties)}


def _open_regular(path: Path, flags: int, shown: str) -> int:
    """A descriptor of ``path`` opened without blocking (a FIFO never waits for a peer), refused unless it
    is a regular file (or, when writing, does not exist yet)."""
    try:
        _check_regular(os.stat(path).st_mode, shown)
    except FileNotFoundError:
        pass  # write_file creates it; read_file fails at the open below
    try:
        fd = os.open(path, flags | os.O_NONBLOCK | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise PathRefused(f"cannot open {shown!r}: {exc.strerror or exc}") from None
    try:
        _check_regular(os.fstat(fd).st_mode, shown)  # it may have been swapped since the stat
    except PathRefused:
        os.close(fd)
        raise
    os.set_blocking(fd, True)
    return fd


def _check_regular(mode: int, shown: str) -> None:
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file"
        raise PathRefused(f"{shown!r} is {kind}; only regular files can be read or written")


def _read_head(path: Path, shown: str, limit: int) -> tuple[bytes, int]:
    """At most ``limit`` bytes from the start of a regular file, and the file's size."""
    fd = _open_regular(path, os.O_RDONLY, shown)
    try:
        size = os.fstat(fd).st_size
        chunks: list[bytes] = []
        left = limit
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks), size
    finally:
        os.close(fd)


def _write_text(path: Path, shown: str, content: str) -> None:
    fd = _open_regular(path, os.O_WRONLY | os.O_CREAT, shown)  # truncated only once known to be a file
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.truncate()
        handle.write(content)


def file_tools(guard: PathGuard, timeout: float) -> list[tuple[str, Tool]]:
    """``(tool name, Tool)`` pairs, each call bounded by ``timeout`` seconds; the caller filters them by
    tool name like any MCP server's."""

    async def read_file(args: dict[str, Any]) -> ToolOutcome:
        shown = str(args.get("path", ""))
        data, size = await anyio.to_thread.run_sync(_read_head, guard.resolve(shown), shown, MAX_READ_BYTES + 1)
        text = data[:MAX_READ_BYTES].decode("utf-8", errors="replace")
        cut = len(data) > MAX_READ_BYTES
        return ToolOutcome(text + (f"\n... (truncated: the first {MAX_READ_BYTES:,} of {size:,} bytes)" if cut else ""))

    async def write_file(args: dict[str, Any]) -> ToolOutcome:
        shown = str(args.get("path", ""))
        path = guard.resolve(shown, write=True)
        await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
        content = str(args.get("content", ""))
        await anyio.to_thread.run_sync(_write_text, path, shown, content)
        return ToolOutcome(f"wrote {len(content)} characters to {shown}")

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
        (name, Tool(ToolSpec(offered_name(SERVER, name), description, schema), handler, timeout))
        for name, (description, schema, handler) in handlers.items()
    ]
