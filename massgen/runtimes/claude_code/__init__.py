"""Claude Code as a MassGen backend (protocol ``claude_code``); needs ``pip install 'massgen[claude-code]'``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._support import import_extra

if TYPE_CHECKING:
    from ...config.spec import AgentSpec
    from .backend import ClaudeCodeBackend


def create(spec: AgentSpec) -> ClaudeCodeBackend:
    """Raises ``ConfigError`` for what the linter reports too (a missing ``cwd``), before the SDK is imported."""
    from ...catalog import load_catalog
    from ...errors import ConfigError

    definition = (spec.catalog or load_catalog()).backends[spec.backend_type]
    for _, message, hint in definition.missing_parameters({**spec.backend, "cwd": spec.cwd}):
        raise ConfigError(f"agent {spec.id!r}: {message}; {hint}")
    sdk = import_extra("claude_agent_sdk", package="claude-agent-sdk", backend=spec.backend_type, extra="claude-code")
    from .backend import ClaudeCodeBackend

    return ClaudeCodeBackend(spec, sdk)
