"""Builds an agent's plan from its checked config: the one place each fact is resolved.

- base URL and API key: ``massgen.config.routing.resolve_endpoint`` (the linter's key rule asks there too);
- provider parameters vs runtime settings: ``is_provider_parameter``;
- request facts: the catalog's ``request:`` blocks, backend then preset (``routing.request_facts``);
- secrets: ``collect_secrets``.
"""

from __future__ import annotations

import os
from collections import ChainMap
from collections.abc import Iterator, Mapping
from itertools import pairwise
from typing import Any

from ..catalog import TOOL_FLAGS, BackendDef, Catalog
from ..secret import Secret, is_credential_name, url_credentials
from .envvars import substitute_config_variables
from .plan import AgentPlan
from .routing import MOCK_SOURCE, APIKey, local_server, mock_base_url, request_facts, resolve_endpoint
from .rules import BackendContext, agent_entries, mcp_server_entries

# Parameter groups that configure the runtime rather than the provider request.
RUNTIME_GROUPS = ("core", "mcp", "command_line", "framework")


def is_provider_parameter(key: str, definition: BackendDef, catalog: Catalog) -> bool:
    """Whether a backend key goes to the provider's request (not runtime settings, tool flags, ignored keys)."""
    fragment = definition.parameters.get(key)
    return (fragment is not None and key not in TOOL_FLAGS and fragment.get("x-runtime") != "ignored"
            and not any(key in catalog.groups.get(group, {}) for group in RUNTIME_GROUPS))


def shared_context_paths(orchestrator: Any) -> list[dict[str, str]]:
    """The orchestrator's ``context_paths``, read-only for every agent (MassGen's write permission belongs to the
    final presenter alone, which this runtime does not single out)."""
    entries = orchestrator.get("context_paths") if isinstance(orchestrator, dict) else None
    return [{"path": entry if isinstance(entry, str) else str(entry["path"]), "permission": "read"}
            for entry in entries or ()]


def build_plan(ctx: BackendContext, agent: dict[str, Any], default_id: str, catalog: Catalog,
               shared_paths: list[dict[str, str]] | None = None,
               environ: Mapping[str, str] | None = None) -> AgentPlan:
    """The plan of one agent whose config has no errors (it trusts the data). A mocked agent (``ctx.mocked``:
    ``mock: true``, or every HTTP agent under ``--mock``) gets the mock server's URL (source ``mock``; None while
    no route gives an address: ``validate``) and no key."""
    environ = os.environ if environ is None else environ
    definition, preset = ctx.definition, ctx.preset
    backend = ctx.backend
    if shared_paths:
        backend = {**backend, "context_paths": [*(backend.get("context_paths") or []), *shared_paths]}
    config_variables = {"cwd": os.path.abspath(backend["cwd"])} if isinstance(backend.get("cwd"), str) else {}
    backend = substitute_config_variables(backend, ChainMap(config_variables, environ))  # no copy of the env
    request = request_facts(definition, preset)
    agent_id = agent.get("id") if isinstance(agent.get("id"), str) else default_id
    if ctx.mocked:
        base_url = mock_base_url(ctx.mock_route.address(), agent_id) if ctx.mock_route is not None else None
        base_url_source, api_key = MOCK_SOURCE, APIKey("mock")
    else:
        base_url, base_url_source, api_key = resolve_endpoint(definition, preset, backend, ctx.backend, catalog, environ)
    parameters = definition.parameters
    disallowed = backend.get("disallowed_tools", parameters.get("disallowed_tools", {}).get("default", []))
    mcp_servers = [{**entry, "name": name} for _, name, entry in mcp_server_entries(backend.get("mcp_servers"), ())]
    return AgentPlan(
        id=agent_id,
        backend_type=definition.type,
        protocol=definition.protocol,
        model=backend.get("model"),
        provider=preset.name if preset else None,
        base_url=base_url,
        base_url_source=base_url_source,
        base_url_env=definition.base_url_env,
        api_key=api_key,
        system_message=agent.get("system_message"),
        params={k: v for k, v in backend.items() if is_provider_parameter(k, definition, catalog)},
        request=request,
        settings_env={name: environ[var] for name, var in (request.get("settings_env") or {}).items()
                      if environ.get(var)},
        parameter_defaults={name: s["default"] for name, s in parameters.items() if "default" in s},
        tool_flags={f: backend[f] for f in TOOL_FLAGS if isinstance(backend.get(f), bool)},
        mcp_servers=mcp_servers,
        allowed_tools=list(backend["allowed_tools"]) if isinstance(backend.get("allowed_tools"), list) else None,
        disallowed_tools=list(disallowed),
        exclude_tools=list(backend.get("exclude_tools") or []),
        cwd=backend.get("cwd"),
        voting_sensitivity=agent.get("voting_sensitivity") or backend.get("voting_sensitivity"),
        native_tools=tuple(definition.data.get("native_tools") or ()),
        mcp_tools=definition.capabilities.get("mcp") != "none",
        backend=dict(backend),
        secrets=collect_secrets(api_key, base_url, backend, mcp_servers, definition),
        local_server={} if ctx.mocked else local_server(definition, catalog),  # the mock needs no local server
    )


def config_secrets(data: Any) -> tuple[Secret, ...]:
    """The secret values written in a config, valid or not (for the linter: its messages and snippets never
    quote them): each agent's ``api_key`` (as written, and trimmed) and the credentials of its URLs and MCP
    entries."""
    values: list[str] = []
    for _, agent in agent_entries(data) if isinstance(data, dict) else ():
        backend = agent.get("backend") if isinstance(agent, dict) else None
        if not isinstance(backend, dict):
            continue
        key = backend.get("api_key")
        values += [key, key.strip()] if isinstance(key, str) and "${" not in key else []
        mcp_servers = [entry for _, _, entry in mcp_server_entries(backend.get("mcp_servers"), ())]
        values += _credentials(backend.get("base_url"), mcp_servers)
    return _secrets(values)


def collect_secrets(api_key: APIKey, base_url: str | None, backend: Mapping[str, Any],
                    mcp_servers: list[dict[str, Any]], definition: BackendDef) -> tuple[Secret, ...]:
    """Every secret value of an agent, each once: its key, ``x-secret`` parameters, credentials in its URLs and
    the credential-like ``env`` / ``headers`` / ``args`` values of its MCP servers."""
    values = [api_key.secret.reveal()] if api_key.secret else []
    values += [backend[name] for name, schema in definition.parameters.items()
               if schema.get("x-secret") and name != "api_key" and isinstance(backend.get(name), str)]
    return _secrets([*values, *_credentials(base_url, mcp_servers)])


def _credentials(base_url: Any, mcp_servers: list[Mapping[str, Any]]) -> list[str]:
    """The credentials in a base URL and in MCP entries (URLs, env, headers, args)."""
    found = url_credentials(base_url) if isinstance(base_url, str) else []
    for entry in mcp_servers:
        found += list(_mcp_credentials(entry))
    return found


def _secrets(values: list[Any]) -> tuple[Secret, ...]:
    """Each non-blank text once, as a Secret."""
    return tuple(Secret(v) for v in dict.fromkeys(v for v in values if isinstance(v, str) and v.strip()))


def _mcp_credentials(entry: Mapping[str, Any]) -> Iterator[str]:
    for block in ("env", "headers"):
        values = entry.get(block)
        if isinstance(values, dict):
            yield from (str(v) for k, v in values.items() if is_credential_name(str(k)) and v is not None)
    if isinstance(entry.get("url"), str):
        yield from url_credentials(entry["url"])
    args = entry.get("args")
    if isinstance(args, list):
        for flag, value in pairwise(args):  # `--api-key VALUE`, `--token VALUE`
            if isinstance(flag, str) and flag.startswith("-") and is_credential_name(flag):
                yield str(value)
        for arg in args:  # `--api-key=VALUE`, `TOKEN=VALUE`
            if isinstance(arg, str) and "=" in arg:
                name, _, value = arg.partition("=")
                if is_credential_name(name):
                    yield value
