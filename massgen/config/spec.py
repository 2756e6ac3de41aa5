"""What the compiler hands to the runtime: validated, resolved agent and run specifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..catalog import Catalog


@dataclass(slots=True)
class AgentSpec:
    """One agent, resolved against the catalog.

    ``backend_type`` is the catalog backend (``chatcompletion`` for a preset such as ``cerebras``);
    ``provider`` names the preset when there is one. ``api_key`` is the config's own value after ``${VAR}``
    expansion; when it is None the runtime reads the first set variable of ``api_key_env``.
    ``params`` holds the provider parameters the user set (temperature, reasoning, ...), exactly as
    validated; ``backend`` holds the whole backend mapping for the runtimes that need more.
    ``catalog`` is the one the agent was resolved against (extra ``--catalog`` folders included), so the
    runtime reads the same facts the compiler checked; None means the default catalog.
    """

    id: str
    backend_type: str
    protocol: str
    model: str | None
    provider: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    api_key_env: list[str] = field(default_factory=list)
    system_message: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tool_flags: dict[str, bool] = field(default_factory=dict)
    mcp_servers: list[dict[str, Any]] = field(default_factory=list)
    allowed_tools: list[str] | None = None
    disallowed_tools: list[str] = field(default_factory=list)
    exclude_tools: list[str] = field(default_factory=list)
    cwd: str | None = None
    voting_sensitivity: str | None = None  # the agent's own (agent or backend level), over the orchestrator's
    backend: dict[str, Any] = field(default_factory=dict, repr=False)
    catalog: Catalog | None = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class RunSpec:
    """A whole validated config: its agents plus the orchestrator, timeout and UI settings."""

    agents: list[AgentSpec]
    orchestrator: dict[str, Any] = field(default_factory=dict)
    timeout_settings: dict[str, Any] = field(default_factory=dict)
    ui: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
