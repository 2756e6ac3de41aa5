"""Everything one agent may call, assembled from its spec for one run: MCP servers plus built-in tools."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from ..config.mcp_servers import parse_servers
from ..errors import redact
from ..events import EventSink, Notice
from ..mcp.filtering import ToolFilter
from ..toolset import ToolLimits, Toolset

if TYPE_CHECKING:
    from ..config.plan import AgentPlan


def backend_excluded(spec: AgentPlan) -> list[str]:
    return [*spec.exclude_tools, *spec.disallowed_tools]


def runs_own_servers(backend: object) -> bool:
    """Whether a backend starts its agent's MCP servers itself (``RUNS_MCP_SERVERS`` on its class)."""
    return bool(getattr(backend, "RUNS_MCP_SERVERS", False))


async def open_toolset(spec: AgentPlan, stack: AsyncExitStack, sink: EventSink | None = None, *,
                       backend_runs_servers: bool = False) -> Toolset:
    """Start the agent's MCP servers (stopped when ``stack`` closes) and return its filtered tools, with
    the limits its backend sets on the calls of one turn.

    A server that could not start is a ``notice`` to ``sink``; its tools answer the model with the reason.
    ``backend_runs_servers``: the backend starts the config's MCP servers itself (Claude Code's CLI does),
    so none is started here; each server runs once. A backend without MCP (``spec.mcp_tools`` false,
    azure_openai) gets no MCP-based tool at all, as the support matrix says (the linter refuses the settings).
    """
    from ..tools import builtin_tools

    if not spec.mcp_tools:
        return Toolset()

    servers = parse_servers(spec.mcp_servers)  # ${VAR} errors surface before anything starts
    backend_filter = ToolFilter.for_server(spec.allowed_tools, backend_excluded(spec))
    # Built-in tools first: docker mode without an engine fails before any server process starts,
    # and the agent's cwd exists (created there) before a stdio server starts in it.
    builtins = await builtin_tools(spec, backend_filter, skip_servers={s.name for s in servers}, stack=stack)
    toolset = Toolset()
    if servers and not backend_runs_servers:
        from ..mcp.manager import McpManager

        # A stdio server without a cwd of its own starts in the agent's, as under Claude Code.
        manager = McpManager(servers, allowed_tools=spec.allowed_tools, excluded_tools=backend_excluded(spec),
                             cwd=spec.cwd)
        stack.push_async_callback(manager.aclose)
        await manager.start()
        toolset = manager.toolset()
        if sink is not None:
            for name, reason in manager.failures.items():
                sink(Notice("mcp_server_unavailable",
                            redact(f"MCP server {name!r} is not available: {reason}", spec.secrets), agent=spec.id))
            for code, message in manager.notices():
                sink(Notice(code, redact(message, spec.secrets), agent=spec.id))
    merged = toolset.merged(builtins)
    merged.limits = ToolLimits.for_plan(spec)
    return merged
