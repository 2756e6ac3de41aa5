"""MCP server entries as MassGen accepts them, normalised, with ``${VAR}`` expanded from the environment.

``mcp_servers`` is either a list of entries carrying ``name`` or a mapping of name to entry. The compiler
has already checked the shape against the schema; this module turns it into ``ServerConfig`` objects and
fails with a message naming the server and the variable when something cannot be resolved.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config.envvars import REFERENCE
from ..errors import MassGenError

DEFAULT_STARTUP_TIMEOUT = 30.0
DEFAULT_CALL_TIMEOUT = 120.0

_STDIO = "stdio"
_HTTP = ("streamable-http", "http", "sse")  # "http" is MassGen's alias of streamable-http


class McpConfigError(MassGenError):
    """An MCP server entry that cannot be run (unset variable, missing command or url)."""


@dataclass(frozen=True, slots=True)
class ServerConfig:
    name: str
    transport: str  # "stdio", "streamable-http" or "sse"
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # env and headers often carry keys
    cwd: str | None = None
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    allowed_tools: tuple[str, ...] | None = None
    excluded_tools: tuple[str, ...] = ()
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    call_timeout: float = DEFAULT_CALL_TIMEOUT


def expand_vars(value: str, where: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace every ``${VAR}``; an unset variable is an error naming it and the place it is used."""
    env = os.environ if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise McpConfigError(f"{where} uses ${{{name}}}, but the environment variable {name} is not set")
        return env[name]

    return REFERENCE.sub(substitute, value)


def server_entries(mcp_servers: Any) -> list[dict[str, Any]]:
    """Both accepted forms as one list of entries that all carry ``name``."""
    if isinstance(mcp_servers, Mapping):
        return [{"name": name, **(entry or {})} for name, entry in mcp_servers.items()]
    return [dict(entry) for entry in mcp_servers or []]


def parse_server(entry: Mapping[str, Any], index: int, environ: Mapping[str, str] | None = None) -> ServerConfig:
    name = str(entry.get("name") or f"server{index + 1}")
    where = f"MCP server {name!r}"
    transport = entry.get("type") or ("stdio" if entry.get("command") else "streamable-http")
    if transport == _STDIO:
        if not entry.get("command"):
            raise McpConfigError(f"{where} has type stdio but no command")
        transport_fields: dict[str, Any] = {
            "command": str(entry["command"]),
            "args": tuple(expand_vars(str(a), f"{where} (args)", environ) for a in entry.get("args") or ()),
            "env": {
                str(k): expand_vars(str(v), f"{where} (env {k})", environ)
                for k, v in (entry.get("env") or {}).items()
            },
            "cwd": entry.get("cwd"),
        }
    elif transport in _HTTP:
        if not entry.get("url"):
            raise McpConfigError(f"{where} has type {transport} but no url")
        transport = "sse" if transport == "sse" else "streamable-http"
        transport_fields = {
            "url": expand_vars(str(entry["url"]), f"{where} (url)", environ),
            "headers": {
                str(k): expand_vars(str(v), f"{where} (header {k})", environ)
                for k, v in (entry.get("headers") or {}).items()
            },
        }
    else:
        raise McpConfigError(f"{where}: transport {transport!r} is not supported; use stdio, streamable-http or sse")
    allowed = entry.get("allowed_tools")
    return ServerConfig(
        name=name,
        transport=transport,
        allowed_tools=tuple(allowed) if allowed is not None else None,
        excluded_tools=(*(entry.get("exclude_tools") or ()), *(entry.get("disallowed_tools") or ())),
        startup_timeout=float(entry.get("startup_timeout") or DEFAULT_STARTUP_TIMEOUT),
        call_timeout=float(entry.get("timeout") or DEFAULT_CALL_TIMEOUT),
        **transport_fields,
    )


def parse_servers(mcp_servers: Any, environ: Mapping[str, str] | None = None) -> list[ServerConfig]:
    servers = [parse_server(entry, i, environ) for i, entry in enumerate(server_entries(mcp_servers))]
    seen: set[str] = set()
    for server in servers:
        if server.name in seen:
            raise McpConfigError(f"two MCP servers are named {server.name!r}; tool names would collide")
        seen.add(server.name)
    return servers
