"""A coordinating agent: its spec, its backend and its own tools, plus the one door to the agent loop.

``run_turns`` runs the shared agent loop (``massgen.agent.run_agent``) on a history, with the agent's own
tools (unless planning mode withholds them) and any extra (workflow) tools beside them, and replaces the history with the loop's. It returns True
when the model ended with plain text, False when a tool ended the turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..agent import DEFAULT_MAX_ROUNDS, Tool, Toolset, run_agent
from ..backend import Backend
from ..config.plan import AgentPlan
from ..conversation import Message
from ..events import EventSink


@dataclass
class Participant:
    spec: AgentPlan
    backend: Backend
    toolset: Toolset = field(default_factory=Toolset)  # the agent's own tools (MCP, command line, ...)
    history: list[Message] = field(default_factory=list)  # earlier turns of a multi-turn chat

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def max_rounds(self) -> int:
        return int(self.spec.backend.get("max_tool_rounds") or DEFAULT_MAX_ROUNDS)

    async def run_turns(self, history: list[Message], extra: list[Tool], sink: EventSink, *, own_tools: bool = True) -> bool:
        """``own_tools`` False (planning mode's coordination rounds): only ``extra`` is offered."""
        own = self.toolset if own_tools else Toolset()
        tools = own.merged(Toolset().add(*extra)) if extra else own
        result = await run_agent(self.backend, history, tools, sink, max_rounds=self.max_rounds, agent=self.id)
        history[:] = result.messages
        return result.ended_by is None
