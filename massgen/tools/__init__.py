"""Tools MassGen gives an agent itself: the command line and cwd-confined file operations."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MassGenError
from ..mcp.filtering import ToolFilter
from ..toolset import Tool, Toolset
from .command_line import (
    DEFAULT_IMAGE,
    CommandLine,
    CommandPolicy,
    DockerSandbox,
    DockerUnavailable,
    check_docker,
)
from .command_line import SERVER as COMMAND_LINE
from .command_line import TOOL as EXECUTE_COMMAND
from .files import SERVER as FILESYSTEM
from .files import file_tools
from .paths import PathGuard, PathRefused, Root, context_roots

if TYPE_CHECKING:
    from ..config.plan import AgentPlan

__all__ = [
    "CommandLine",
    "CommandPolicy",
    "DockerSandbox",
    "DockerUnavailable",
    "PathGuard",
    "PathRefused",
    "Root",
    "builtin_tools",
    "check_docker",
    "context_roots",
]


async def builtin_tools(plan: AgentPlan, tool_filter: ToolFilter, *, skip_servers: set[str],
                        stack: AsyncExitStack | None = None) -> Toolset:
    """The built-in tools an agent's plan asks for, filtered like MCP tools of their server names.

    File tools come with a ``cwd`` (MassGen's workspace), each call bounded by ``tool_timeout``; the
    command line with ``enable_mcp_command_line``, each command bounded by ``command_line_timeout``
    (the config's, else the catalog's defaults). A server name the user already configured (``skip_servers``)
    wins. Docker mode starts the agent's container here and removes it when ``stack`` closes (required then).
    """
    backend, cwd = plan.backend, plan.cwd
    guard = PathGuard(_workspace(cwd), context_roots(backend.get("context_paths")))
    tools: list[tuple[str, str, Tool]] = []
    if cwd and FILESYSTEM not in skip_servers:
        timeout = float(plan.setting("tool_timeout"))
        tools += [(FILESYSTEM, name, tool) for name, tool in file_tools(guard, timeout)]
    if backend.get("enable_mcp_command_line") and COMMAND_LINE not in skip_servers:
        docker = None
        mode = backend.get("command_line_execution_mode") or "local"
        if mode not in ("local", "docker"):
            raise UnsupportedMode(
                f"command_line_execution_mode: {mode} is not supported by this runtime; use local or docker"
            )
        if mode == "docker":
            await check_docker()
            if stack is None:
                raise ValueError("docker mode needs the run's exit stack, which removes the container at the end")
            docker = DockerSandbox(
                image=backend.get("command_line_docker_image") or DEFAULT_IMAGE,
                network=backend.get("command_line_docker_network_mode") or "none",
                memory=backend.get("command_line_docker_memory_limit"),
                cpus=_text_or_none(backend.get("command_line_docker_cpu_limit")),
                sudo=bool(backend.get("command_line_docker_enable_sudo", False)),
            )
            await docker.start(guard.cwd)
            stack.push_async_callback(docker.stop)
        line = CommandLine(
            guard,
            CommandPolicy(
                allowed=list(backend.get("command_line_allowed_commands") or ()),
                blocked=list(backend.get("command_line_blocked_commands") or ()),
            ),
            timeout=float(plan.setting("command_line_timeout")),
            docker=docker,
        )
        tools.append((COMMAND_LINE, EXECUTE_COMMAND, line.tool()))
    toolset = Toolset()
    for server, name, tool in tools:
        if tool_filter.permits(server, name):
            toolset.add(tool)
        else:
            toolset.refuse(tool.name, "filtered out by allowed_tools/disallowed_tools")
    return toolset


class UnsupportedMode(MassGenError):
    pass


def _text_or_none(value: Any) -> str | None:
    return str(value) if value else None


def _workspace(cwd: str | None) -> Path:
    """The agent's cwd (created when missing, as MassGen does), or the process's own."""
    path = Path(cwd or ".").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path
