"""Runs an agent's MCP servers for one run and turns their tools into agent tools.

Every server gets its own task that owns its transport and session from start to stop (the SDK's
context managers must be entered and left by the same task). ``start`` launches them all at once and
waits at most each server's start-up timeout; a server that fails is recorded with a readable reason,
its tools answer with that reason, and the others go on. ``aclose`` stops every server, also when the
run is cancelled (Ctrl-C).

A stdio server starts in its own ``cwd`` (a relative one starts where massgen runs), else in the
manager's ``cwd`` (the agent's working directory), else where massgen runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Container, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import anyio

from ..config.mcp_servers import McpServer
from ..conversation import ToolSpec
from ..errors import MassGenError
from ..toolset import Tool, ToolOutcome, Toolset
from .filtering import ToolFilter, offered_name
from .stdio import StdioReport, stdio_transport

_STOP_TIMEOUT = 10.0  # the SDK's own shutdown escalates to SIGKILL well within this
_STDERR_LINES, _STDERR_CHARS = 3, 300  # enough of the server's stderr to say why it died
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
MAX_NAME = 63  # OpenAI and Anthropic allow 64 characters, parts of the Gemini docs 63: the smaller limit


class McpStartError(MassGenError):
    """No configured MCP server could start, so none of the agent's MCP tools can work."""


@dataclass
class _Server:
    config: McpServer
    filter: ToolFilter
    errlog: IO[str]
    session: Any = None
    tools: list[Any] = field(default_factory=list)
    failure: str | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    report: StdioReport = field(default_factory=StdioReport)
    start_seconds: float | None = None  # how long initialize + tools/list took

    def stderr_tail(self) -> str:
        self.errlog.flush()
        self.errlog.seek(0)
        lines = [line.strip() for line in self.errlog.read().splitlines() if line.strip()]
        return " | ".join(lines[-_STDERR_LINES:])[-_STDERR_CHARS:]

    def describe(self, what: str) -> str:
        """``what`` went wrong, then what the server printed: its stdout noise and the tail of its stderr."""
        if self.config.transport != "stdio":
            return what
        parts = [what, f"it {self.report.noise()}" if self.report.noise() else "", self.stderr_tail()]
        if parts[2]:
            parts[2] = f"server stderr: {parts[2]}"
        return "; ".join(part for part in parts if part)


class McpManager:
    def __init__(
        self,
        servers: list[McpServer],
        *,
        allowed_tools: Iterable[str] | None = None,
        excluded_tools: Iterable[str] = (),
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        self._cwd = cwd
        self._servers = {
            config.name: _Server(
                config,
                ToolFilter.for_server(allowed_tools, excluded_tools, config.allowed_tools, config.excluded_tools),
                tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace"),
            )
            for config in servers
        }

    async def __aenter__(self) -> McpManager:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def failures(self) -> dict[str, str]:
        return {name: s.failure for name, s in self._servers.items() if s.failure}

    def notices(self) -> list[tuple[str, str]]:
        """(code, message) about servers that started but misbehaved: stdout noise, a start close to its timeout."""
        found: list[tuple[str, str]] = []
        for name, server in self._servers.items():
            if server.failure:
                continue  # its failure says it all
            noise = server.report.noise()
            if noise:
                found.append(("mcp_server_stdout_noise", f"MCP server {name!r} {noise}"))
            limit = server.config.startup_timeout
            if server.start_seconds is not None and server.start_seconds > limit / 2:
                found.append(("mcp_server_slow_start",
                              f"MCP server {name!r} took {server.start_seconds:.1f}s to start, more than half of its "
                              f"startup_timeout ({limit:g}s); raise `startup_timeout` on its entry if it may need longer"))
        return found

    async def start(self) -> None:
        """Start every server concurrently; raise only when there were servers and none could start."""
        for server in self._servers.values():
            server.task = asyncio.create_task(self._serve(server), name=f"mcp:{server.config.name}")
        await asyncio.gather(*(self._await_ready(s) for s in self._servers.values()))
        if self._servers and len(self.failures) == len(self._servers):
            reasons = "; ".join(f"{name}: {why}" for name, why in self.failures.items())
            raise McpStartError(f"no MCP server could start ({reasons})")

    async def _await_ready(self, server: _Server) -> None:
        # The runner enforces the timeout itself; this outer bound only guards against a stuck transport.
        try:
            await asyncio.wait_for(server.ready.wait(), server.config.startup_timeout + _STOP_TIMEOUT)
        except asyncio.TimeoutError:
            server.failure = f"did not start within {server.config.startup_timeout:g}s"
            server.stop.set()

    async def _serve(self, server: _Server) -> None:
        config = server.config
        try:
            async with AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(self._transport(server))
                from mcp import ClientSession

                session = await stack.enter_async_context(ClientSession(read, write))
                started = time.monotonic()
                try:
                    with anyio.fail_after(config.startup_timeout):
                        await session.initialize()
                        server.tools = await _list_all_tools(session)
                except TimeoutError:
                    server.failure = server.describe(
                        f"did not answer within {config.startup_timeout:g}s at start-up (raise `startup_timeout` "
                        "on its entry if it needs longer)")
                    return
                server.start_seconds = time.monotonic() - started
                server.session = session
                server.ready.set()
                await server.stop.wait()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any start failure becomes a reason the user reads
            if server.failure is None:
                exited = server.report.exited()
                why = f"could not start: it {exited} before answering" if exited else _reason(exc, "could not start")
                server.failure = server.describe(why)
        finally:
            server.session = None
            server.ready.set()

    def _transport(self, server: _Server) -> Any:
        config = server.config
        if config.transport == "stdio":
            return stdio_transport(config, stdio_cwd(config.cwd, self._cwd), server.errlog, server.report)
        if config.transport == "sse":
            from mcp.client.sse import sse_client

            return sse_client(config.url or "", headers=dict(config.headers))
        return _http_transport(config)

    def toolset(self) -> Toolset:
        """The tools every running server offers after filtering; filtered ones are refused by name."""
        toolset = Toolset()
        for name, server in self._servers.items():
            if server.failure:
                toolset.refuse(_NAME_UNSAFE.sub("_", offered_name(name, "")), f"MCP server {name!r} is not available: {server.failure}")
            for tool in server.tools:
                offered = _safe_name(offered_name(name, tool.name), toolset.tools)
                if not server.filter.permits(name, tool.name):
                    toolset.refuse(offered, f"filtered out by allowed_tools/disallowed_tools of server {name!r}")
                    continue
                spec = ToolSpec(offered, tool.description or "", _input_schema(tool), origin=(name, tool.name))
                toolset.add(Tool(spec, _bind(self, name, tool.name)))
        return toolset

    async def call(self, server_name: str, tool: str, arguments: dict[str, Any]) -> ToolOutcome:
        server = self._servers[server_name]
        if not server.filter.permits(server_name, tool):  # enforced again at the call, not only when offering
            return ToolOutcome(f"tool {offered_name(server_name, tool)!r} is not allowed for this agent", is_error=True)
        if server.session is None:
            why = server.failure or "stopped"
            return ToolOutcome(f"MCP server {server_name!r} is not available: {why}", is_error=True)
        timeout = server.config.call_timeout
        try:
            with anyio.fail_after(timeout):
                result = await server.session.call_tool(tool, arguments)
        except TimeoutError:
            return ToolOutcome(
                f"MCP tool {tool!r} of server {server_name!r} did not answer within {timeout:g}s", is_error=True
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a dying server is a tool error, never a crash
            if _connection_closed(exc):
                exited = server.report.exited()
                server.failure = server.describe(f"the server process {exited}" if exited else "the server process exited")
                server.session = None
            why = server.failure or _reason(exc, "the call failed")
            return ToolOutcome(f"MCP tool {tool!r} of server {server_name!r} failed: {why}", is_error=True)
        return ToolOutcome(_result_text(result), is_error=bool(result.is_error))

    async def aclose(self) -> None:
        for server in self._servers.values():
            server.stop.set()
        tasks = [s.task for s in self._servers.values() if s.task is not None]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=_STOP_TIMEOUT)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=_STOP_TIMEOUT)
        for server in self._servers.values():
            server.errlog.close()


def stdio_cwd(own: str | None, default: str | os.PathLike[str] | None) -> str | None:
    """The absolute directory a stdio server starts in: its own ``cwd``, else ``default`` (the agent's
    working directory); None (where massgen runs) when neither is set. Both runtimes use this."""
    chosen = own or default
    return str(Path(chosen).expanduser().resolve()) if chosen else None


def _bind(manager: McpManager, server: str, tool: str) -> Any:
    async def handler(arguments: dict[str, Any]) -> ToolOutcome:
        return await manager.call(server, tool, arguments)

    return handler


@asynccontextmanager
async def _http_transport(config: McpServer) -> AsyncIterator[Any]:
    """The streamable-HTTP transport over an HTTP client that carries the configured headers."""
    import httpx2  # the HTTP client the mcp SDK is built on
    from mcp.client.streamable_http import streamable_http_client

    async with httpx2.AsyncClient(headers=dict(config.headers), timeout=httpx2.Timeout(30.0, read=300.0)) as client:
        async with streamable_http_client(config.url or "", http_client=client) as streams:
            yield streams


async def _list_all_tools(session: Any) -> list[Any]:
    from mcp.types import PaginatedRequestParams

    tools: list[Any] = []
    cursor = None
    for _ in range(100):  # a server that paginates forever must not hang the start
        page = await session.list_tools(params=PaginatedRequestParams(cursor=cursor) if cursor else None)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


def _safe_name(name: str, taken: Container[str] = ()) -> str:
    """A function name every provider accepts: letters, digits, ``_`` and ``-`` (anything else becomes
    ``_``), at most ``MAX_NAME`` of them. A name that is too long, or that became one already ``taken``,
    keeps its start and ends in a hash of the original: unique, and the same from run to run."""
    safe = _NAME_UNSAFE.sub("_", name)
    if len(safe) <= MAX_NAME and safe not in taken:
        return safe
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{safe[:MAX_NAME - len(digest) - 1]}_{digest}"


def _input_schema(tool: Any) -> dict[str, Any]:
    schema = dict(tool.input_schema or {})
    schema.setdefault("type", "object")
    return schema


def _reason(exc: BaseException, what: str) -> str:
    """A one-line reason from an exception, unwrapping the task groups the SDK raises through."""
    while getattr(exc, "exceptions", None):  # an exception group from a task group
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    if isinstance(exc, FileNotFoundError):
        return f"{what}: command not found ({exc.filename or exc})"
    detail = "the server process exited" if _connection_closed(exc) else str(exc) or type(exc).__name__
    return f"{what}: {detail}"


def _connection_closed(exc: BaseException) -> bool:
    """The SDK's error for a peer that went away (a stdio server whose process exited)."""
    from mcp.types import CONNECTION_CLOSED

    return getattr(exc, "code", None) == CONNECTION_CLOSED


def _result_text(result: Any) -> str:
    parts: list[str] = []
    for block in result.content:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource" and hasattr(block.resource, "text"):
            parts.append(block.resource.text)
        else:
            mime = getattr(block, "mime_type", None)
            parts.append(f"[{kind} content{f' ({mime})' if mime else ''}]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)
