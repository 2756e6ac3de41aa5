"""The stdio transport of an MCP server, telling what the server did while it started.

The ``mcp`` SDK's own ``stdio_client`` hides the server process, so a server that dies is only "connection
closed", with no exit status; it decodes stdout strictly by default, so one byte that is not UTF-8 stops the
reader and the start waits out its whole timeout; and every stdout line that is not a JSON-RPC message (a
banner, a log line) prints a parser traceback. This transport speaks the same protocol (one JSON-RPC message
per line, MCP spec "Transports: stdio") over the SDK's message types and process-tree shutdown, and records
instead:

- stdout decoded as UTF-8 with replacement (as the SDK's fix does); lines that are not messages counted in
  ``StdioReport`` (the first kept), never printed;
- the exit status of a server that exits, seen before any stop of ours.

The process starts in its own session (POSIX), and stopping it closes its stdin, waits, then ends the
whole process tree with the SDK's ``terminate_posix_process_tree``.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import IO, Any

import anyio

from ..config.mcp_servers import McpServer

_EXIT_GRACE = 2.0  # seconds a server has to exit after its stdin closes, and to be reaped after its stdout ends
_POLL = 0.01  # seconds between looks at the exit status
_NOISE_CHARS = 200  # how much of a noise line a notice quotes
REPLACEMENT = "\ufffd"


@dataclass
class StdioReport:
    """What a stdio server did: stdout lines that were not messages, bytes that were not UTF-8, exit status."""

    noise_lines: int = 0
    first_noise: str = ""
    bad_bytes: bool = False
    exit_status: int | None = None  # set when the server exited on its own (not when we stopped it)

    def parse(self, line: str) -> Any:
        """The JSON-RPC message on ``line``, or None for an empty line or noise (counted)."""
        import mcp_types

        if not line.strip():
            return None
        try:
            return mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False)
        except ValueError:
            self.noise_lines += 1
            self.bad_bytes = self.bad_bytes or REPLACEMENT in line
            if not self.first_noise:
                self.first_noise = line.strip()[:_NOISE_CHARS]
            return None

    def noise(self) -> str | None:
        """One sentence about the noise, or None when stdout carried only messages."""
        if not self.noise_lines:
            return None
        lines = "1 line" if self.noise_lines == 1 else f"{self.noise_lines} lines"
        encoding = "; some bytes were not UTF-8 and were read as \ufffd" if self.bad_bytes else ""
        return (f"printed {lines} on stdout that {'is' if self.noise_lines == 1 else 'are'} not MCP messages "
                f"(ignored; stdout is the protocol's channel, logs belong on stderr), the first: "
                f"{self.first_noise!r}{encoding}")

    def exited(self) -> str | None:
        """How the server ended on its own, or None while it ran (or when we stopped it)."""
        status = self.exit_status
        if status is None:
            return None
        return f"exited with status {status}" if status >= 0 else f"was killed by signal {-status}"


@asynccontextmanager
async def stdio_transport(server: McpServer, cwd: str | None, errlog: IO[str], report: StdioReport) -> AsyncIterator[Any]:
    """(read stream, write stream) of SessionMessages for ``ClientSession``; stderr goes to ``errlog``."""
    from mcp.client.stdio import get_default_environment
    from mcp.shared.message import SessionMessage

    process = await anyio.open_process(
        [server.command or "", *server.args], env=get_default_environment() | dict(server.env),
        stderr=errlog, cwd=cwd, start_new_session=True,
    )
    read_writer, read_stream = anyio.create_memory_object_stream[Any](0)
    write_stream, write_reader = anyio.create_memory_object_stream[Any](0)

    async def read_stdout() -> None:
        assert process.stdout is not None
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        buffer = ""
        async with read_writer:
            with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError):
                async for chunk in process.stdout:
                    *lines, buffer = (buffer + decoder.decode(chunk)).split("\n")
                    for line in lines:
                        message = report.parse(line)
                        if message is not None:
                            await read_writer.send(SessionMessage(message))
            if await _exited(process, _EXIT_GRACE):  # stdout ended: the server is (nearly always) gone
                report.exit_status = process.returncode

    async def write_stdin() -> None:
        assert process.stdin is not None
        async with write_reader:
            try:
                async for message in write_reader:
                    data = message.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                    await process.stdin.send(data.encode())
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                await read_writer.aclose()  # the session sees the end instead of waiting forever

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(read_stdout)
        tasks.start_soon(write_stdin)
        try:
            yield read_stream, write_stream
        finally:
            with anyio.CancelScope(shield=True):
                await _stop(process)
                for stream in (read_stream, write_stream, read_writer, write_reader):
                    await stream.aclose()
            tasks.cancel_scope.cancel()


async def _stop(process: Any) -> None:
    """Close stdin, give the server ``_EXIT_GRACE`` to exit, then end its whole process tree."""
    from mcp.os.posix.utilities import terminate_posix_process_tree

    with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        await process.stdin.aclose()
    if not await _exited(process, _EXIT_GRACE):
        await terminate_posix_process_tree(process, _EXIT_GRACE)
    with anyio.move_on_after(_EXIT_GRACE):
        await process.aclose()


async def _exited(process: Any, timeout: float) -> bool:
    """Whether the process exited within ``timeout`` seconds (polled: ``wait`` also waits for pipes a child
    may have inherited)."""
    with anyio.move_on_after(timeout):
        while process.returncode is None:
            await anyio.sleep(_POLL)
    return process.returncode is not None
