"""The user-config JSON Schema (draft-07) for editors, compiled from the base schema and the catalog.

Each backend type becomes ``definitions/backend_<type>`` (its parameters, with the catalog's descriptions);
the agent's ``backend`` picks one with ``if``/``then`` on ``type``. On top of the parameters, the schema says
every capability rule draft-07 can say, each from the catalog fact the compiler reads:

- a built-in tool flag set to ``true`` where the support matrix says ❌ (``tool_flags: unsupported``), for a
  backend type, for a provider preset named by ``type``, and for a preset recognised by its ``base_url``;
- ``base_url`` where a backend needs one and has no environment variable to take it from (``chatcompletion``
  without a preset);
- no ``mcp_servers`` where the matrix says the backend has no MCP; an MCP server's ``url`` (``streamable-http``, ``sse``, ``http``) or ``command`` (``stdio``, or no ``type``
  and no ``url``), and the ``name`` of each entry of the list form;
- ``agents`` or ``agent``, not both, and not an empty list.

Where the consumer supports it (yaml-language-server), ``errorMessage`` carries the compiler's hint. What
draft-07 cannot say (warnings, unset variables, duplicate ids, models) is listed in the README; the
compiler checks everything with positions and better messages.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..catalog import TOOL_FLAGS, BackendDef, Catalog, ProviderDef
from .mcp_servers import STDIO, TRANSPORTS

MCP_SERVER_REF = "#/definitions/mcp_server"


def backend_schema(definition: BackendDef) -> dict[str, Any]:
    properties: dict[str, Any] = {
        flag: {"type": "boolean",
               "description": f"Built-in tool ({definition.tool_flags.get(flag, 'unsupported')} here)."}
        for flag in TOOL_FLAGS
    }
    properties.update({name: _with_references(fragment) for name, fragment in definition.parameters.items()})
    if definition.capabilities.get("mcp") == "none":  # the mcp group's keys stay; the servers cannot run
        hint = definition.hints.get("mcp_servers") or "remove `mcp_servers`"
        properties["mcp_servers"] = {"not": {}, "description": "Not supported by this backend.",
                                     "errorMessage": f"`{definition.type}` does not support MCP servers: {hint}"}
        for name, fragment in properties.items():  # enable_mcp_command_line: a switch that would start MCP tools
            if fragment.get("x-mcp-tools") == "requested" and fragment.get("type") == "boolean":
                properties[name] = {**fragment, "not": {"const": True},
                                    "errorMessage": f"`{definition.type}` has no MCP-based tools: remove `{name}`"}
    elif "mcp_servers" in properties:
        properties["mcp_servers"] = _named_list_entries(properties["mcp_servers"])
    schema = {
        "type": "object",
        "title": definition.title,
        "description": f"Parameters of the `{definition.type}` backend.",
        "properties": properties,
        "additionalProperties": False,
    }
    if definition.model_required:
        schema["required"] = ["model"]
    return schema


def _with_references(fragment: dict[str, Any]) -> dict[str, Any]:
    """A ``format`` (``uri``) holds for the value after ``${VAR}`` expansion, so text with a reference passes as
    written, as in the compiler (which checks the format only of text without ``${``)."""
    fragment = copy.deepcopy(fragment)
    if "format" in fragment:
        fragment["anyOf"] = [{"format": fragment.pop("format")}, {"pattern": r"\$\{"}]
    return fragment


def _named_list_entries(fragment: Any) -> Any:
    """``mcp_servers``: in the list form, each entry needs ``name`` (the mapping form names them by key)."""
    if isinstance(fragment, dict):
        if fragment.get("type") == "array" and fragment.get("items", {}).get("$ref") == MCP_SERVER_REF:
            return {**fragment, "items": {"allOf": [{"$ref": MCP_SERVER_REF},
                                                    {"required": ["name"], "errorMessage": "an MCP server in a list "
                                                     "needs `name`; its tools appear as mcp__<name>__<tool>"}]}}
        return {k: _named_list_entries(v) for k, v in fragment.items()}
    if isinstance(fragment, list):
        return [_named_list_entries(v) for v in fragment]
    return fragment


def _support(definition: BackendDef, preset: ProviderDef | None, flag: str) -> str:
    support = definition.tool_flags.get(flag, "unsupported")
    return preset.tool_flags.get(flag, support) if preset else support


def _refuse(name: str, flag: str, definition: BackendDef) -> dict[str, Any]:
    hint = definition.hints.get(flag) or f"remove `{flag}`; `massgen backends` shows who supports it"
    return {"properties": {flag: {"enum": [False], "errorMessage": f"`{name}` does not support `{flag}`: {hint}"}}}


def _url_pattern(fragments: list[str]) -> str:
    """A pattern for "the URL contains one of ``fragments``", ignoring case (as ``matches_url`` does)."""
    def caseless(text: str) -> str:
        return re.sub(r"[a-z]", lambda m: f"[{m[0]}{m[0].upper()}]", re.escape(text.lower()))
    return "|".join(caseless(f) for f in fragments)


def flag_rules(catalog: Catalog, definition: BackendDef, preset: ProviderDef | None) -> list[dict[str, Any]]:
    """The tool flags refused to a backend named by ``type`` (``preset`` when the name is a preset's).

    Without a preset, a ``base_url`` that one of the backend's presets matches brings that preset's cells
    (as the compiler resolves it), expressed with ``if``/``then``/``else`` on the URL.
    """
    name = preset.name if preset else definition.type
    rules = []
    detectable = [] if preset else [p for p in catalog.providers.values()
                                    if p.backend == definition.type and p.url_match]
    for flag in TOOL_FLAGS:
        own = _support(definition, preset, flag)
        node: dict[str, Any] = _refuse(name, flag, definition) if own == "unsupported" else {}
        changed = False
        for other in reversed(detectable):
            support = _support(definition, other, flag)
            if support == own:
                continue
            changed = True
            node = {"if": {"required": ["base_url"], "properties": {"base_url": {
                        "type": "string", "pattern": _url_pattern(other.url_match)}}},
                    "then": _refuse(other.name, flag, definition) if support == "unsupported" else {},
                    "else": node}
        if node and (changed or own == "unsupported"):
            rules.append(node)
    return rules


def requirement_rules(definition: BackendDef, preset: ProviderDef | None) -> list[dict[str, Any]]:
    """``base_url`` where the backend needs one, no preset gives it and no environment variable may."""
    if not definition.base_url_required or definition.base_url_env or (preset and preset.base_url):
        return []
    example = definition.data.get("base_url_example")
    return [{"required": ["base_url"], "errorMessage": f"`{definition.type}` needs `base_url` (the provider's "
             f"endpoint{', e.g. ' + example if example else ''}), or use a provider preset such as `type: cerebras`"}]


def backend_selector(catalog: Catalog) -> dict[str, Any]:
    """``backend``: ``type`` chooses the parameter set and the rules; without ``type``, ``model`` must say it."""
    branches = []
    for definition in catalog.backends.values():
        named: list[tuple[list[str], ProviderDef | None]] = [([definition.type], None)]
        named += [([p.name, *p.aliases], p) for p in catalog.providers.values() if p.backend == definition.type]
        for names, preset in named:
            rules = [*flag_rules(catalog, definition, preset), *requirement_rules(definition, preset)]
            then: dict[str, Any] = {"$ref": f"#/definitions/backend_{definition.type}"}
            branches.append({
                "if": {"properties": {"type": {"enum": names}}, "required": ["type"]},
                "then": {"allOf": [then, *rules]} if rules else then,
            })
    return {
        "type": "object",
        "description": "The model and provider the agent runs on (see `massgen backends`).",
        "properties": {"type": {"type": "string", "enum": catalog.type_names(),
                                "description": "Backend type, or a provider preset such as cerebras."}},
        "anyOf": [{"required": ["type"]}, {"required": ["model"]}],
        "allOf": branches,
    }


def mcp_server_rules() -> list[dict[str, Any]]:
    """The transport an entry names (or implies, as ``rules.transport`` reads it) needs its ``url``/``command``."""
    def when(condition: dict[str, Any], needed: dict[str, Any], message: str) -> dict[str, Any]:
        return {"if": condition, "then": {**needed, "errorMessage": message}}

    return [
        when({"properties": {"type": {"enum": [t for t, kind in TRANSPORTS.items() if kind != STDIO]}}, "required": ["type"]},
             {"required": ["url"]}, "this MCP server's transport needs `url: https://...`"),
        when({"properties": {"type": {"const": "stdio"}}, "required": ["type"]},
             {"required": ["command"]}, "a stdio MCP server needs `command:` (e.g. npx) and `args:`"),
        when({"not": {"required": ["type"]}}, {"anyOf": [{"required": ["url"]}, {"required": ["command"]}]},
             "an MCP server needs `command:` (stdio) or `url:` (streamable-http)"),
    ]


ROOT_RULES: list[dict[str, Any]] = [
    {"anyOf": [{"required": ["agents"]}, {"required": ["agent"]}],
     "errorMessage": "add `agents:` (a list of agents with `id` and `backend`) or `agent:` (one agent)"},
    {"not": {"required": ["agent", "agents"]},
     "errorMessage": "the config has both `agent` and `agents`: keep `agents:` and move this agent into it"},
]


def _replace_catalog_nodes(node: Any) -> Any:
    """Swap the base schema's ``x-catalog: backend`` placeholder for a $ref to the compiled selector."""
    if isinstance(node, dict):
        if node.get("x-catalog") == "backend":
            return {"$ref": "#/definitions/backend", "description": node.get("description", "")}
        return {k: _replace_catalog_nodes(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_catalog_nodes(v) for v in node]
    return node


def build_user_schema(base: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    schema = _replace_catalog_nodes(base)
    schema["allOf"] = [*schema.get("allOf", []), *copy.deepcopy(ROOT_RULES)]
    agents = schema.get("properties", {}).get("agents")
    if isinstance(agents, dict):
        agents.setdefault("minItems", 1)
    definitions = schema.setdefault("definitions", {})
    definitions.update(copy.deepcopy(catalog.definitions))
    if isinstance(definitions.get("mcp_server"), dict):
        server = definitions["mcp_server"]
        server["allOf"] = [*server.get("allOf", []), *mcp_server_rules()]
    definitions["backend"] = backend_selector(catalog)
    for definition in catalog.backends.values():
        definitions[f"backend_{definition.type}"] = backend_schema(definition)
    return schema
