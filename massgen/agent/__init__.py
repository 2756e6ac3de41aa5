"""One agent at work: the tool loop and the composable set of tools it may call."""

from .loop import DEFAULT_MAX_ROUNDS, AgentResult, ToolRoundsExceeded, run_agent, stream_turn
from .toolset import Tool, ToolOutcome, Toolset

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
