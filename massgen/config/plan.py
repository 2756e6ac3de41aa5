"""The resolved plan: every fact about an agent, decided once by the compiler (``massgen explain`` prints it).

The engine, the Claude Code and AG2 runtimes, the transcript and the displays read only the plan; none of
them reads the raw config, the catalog or the environment again. Secret values (the API key, credentials in
MCP entries and URLs) are ``Secret`` objects, gathered in ``secrets`` so that every output can redact them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..secret import Secret
from .routing import APIKey


@dataclass(frozen=True, slots=True)
class AgentPlan:
    """One agent, resolved against the catalog and the environment.

    - ``backend_type`` is the catalog backend (``chatcompletion`` for a preset such as ``cerebras``);
      ``provider`` names the preset when there is one; ``protocol`` is the backend's wire protocol.
    - ``base_url`` is final (config, ``azure_endpoint``-like parameter, env, preset or catalog default; no
      trailing slash); ``base_url_source`` says which (``config``, ``config:azure_endpoint``, ``env:VAR``,
      ``preset:NAME``, ``catalog``, ``none``). None when nothing gives one.
    - ``api_key``: the key and where it comes from (``massgen.config.routing``).
    - ``params``: the provider parameters the user set (temperature, reasoning, ...), exactly as validated.
    - ``request``: the catalog's request facts for this backend and preset (``request:`` blocks, layered);
      ``settings_env``: settings the config leaves out, read from the environment (Azure's api_version);
      ``parameter_defaults``: the schema defaults of the backend's parameters.
    - ``backend``: the whole backend mapping after ``${VAR}`` expansion, for runtime settings.
    - ``secrets``: every secret value of this agent (key, MCP env/headers/args credentials, URL credentials).
    - ``local_server``: the catalog's ``local_server`` block, ``probe`` resolved to the servers tried on
      loopback when ``base_url`` is None (``massgen.config.routing.local_server``); empty for remote providers.
    """

    id: str
    backend_type: str
    protocol: str
    model: str | None
    provider: str | None = None
    base_url: str | None = None
    base_url_source: str = "none"
    base_url_env: str | None = None  # the variable consulted for it, if the backend has one
    api_key: APIKey = field(default_factory=lambda: APIKey("none"))
    system_message: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    request: dict[str, Any] = field(default_factory=dict, repr=False)
    settings_env: dict[str, str] = field(default_factory=dict)
    parameter_defaults: dict[str, Any] = field(default_factory=dict, repr=False)
    tool_flags: dict[str, bool] = field(default_factory=dict)
    mcp_servers: list[dict[str, Any]] = field(default_factory=list, repr=False)
    allowed_tools: list[str] | None = None
    disallowed_tools: list[str] = field(default_factory=list)
    exclude_tools: list[str] = field(default_factory=list)
    cwd: str | None = None
    voting_sensitivity: str | None = None  # the agent's own (agent or backend level), over the orchestrator's
    native_tools: tuple[str, ...] = ()  # the catalog's native_tools: tools the backend's runtime runs itself
    mcp_tools: bool = True  # False where the catalog's mcp capability is none: no MCP-based tool is offered
    backend: dict[str, Any] = field(default_factory=dict, repr=False)
    secrets: tuple[Secret, ...] = field(default=(), repr=False)
    local_server: dict[str, Any] = field(default_factory=dict, repr=False)

    def setting(self, name: str, fallback: Any = None) -> Any:
        """A runtime setting: the config's value, else the catalog's schema default, else ``fallback``."""
        if name in self.backend:
            return self.backend[name]
        default = self.parameter_defaults.get(name)
        return fallback if default is None else default


@dataclass(frozen=True, slots=True)
class RunPlan:
    """A whole validated config: its agents plus the orchestrator, timeout, UI and rate-limit settings
    (``rate_limits``: MassGen's provider -> model -> ``{rpm, tpm, rpd}`` form, read by ``massgen batch``)."""

    agents: list[AgentPlan]
    orchestrator: dict[str, Any] = field(default_factory=dict)
    timeout_settings: dict[str, Any] = field(default_factory=dict)
    ui: dict[str, Any] = field(default_factory=dict)
    rate_limits: dict[str, Any] = field(default_factory=dict)
    source: str | None = None

    @property
    def secrets(self) -> tuple[Secret, ...]:
        """Every secret of every agent."""
        return tuple(dict.fromkeys(s for agent in self.agents for s in agent.secrets))
