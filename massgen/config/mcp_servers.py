"""MCP server entries as MassGen 0.1.97 reads them, normalised once: the linter (``rules.py``), the HTTP
runtime (``massgen.mcp``) and the Claude Code runtime all call ``normalise_servers``, so they agree on every
server's transport, command line, environment, headers and tool filters.

MassGen's forms (``massgen/mcp_tools/security.py`` and ``client.py`` of MassGen):

- ``mcp_servers`` is a list of entries with ``name`` or a mapping of name to entry; a name is letters, digits,
  ``_`` and ``-``, at most 100 characters, and unique.
- The transport is ``type`` (``stdio``, ``streamable-http``, its alias ``http``, or ``sse``). Without ``type``:
  ``stdio`` when the entry has ``command`` or ``args``, else ``streamable-http`` when it has ``url``, else
  ``stdio`` (which then lacks a command).
- ``command`` is one string split like a shell would (``"python server.py tools.json"``) or a list; ``args``
  follow it. An entry with ``args`` and no ``command`` runs ``args`` as the command line.
- ``env`` and ``headers`` values are text (numbers and booleans are written as text); ``${VAR}`` is expanded
  when the server is about to run (``McpServer.expanded``), never by the linter.
- ``allowed_tools`` of a server replaces the backend's; ``exclude_tools`` and ``disallowed_tools`` add up.

Import-light: the standard library only, so ``massgen validate`` stays fast.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from ..errors import MassGenError
from .envvars import REFERENCE

DEFAULT_STARTUP_TIMEOUT = 30.0  # seconds
DEFAULT_CALL_TIMEOUT = 120.0  # seconds

STDIO, STREAMABLE_HTTP, SSE = "stdio", "streamable-http", "sse"
# The ``type`` values MassGen accepts, to the transport they mean ("http" is MassGen's alias).
TRANSPORTS = {"stdio": STDIO, "streamable-http": STREAMABLE_HTTP, "http": STREAMABLE_HTTP, "sse": SSE}
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]+")
MAX_NAME_LENGTH = 100  # MassGen's validate_server_config

Key = tuple[str | int, ...]


class McpConfigError(MassGenError):
    """An MCP server entry that cannot be run (bad name, no command or url, unset variable)."""


@dataclass(frozen=True, slots=True)
class McpServer:
    """One normalised MCP server. ``command``/``args``/``env``/``cwd`` are set for stdio, ``url``/``headers``
    for the HTTP transports. ``env`` and ``headers`` often carry keys: the repr leaves them out."""

    name: str
    transport: str  # STDIO, STREAMABLE_HTTP or SSE
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    cwd: str | None = None
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    allowed_tools: tuple[str, ...] | None = None
    excluded_tools: tuple[str, ...] = ()
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT  # seconds
    call_timeout: float = DEFAULT_CALL_TIMEOUT  # seconds

    def expanded(self, environ: Mapping[str, str] | None = None) -> McpServer:
        """This server with every ``${VAR}`` of ``args``, ``env``, ``url`` and ``headers`` replaced.

        Raises ``McpConfigError`` naming the server, the place and the variable when one is unset.
        """
        env = os.environ if environ is None else environ
        where = f"MCP server {self.name!r}"
        return replace(
            self,
            args=tuple(expand(a, f"{where} (args)", env) for a in self.args),
            env=_frozen({k: expand(v, f"{where} (env {k})", env) for k, v in self.env.items()}),
            url=expand(self.url, f"{where} (url)", env) if self.url is not None else None,
            headers=_frozen({k: expand(v, f"{where} (header {k})", env) for k, v in self.headers.items()}),
        )


@dataclass(frozen=True, slots=True)
class EntryProblem:
    """Why an entry cannot run. ``key`` is the place inside ``mcp_servers`` (the entry's index or name, then
    its own keys); ``code`` is the linter's diagnostic code."""

    key: Key
    code: str
    message: str
    hint: str | None = None


def expand(value: str, where: str, environ: Mapping[str, str]) -> str:
    """Replace every ``${VAR}``; an unset variable is an ``McpConfigError`` naming it and ``where``."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise McpConfigError(f"{where} uses ${{{name}}}, but the environment variable {name} is not set")
        return environ[name]

    return REFERENCE.sub(substitute, value)


def server_entries(value: Any) -> list[tuple[str | int, str | None, dict[str, Any]]]:
    """(key, name, entry) of every entry of both forms; ``name`` is None when a list entry has none."""
    if isinstance(value, Mapping):
        return [(str(k), str(k), dict(e)) for k, e in value.items() if isinstance(e, Mapping)]
    if isinstance(value, list):
        return [(i, e.get("name") if isinstance(e.get("name"), str) else None, dict(e))
                for i, e in enumerate(value) if isinstance(e, Mapping)]
    return []


def normalise_servers(value: Any) -> tuple[list[McpServer], list[EntryProblem]]:
    """Every entry of ``mcp_servers`` (either form) normalised, and the problems of those that cannot run.

    An entry with a problem is left out of the servers. Values stay unexpanded (see ``McpServer.expanded``).
    """
    servers: list[McpServer] = []
    problems: list[EntryProblem] = []
    seen: set[str] = set()
    for key, name, entry in server_entries(value):
        server, found = normalise_entry(entry, key, name)
        if name is not None and name in seen:  # only the list form can repeat a name
            found.append(EntryProblem((key, "name"), "duplicate-mcp-server", f"MCP server `{name}` is defined twice",
                                      "give each server its own name; its tools appear as mcp__<name>__<tool>"))
        if name is not None:
            seen.add(name)
        problems += found
        if server is not None and not found:
            servers.append(server)
    return servers, problems


def normalise_entry(entry: Mapping[str, Any], key: str | int, name: str | None) -> tuple[McpServer | None, list[EntryProblem]]:
    """One entry; ``key`` is its index (list form) or name (mapping form)."""
    problems = _name_problems(key, name)
    label = f"MCP server `{name}`" if name else "this MCP server"
    kind = entry.get("type")
    if kind is None:
        has_command = entry.get("command") is not None or entry.get("args") is not None
        transport = STDIO if has_command or entry.get("url") is None else STREAMABLE_HTTP
    elif kind in TRANSPORTS:
        transport = TRANSPORTS[kind]
    else:
        problems.append(EntryProblem((key, "type"), "mcp-server-type", f"{label}: transport `{kind}` is not supported",
                                     "use stdio, streamable-http (or http) or sse"))
        return None, problems
    fields: dict[str, Any]
    if transport == STDIO:
        command_line, problem = _command_line(entry, key, label)
        if problem is not None:
            return None, [*problems, problem]
        fields = {"command": command_line[0], "args": tuple(command_line[1:]),
                  "env": _texts(entry.get("env")), "cwd": entry.get("cwd")}
    else:
        if not entry.get("url"):
            problems.append(EntryProblem((key,), "mcp-server-url", f"{label} uses {kind or transport} but has no `url`",
                                         "add `url: https://...`, or `type: stdio` with `command:`"))
            return None, problems
        fields = {"url": str(entry["url"]), "headers": _texts(entry.get("headers"))}
    allowed = entry.get("allowed_tools")
    server = McpServer(
        name=name or "",
        transport=transport,
        allowed_tools=tuple(allowed) if allowed is not None else None,
        excluded_tools=(*(entry.get("exclude_tools") or ()), *(entry.get("disallowed_tools") or ())),
        startup_timeout=float(entry.get("startup_timeout") or DEFAULT_STARTUP_TIMEOUT),
        call_timeout=float(entry.get("timeout") or DEFAULT_CALL_TIMEOUT),
        **fields,
    )
    return (server if name else None), problems


def parse_servers(value: Any, environ: Mapping[str, str] | None = None) -> list[McpServer]:
    """The runtimes' entry point: normalised and expanded servers, or ``McpConfigError`` with the first problem
    (the linter reports the same problem, at its line, before a run)."""
    servers, problems = normalise_servers(value)
    if problems:
        first = problems[0]
        raise McpConfigError(f"{first.message}" + (f" ({first.hint})" if first.hint else ""))
    return [server.expanded(environ) for server in servers]


def _name_problems(key: str | int, name: str | None) -> list[EntryProblem]:
    if name is None:
        return [EntryProblem((key,), "mcp-server-name", "this MCP server has no `name`",
                             "add `name: <server>`; its tools appear as mcp__<name>__<tool>")]
    if not NAME_PATTERN.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        where = (key, "name") if isinstance(key, int) else (key,)
        return [EntryProblem(where, "mcp-server-name",
                             f"MCP server name `{name}` may only have letters, digits, `_` and `-`, "
                             f"at most {MAX_NAME_LENGTH} of them (as in MassGen)",
                             f"rename it, e.g. `{re.sub(r'[^A-Za-z0-9_-]', '_', name)[:MAX_NAME_LENGTH]}`")]
    return []


def _command_line(entry: Mapping[str, Any], key: str | int, label: str) -> tuple[list[str], EntryProblem | None]:
    """``command`` (a string split like a shell would, or a list) followed by ``args``."""
    command, args = entry.get("command"), [str(a) for a in entry.get("args") or ()]
    if isinstance(command, str):
        try:
            parts = shlex.split(command)
        except ValueError as exc:
            return [], EntryProblem((key, "command"), "mcp-server-command",
                                    f"{label}: `command` cannot be split like a shell would ({exc})",
                                    "close the quote, or give `command` as a list")
    elif isinstance(command, list):
        parts = [str(part) for part in command]
    else:
        parts = []
    line = parts + args
    if not line:
        return [], EntryProblem((key,), "mcp-server-command",
                                f"{label} uses stdio but has neither `command` nor `args` to start",
                                "add `command:` (e.g. npx) and `args:`, or `type: streamable-http` with `url:`")
    return line, None


def _texts(mapping: Any) -> Mapping[str, str]:
    return _frozen({str(k): str(v).lower() if isinstance(v, bool) else str(v)
                    for k, v in (mapping or {}).items()})


def _frozen(mapping: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(mapping)
