"""Function tools made fit for one protocol before a request is built, and provider errors about them.

The facts are the protocol's ``defaults.tools`` block (``templates/requests/<protocol>.yaml``; a backend or
preset ``request:`` block overrides them like any other request fact):

- ``max_count``: how many function tools one request may carry (null: no documented limit);
- ``name_pattern``: the regex a tool name must match (MCP tools are named to fit every protocol already);
- ``description_max_length``: longer descriptions are cut, with a note (null: no limit);
- ``schema`` / ``strict_schema`` / ``strict``: the JSON Schema subset the parameters are converted into.

Too many tools is a ``ToolLimitError`` raised before anything is sent, naming the MCP servers that bring them
and ``allowed_tools`` / ``exclude_tools`` as the way out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..conversation import ToolSpec
from ..errors import BackendError, ConfigError
from .tool_schema import convert

_CUT_NOTE = " [...]"
# `tools[3]`, `tools.3`, `function_declarations[3]` / `functionDeclarations.3` in a provider's 400 message
_TOOL_INDEX = re.compile(r"(?:function_?[dD]eclarations|tools)(?:\[(\d+)\]|\.(\d+))")


class ToolLimitError(ConfigError):
    """More function tools than the protocol takes in one request."""


def fit_tools(tools: list[ToolSpec], facts: Mapping[str, Any], where: str) -> list[ToolSpec]:
    """``tools`` in the form the protocol accepts: converted parameters, cut descriptions.

    ``where`` names the agent and provider in errors. Raises ``ToolLimitError`` for too many tools and
    ``ConfigError`` for a name the protocol refuses.
    """
    rules = facts.get("tools") or {}
    limit = rules.get("max_count")
    if limit and len(tools) > limit:
        raise ToolLimitError(_overflow(tools, limit, where))
    pattern = re.compile(rules["name_pattern"]) if rules.get("name_pattern") else None
    strict = bool(rules.get("strict"))
    subset = rules.get("strict_schema" if strict else "schema")
    most = rules.get("description_max_length")
    fitted = []
    for tool in tools:
        if pattern is not None and not pattern.fullmatch(tool.name):
            raise ConfigError(f"{where}: the tool name {tool.name!r} does not match {pattern.pattern} "
                              f"({_origin(tool)}); rename it")
        description = tool.description
        if most and len(description) > most:
            description = description[: most - len(_CUT_NOTE)] + _CUT_NOTE
        parameters = convert(tool.parameters, subset) if subset else tool.parameters
        fitted.append(replace(tool, description=description, parameters=parameters, strict=strict))
    return fitted


def name_tools_in_error(error: BackendError, tools: list[ToolSpec]) -> BackendError:
    """``error`` with the tools its message points at (by index or by name) named with their MCP server."""
    named: dict[str, ToolSpec] = {}
    matches = list(_TOOL_INDEX.finditer(error.message))
    declarations = [m for m in matches if m.group(0).startswith("function")]  # Gemini: tools[0].function_declarations[i]
    for match in declarations or matches:
        index = int(match.group(1) or match.group(2))
        if index < len(tools):
            named.setdefault(tools[index].name, tools[index])
    for tool in tools:
        if tool.origin and tool.name in error.message:
            named.setdefault(tool.name, tool)
    if not named:
        return error
    which = "; ".join(f"{name}: {_origin(tool)}" for name, tool in named.items())
    error.message = f"{error.message} [the tool: {which}]"
    error.args = (error.message,)
    return error


def _origin(tool: ToolSpec) -> str:
    if tool.origin is None:
        return f"tool {tool.name!r}"
    server, name = tool.origin
    return f"MCP server {server!r}, tool {name!r}"


def _overflow(tools: list[ToolSpec], limit: int, where: str) -> str:
    by_source = Counter(f"MCP server {t.origin[0]!r}" if t.origin else "other tools" for t in tools)
    sources = ", ".join(f"{source}: {count}" for source, count in by_source.most_common())
    return (f"{where}: {len(tools)} tools would be offered, but the provider takes at most {limit} per request "
            f"({sources}); narrow them with `allowed_tools` or `exclude_tools` (on the backend, or on an MCP server "
            "entry) before running")
