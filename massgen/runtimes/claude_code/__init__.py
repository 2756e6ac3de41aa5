"""Claude Code as a MassGen backend (protocol ``claude_code``); needs ``pip install 'massgen[claude-code]'``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._support import import_extra

if TYPE_CHECKING:
    from ...config.plan import AgentPlan
    from .backend import ClaudeCodeBackend


def create(spec: AgentPlan) -> ClaudeCodeBackend:
    sdk = import_extra("claude_agent_sdk", package="claude-agent-sdk", backend=spec.backend_type, extra="claude-code")
    from .backend import ClaudeCodeBackend

    return ClaudeCodeBackend(spec, sdk)
