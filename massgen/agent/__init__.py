"""One agent at work: the tool loop and the composable set of tools it may call."""

from ..toolset import Tool, ToolOutcome, Toolset
from .loop import DEFAULT_MAX_ROUNDS, AgentResult, ToolRoundsExceeded, run_agent, stream_turn

__all__ = [
    "DEFAULT_MAX_ROUNDS",
    "AgentResult",
    "Tool",
    "ToolOutcome",
    "ToolRoundsExceeded",
    "Toolset",
    "run_agent",
    "stream_turn",
]
