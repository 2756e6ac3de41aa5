"""Semantic rules: what a schema cannot say. Each rule yields Issues with a stable code.

Root rules look at the whole config; backend rules look at one agent's backend once its type is known.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..catalog import TOOL_FLAGS, BackendDef, Catalog, ProviderDef, first_model_rule
from ..catalog.model import HTTP_PROTOCOLS
from ..diagnostics import Fix, Severity
from .checker import Issue, Path
from .envvars import CONFIG_VARIABLES, REFERENCE, malformed_references, references, substitute_config_variables
from .mcp_servers import normalise_servers, server_entries
from .request_parts import base_url_problem, model_problem
from .routing import APIKey, MockRoute, request_facts, resolve_endpoint, wants_mock

WARNING, INFO = Severity.WARNING, Severity.INFO
FILTER_LISTS = ("disallowed_tools", "exclude_tools")


@dataclass(slots=True)
class BackendContext:
    """One agent's backend, resolved: ``path`` points at the backend mapping."""

    path: Path
    backend: dict[str, Any]
    definition: BackendDef
    preset: ProviderDef | None
    catalog: Catalog
    mock_route: MockRoute | None = None  # `massgen run --mock` (every agent) or the route `mock: true` takes

    @property
    def name(self) -> str:
        return self.preset.name if self.preset else self.definition.type

    def presets_with(self, flag: str) -> list[str]:
        """The presets of this backend that declare ``flag`` supported."""
        return [p.name for p in self.catalog.providers.values()
                if p.backend == self.definition.type and p.tool_flags.get(flag) == "supported"]

    @property
    def mocked(self) -> bool:
        """Whether the local mock server answers this agent (an HTTP backend, with `mock: true` or `--mock`)."""
        return self.definition.protocol in HTTP_PROTOCOLS and wants_mock(self.backend, self.mock_route)

    def api_key(self) -> APIKey:
        """Where this agent's key will come from, as the plan will decide it (``massgen.config.routing``)."""
        definition, preset = self.definition, self.preset
        if self.mocked:
            return APIKey("mock")
        expanded = substitute_config_variables(self.backend, os.environ)  # as the planner sees base_url
        return resolve_endpoint(definition, preset, expanded, self.backend, self.catalog, os.environ)[2]


# --- the whole config ----------------------------------------------------------------------------

def agent_entries(data: dict[str, Any]) -> list[tuple[Path, Any]]:
    """(path, agent) for ``agents:`` items and the single ``agent:``."""
    entries: list[tuple[Path, Any]] = []
    if isinstance(data.get("agents"), list):
        entries.extend((("agents", i), agent) for i, agent in enumerate(data["agents"]))
    if "agent" in data:
        entries.append((("agent",), data["agent"]))
    return entries


# Top-level keys of MassGen V1 configs (`models: [...]`, `num_agents: 3`), which name no agent of this format.
V1_KEYS = ("models", "num_agents")


def v1_config_issue(data: dict[str, Any]) -> Issue | None:
    """One error for a MassGen V1 config (no `agents`/`agent`, a V1 key): the format changed, not a misspelling."""
    found = [key for key in V1_KEYS if key in data]
    if not found or "agents" in data or "agent" in data:
        return None
    return Issue((found[0],), "legacy-config",
                 f"this looks like a MassGen V1 config (`{found[0]}:`); this version reads the V2 format",
                 hint="write `agents:` as a list of `{id, backend: {type, model}}`; `massgen backends` lists the types "
                      "and examples/three_agents.yaml shows the format", at_key=True)


def root_rules(data: dict[str, Any]) -> Iterator[Issue]:
    if "agent" in data and "agents" in data:
        yield Issue(("agent",), "agent-and-agents", "the config has both `agent` and `agents`",
                    hint="keep `agents:` (a list) and move this agent into it", at_key=True)
    if "agent" not in data and "agents" not in data:
        yield Issue((), "no-agents", "the config defines no agent",
                    hint="add `agents:` (a list of agents with `id` and `backend`) or `agent:` (one agent)")
    elif data.get("agents") == []:
        yield Issue(("agents",), "no-agents", "`agents` is an empty list", hint="add at least one agent")
    seen: dict[str, Path] = {}
    for path, agent in agent_entries(data):
        agent_id = agent.get("id") if isinstance(agent, dict) else None
        if not isinstance(agent_id, str):
            continue
        if agent_id in seen:
            first = "/".join(str(p) for p in seen[agent_id])
            yield Issue((*path, "id"), "duplicate-agent-id", f"agent id `{agent_id}` is used twice",
                        hint=f"every agent needs its own id (the first is at {first})")
        else:
            seen[agent_id] = path
    yield from voting_sensitivity_rule(data)
    yield from shared_write_rule(data)


def shared_write_rule(data: dict[str, Any]) -> Iterator[Issue]:
    """The orchestrator's context paths are read-only here: say so where one asks for write access."""
    orchestrator = data.get("orchestrator")
    entries = orchestrator.get("context_paths") if isinstance(orchestrator, dict) else None
    for index, entry in enumerate(entries if isinstance(entries, list) else ()):
        if isinstance(entry, dict) and entry.get("permission") == "write":
            yield Issue(("orchestrator", "context_paths", index, "permission"), "shared-path-read-only",
                        "agents may only read this path here: MassGen's write access for the final presenter "
                        "is not implemented by this runtime",
                        hint="give the agent that should write it the path in its backend's `context_paths`",
                        severity=INFO)


GRADED_SENSITIVITIES = ("lenient", "balanced", "strict")


def voting_sensitivity_rule(data: dict[str, Any]) -> Iterator[Issue]:
    """MassGen's other voting strategies (roi, checklist, ...) are valid; this runtime grades them as lenient."""
    places: list[tuple[Path, Any]] = [(("orchestrator",), data.get("orchestrator"))]
    for path, agent in agent_entries(data):
        if isinstance(agent, dict):
            places += [(path, agent), ((*path, "backend"), agent.get("backend"))]
    for path, mapping in places:
        value = mapping.get("voting_sensitivity") if isinstance(mapping, dict) else None
        if isinstance(value, str) and value not in GRADED_SENSITIVITIES:
            yield Issue((*path, "voting_sensitivity"), "voting-strategy-not-implemented",
                        f"voting_sensitivity `{value}` is a MassGen strategy this runtime does not implement; "
                        "agents judge as `lenient`", hint="use lenient, balanced or strict", severity=INFO)


# --- one backend -----------------------------------------------------------------------------------

def tool_flag_rule(ctx: BackendContext) -> Iterator[Issue]:
    """A built-in tool flag turned on where the backend (or its preset) lacks the capability.

    ``varies`` (chatcompletion) leaves the answer to the provider preset: the run can only request a tool a
    preset declares (``tool_flags`` plus its ``request.builtin_tools``), so without one the flag is an error,
    naming the presets that have it. A preset's ``tool_sources`` may limit a tool to the models its provider
    documents it for."""
    for flag in TOOL_FLAGS:
        if ctx.backend.get(flag) is not True:
            continue  # absent or false: nothing is asked of the backend
        support = ctx.definition.tool_flags.get(flag, "unsupported")
        if ctx.preset and flag in ctx.preset.tool_flags:
            support = ctx.preset.tool_flags[flag]
        path = (*ctx.path, flag)
        if support == "supported":
            yield from _tool_model_rule(ctx, flag, path)
            continue
        hint = ctx.definition.hints.get(flag) or f"remove `{flag}`; `massgen backends` shows who supports it"
        remove = (Fix("remove-key", f"Remove `{flag}`"),)
        if support == "not_applicable":
            yield Issue(path, "unsupported-capability", f"`{flag}` does not apply to `{ctx.name}`",
                        hint=hint, severity=WARNING, at_key=True, fixes=remove)
            continue
        if support == "varies" or ctx.preset:
            source = (ctx.preset.tool_sources.get(flag) or {}).get("source") if ctx.preset else None
            having = ", ".join(f"`type: {name}`" for name in ctx.presets_with(flag)) or "none"
            hint = (f"remove `{flag}`" + (f" (the provider's documentation: {source})" if source else "")
                    + f"; presets with this built-in tool: {having}")
        what = ("has no built-in tool for" if ctx.preset or support != "varies"
                else "(a provider without a preset) has no built-in tool MassGen knows for")
        yield Issue(path, "unsupported-capability", f"`{ctx.name}` {what} `{flag}`", hint=hint, at_key=True,
                    fixes=remove)


def _tool_model_rule(ctx: BackendContext, flag: str, path: Path) -> Iterator[Issue]:
    models = (ctx.preset.tool_sources.get(flag) or {}).get("models") if ctx.preset else None
    model = ctx.backend.get("model")
    if models and isinstance(model, str) and model not in models:
        yield Issue(path, "unsupported-capability",
                    f"`{ctx.name}` offers `{flag}` only with {', '.join(f'`{m}`' for m in models)}, not `{model}`",
                    hint=f"use one of those models, or remove `{flag}` "
                         f"({ctx.preset.tool_sources[flag]['source']})", at_key=True)


def builtin_with_functions_rule(ctx: BackendContext) -> Iterator[Issue]:
    """A built-in tool the model cannot use beside function tools (request facts' ``builtin_with_functions``)."""
    model = ctx.backend.get("model")
    request = request_facts(ctx.definition, ctx.preset)
    rule = first_model_rule(request.get("builtin_with_functions"), model) if isinstance(model, str) else {}
    if rule.get("combine") is not False:
        return
    for flag in request.get("builtin_tools") or {}:
        if ctx.backend.get(flag) is True:
            yield Issue((*ctx.path, flag), "builtin-tool-alone",
                        f"`{model}` cannot use `{flag}` together with function tools: whenever this agent is "
                        "offered function tools (new_answer and vote in every multi-agent run, MCP servers, file "
                        "tools) the built-in tool is left out of that request",
                        hint=rule.get("hint") or "use a model that combines them, or an MCP server for this tool",
                        severity=INFO, at_key=True)


def mcp_support_rule(ctx: BackendContext) -> Iterator[Issue]:
    """Where the backend's mcp capability is none, the settings that would give the agent MCP-based tools
    (``x-mcp-tools`` in the catalog): one that asks for them (mcp_servers, enable_mcp_command_line) is an error;
    ``cwd``, which brings MassGen's file tools along, is a warning that the agent gets none (MassGen's own
    azure configs set it)."""
    if ctx.definition.capabilities.get("mcp") != "none":
        return
    for key, kind in mcp_tool_keys(ctx.backend, ctx.definition):
        hint = ctx.definition.hints.get(key) or ctx.definition.hints.get("mcp_servers")
        if kind == "implied":
            yield Issue((*ctx.path, key), "mcp-unsupported",
                        f"`{ctx.name}` takes no MCP-based tools: `{key}` gives this agent no file tools",
                        hint=hint, severity=WARNING, at_key=True)
        else:
            what = "MCP servers" if key == "mcp_servers" else f"`{key}` (an MCP-based tool)"
            yield Issue((*ctx.path, key), "mcp-unsupported", f"`{ctx.name}` does not support {what}",
                        hint=hint, at_key=True)


def mcp_tool_keys(backend: dict[str, Any], definition: BackendDef) -> list[tuple[str, str]]:
    """(key, ``requested`` | ``implied``) for each key of ``backend`` that is set and would give the agent
    MCP-based tools (``x-mcp-tools``); ``mcp_servers`` counts where the backend does not declare it (ag2)."""
    found = []
    for key, value in backend.items():
        kind = "requested" if key == "mcp_servers" else definition.parameters.get(key, {}).get("x-mcp-tools")
        if kind and value not in (None, False, "", [], {}):
            found.append((key, kind))
    return found


def base_url_rule(ctx: BackendContext) -> Iterator[Issue]:
    definition = ctx.definition
    if (not definition.base_url_required or ctx.backend.get("base_url") or (ctx.preset and ctx.preset.base_url)
            or ctx.mocked):
        return
    env = definition.base_url_env
    if env and os.environ.get(env):
        return
    example = definition.data.get("base_url_example")
    hint = f"add `base_url: {example}`" if example else "add `base_url`"
    if env:
        yield Issue(ctx.path, "base-url-required",
                    f"`{ctx.name}` needs `base_url`, or the {env} environment variable (not set now)",
                    hint=hint + f" or set {env}", severity=WARNING, at_key=True)
    else:
        presets = "`type: cerebras`, `type: openrouter`, ..."
        yield Issue(ctx.path, "base-url-required", f"`{ctx.name}` needs `base_url` (the provider's endpoint)",
                    hint=f"{hint}, or use a provider preset such as {presets}", at_key=True)


def model_rule(ctx: BackendContext) -> Iterator[Issue]:
    if not ctx.definition.model_required or ctx.backend.get("model"):
        return
    known = (ctx.preset.models if ctx.preset else None) or ctx.definition.models
    hint = f"add `model: {known[0]}`" if known else "add `model:` with the provider's model name"
    yield Issue(ctx.path, "model-required", f"`{ctx.name}` needs `model` (the provider has no default)",
                hint=hint + " (`massgen backends show " + ctx.name + "` lists the known ones)", at_key=True)


def required_parameter_rule(ctx: BackendContext) -> Iterator[Issue]:
    """A parameter the backend cannot run without (claude_code's ``cwd``, as in MassGen)."""
    for _, message, hint in ctx.definition.missing_parameters(ctx.backend):
        yield Issue(ctx.path, "missing-required-parameter", message, hint=hint, at_key=True)


def request_path_rule(ctx: BackendContext) -> Iterator[Issue]:
    """A model name or base_url that would change the request's path (``?``, ``#``, ``..``)."""
    for key, check in (("model", model_problem), ("base_url", base_url_problem)):
        value = ctx.backend.get(key)
        problem = check(value) if isinstance(value, str) and not REFERENCE.search(value) else None
        if problem:
            yield Issue((*ctx.path, key), "unsafe-request-path", problem,
                        hint=f"write the {key} exactly as the provider documents it")


RETIRING_SOON = timedelta(days=30)  # a retirement this close is a warning, shown without --verbose


def model_retirement_rule(ctx: BackendContext) -> Iterator[Issue]:
    """A model the provider has retired (or soon will): the catalog knows the date (the preset's list, then the
    backend's), the config may not."""
    model = ctx.backend.get("model")
    if not isinstance(model, str):
        return
    owner = ctx.preset if ctx.preset and model.lower() in ctx.preset.model_retirements else ctx.definition
    retired_on = owner.model_retirements.get(model.lower())
    if retired_on is None:
        return
    path = (*ctx.path, "model")
    source = owner.data.get("model_retirements_source")
    where = f" (source: {source})" if source else ""
    if retired_on <= date.today().isoformat():
        yield Issue(path, "model-retired", f"`{model}` was retired on {retired_on}: the provider rejects it",
                    hint=f"choose a current model (`massgen backends show {ctx.name}`){where}", severity=WARNING)
    else:
        soon = date.fromisoformat(retired_on) - date.today() <= RETIRING_SOON
        yield Issue(path, "model-retiring", f"`{model}` will be retired on {retired_on}",
                    hint=f"plan a move to a newer model{where}", severity=WARNING if soon else INFO)


def execution_mode_rule(ctx: BackendContext) -> Iterator[Issue]:
    """MassGen's srt sandbox is valid config that this runtime cannot run: say so before a run fails on it."""
    if ctx.backend.get("command_line_execution_mode") != "srt":
        return
    stops = ctx.backend.get("enable_mcp_command_line") is True
    yield Issue((*ctx.path, "command_line_execution_mode"), "unsupported-execution-mode",
                "`command_line_execution_mode: srt` (Anthropic's sandbox runtime) is not supported by this runtime"
                + ("; the run stops before it starts" if stops else ""),
                hint="use `local` or `docker`", severity=WARNING if stops else INFO)


def mcp_server_entries(value: Any, path: Path) -> list[tuple[Path, str | None, dict[str, Any]]]:
    """(path, name, entry) of every server, from the list form or the name → entry mapping form."""
    return [((*path, key), name, entry) for key, name, entry in server_entries(value)]


def mcp_server_rule(ctx: BackendContext) -> Iterator[Issue]:
    """MCP server entries that could not start, as the runtimes' own normaliser finds them."""
    servers_path = (*ctx.path, "mcp_servers")
    _, problems = normalise_servers(ctx.backend.get("mcp_servers"))
    for problem in problems:
        if problem.code == "mcp-server-type":
            continue  # the schema's enum has said it, with a "did you mean"
        yield Issue((*servers_path, *problem.key), problem.code, problem.message, hint=problem.hint)
    for path, _, entry in mcp_server_entries(ctx.backend.get("mcp_servers"), servers_path):
        yield from _filter_conflicts(entry, path)


def tool_filter_rule(ctx: BackendContext) -> Iterator[Issue]:
    yield from _filter_conflicts(ctx.backend, ctx.path)


def _filter_conflicts(mapping: dict[str, Any], path: Path) -> Iterator[Issue]:
    allowed = mapping.get("allowed_tools")
    if not isinstance(allowed, list):
        return
    names = {t for t in allowed if isinstance(t, str)}
    for list_name in FILTER_LISTS:
        blocked = mapping.get(list_name)
        if not isinstance(blocked, list):
            continue
        for index, tool in enumerate(blocked):
            if isinstance(tool, str) and tool in names:
                yield Issue((*path, list_name, index), "tool-filter-conflict",
                            f"`{tool}` is both in `allowed_tools` and in `{list_name}`",
                            hint="a tool is either allowed or blocked; remove it from one list")


def env_reference_rule(ctx: BackendContext) -> Iterator[Issue]:
    for path, name in references(ctx.backend, ctx.path):
        if name in CONFIG_VARIABLES:
            if name not in ctx.backend:
                yield Issue(path, "unset-config-variable",
                            f"`${{{name}}}` stands for this backend's `{name}`, which is not set",
                            hint=f"add `{name}:` to the backend", severity=WARNING)
        elif name not in os.environ:
            yield Issue(path, "unset-env-var", f"environment variable {name} is not set",
                        hint=f"export {name}=... before running (`massgen run` will not start without it)",
                        severity=WARNING)
    for path, text in malformed_references(ctx.backend, ctx.path):
        yield Issue(path, "malformed-variable", f"`{text}` is not expanded: MassGen expands only `${{NAME}}`",
                    hint="write `${NAME}` (no spaces, no `:-default`) and set the variable", severity=WARNING)


def literal_api_key_rule(ctx: BackendContext) -> Iterator[Issue]:
    key = ctx.backend.get("api_key")
    if isinstance(key, str) and key and "${" not in key:
        env = ctx.api_key().variables
        hint = (f"remove `api_key` and set {env[0]}, or write `api_key: ${{{env[0]}}}`" if env
                else "write `api_key: ${YOUR_VARIABLE}` and set that variable")
        fixes = (Fix("replace-value", f"Replace the key with `${{{env[0]}}}`", f"${{{env[0]}}}"),) if env else ()
        yield Issue((*ctx.path, "api_key"), "literal-api-key",
                    "an API key is written in the config file; anyone who sees the file sees the key",
                    hint=hint, severity=WARNING, fixes=fixes)


def api_key_rule(ctx: BackendContext) -> Iterator[Issue]:
    """Where the agent's key will come from (info); an error when ``base_url`` is another provider's host (no
    implicit key goes there); a warning when a generic endpoint's own key is unset while other providers' are
    set (those are never sent there), and when a key would cross the network in plain HTTP
    (``massgen.config.routing``)."""
    definition, catalog = ctx.definition, ctx.catalog
    if not (definition.api_key_env or definition.key_follows_host or ctx.preset or "api_key" in ctx.backend):
        return  # a runtime without a key of its own (ag2 keeps keys in its llm_config)
    key = ctx.api_key()
    where = (*ctx.path, "api_key") if "api_key" in ctx.backend else ctx.path
    hint = ("if this endpoint wants a key, write `api_key: ${VARIABLE}`" if key.origin == "none" and not key.variables
            else None)
    yield Issue(where, "api-key-source", f"API key: {key.route()}", hint=hint, severity=INFO, at_key=where == ctx.path)
    if key.withheld and key.origin == "none":
        resolved = catalog.resolve_type(key.owner or "")
        owner_vars = (resolved[1] or resolved[0]).api_key_env if resolved else []
        alternative = f"`type: {key.owner}`" + (f", or `api_key: ${{{owner_vars[0]}}}`" if owner_vars else "")
        yield Issue((*ctx.path, "base_url"), "base-url-of-another-provider",
                    f"this base_url is `{key.owner}`'s host: `{key.withheld}`'s key is never sent there, and no other",
                    hint=f"use {alternative}, or a base_url of `{key.withheld}`")
    base_url = ctx.backend.get("base_url")
    if (key.origin != "none" or key.variables) and isinstance(base_url, str) and _plain_http_off_loopback(base_url):
        yield Issue((*ctx.path, "base_url"), "api-key-over-http",
                    "the API key would cross the network unencrypted: this base_url is plain http:// off this machine",
                    hint="use https://", severity=WARNING)
    generic = ctx.backend.get("type") == definition.type  # `type: chatcompletion`, not `type: <preset>`
    if key.origin != "none" or not key.required or not definition.key_follows_host or not generic:
        return
    ours = set(key.variables)
    others = sorted({v for b in catalog.backends.values() for v in b.api_key_env}
                    | {v for p in catalog.providers.values() for v in p.api_key_env})
    present = [v for v in others if v not in ours and os.environ.get(v)]
    if present:
        needed = " or ".join(key.variables)
        yield Issue(ctx.path, "api-key-of-another-provider",
                    f"this endpoint belongs to `{key.owner}`, whose key ({needed}) is not set; "
                    + (f"{present[0]} belongs to another provider and is" if len(present) == 1
                       else f"{', '.join(present)} belong to other providers and are") + " never sent here",
                    hint=f"set {key.variables[0]}, or write `api_key: ${{{key.variables[0]}}}`",
                    severity=WARNING, at_key=True)


def _plain_http_off_loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    loopback = host in ("localhost", "::1") or host.startswith("127.") or host.endswith(".localhost")
    return parts.scheme.lower() == "http" and bool(host) and not loopback and "${" not in host


def mock_rule(ctx: BackendContext) -> Iterator[Issue]:
    """``mock: true`` needs a backend whose requests are HTTP: the mock server speaks the providers' wire protocols."""
    if ctx.backend.get("mock") is True and ctx.definition.protocol not in HTTP_PROTOCOLS:
        yield Issue((*ctx.path, "mock"), "mock-unsupported",
                    f"`{ctx.name}` runs its own runtime ({ctx.definition.protocol}), not HTTP requests MassGen sends, "
                    "so the local mock server cannot answer it",
                    hint="remove `mock: true` here; mock an HTTP backend (openai, claude, gemini, chatcompletion, ...)",
                    at_key=True)


BACKEND_RULES: tuple[Callable[[BackendContext], Iterator[Issue]], ...] = (
    tool_flag_rule, builtin_with_functions_rule, mcp_support_rule, base_url_rule, model_rule, required_parameter_rule,
    request_path_rule, model_retirement_rule, execution_mode_rule, mcp_server_rule, tool_filter_rule,
    env_reference_rule, literal_api_key_rule, api_key_rule, mock_rule,
)
