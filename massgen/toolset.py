"""The tools one agent may call, from any source: MCP servers, local Python tools, workflow tools.

A ``Tool`` is a spec plus an async handler. A ``Toolset`` is an ordered, composable collection of them;
the orchestrator adds its ``new_answer``/``vote`` tools next to the MCP ones with ``add``.
A handler never brings the agent down: whatever it raises becomes a tool error the model sees, and a
result longer than ``MAX_RESULT_CHARS`` is cut (with a note saying so) before it can overflow the
model's context.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .conversation import ToolSpec
from .events import ToolCall


@dataclass(slots=True)
class ToolOutcome:
    """What a tool answered. ``ends_turn`` lets a workflow tool (``vote``) end the agent's turn."""

    content: str
    is_error: bool = False
    ends_turn: bool = False


Handler = Callable[[dict[str, Any]], Awaitable[ToolOutcome]]
MAX_RESULT_CHARS = 100_000  # about 25k tokens, the size Claude Code allows an MCP result by default


@dataclass(slots=True)
class Tool:
    spec: ToolSpec
    handler: Handler

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class Toolset:
    """Tools offered to the model, plus names that were filtered out or whose server is down.

    ``refused`` maps a tool name, or a name prefix ending in ``__`` (a whole MCP server), to the reason a
    call to it is refused.
    """

    tools: dict[str, Tool] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    def add(self, *tools: Tool) -> Toolset:
        for tool in tools:
            if tool.name in self.tools:
                raise ValueError(f"two tools are named {tool.name!r}")
            self.tools[tool.name] = tool
        return self

    def refuse(self, name: str, reason: str) -> None:
        self.refused[name] = reason

    def merged(self, *others: Toolset) -> Toolset:
        """A new toolset holding this one's tools and then the others'."""
        combined = Toolset(refused=dict(self.refused))
        combined.add(*self.tools.values())
        for other in others:
            combined.add(*other.tools.values())
            combined.refused.update(other.refused)
        return combined

    def specs(self) -> list[ToolSpec]:
        return [tool.spec for tool in self.tools.values()]

    async def run(self, call: ToolCall) -> ToolOutcome:
        if call.error:
            return ToolOutcome(f"not run: {call.error}. Call the tool again with one JSON object of arguments.",
                               is_error=True)
        tool = self.tools.get(call.name)
        if tool is None:
            reason = self._refusal(call.name)
            if reason:
                return ToolOutcome(f"tool {call.name!r} cannot be called: {reason}", is_error=True)
            available = ", ".join(self.tools) or "none"
            return ToolOutcome(f"there is no tool named {call.name!r} (available: {available})", is_error=True)
        try:
            return _capped(await tool.handler(call.arguments))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken tool is the model's problem to route around, not a crash
            return ToolOutcome(f"tool {call.name!r} failed: {exc}", is_error=True)

    def _refusal(self, name: str) -> str | None:
        if name in self.refused:
            return self.refused[name]
        return next((why for key, why in self.refused.items() if key.endswith("__") and name.startswith(key)), None)

    async def run_all(self, calls: Iterable[ToolCall]) -> list[ToolOutcome]:
        """Run one turn's calls concurrently; results come back in the calls' order."""
        return list(await asyncio.gather(*(self.run(call) for call in calls)))


def _capped(outcome: ToolOutcome) -> ToolOutcome:
    extra = len(outcome.content) - MAX_RESULT_CHARS
    if extra > 0:
        outcome.content = (f"{outcome.content[:MAX_RESULT_CHARS]}\n[... {extra:,} more characters cut: the result was "
                           f"longer than the {MAX_RESULT_CHARS:,} characters a tool may return]")
    return outcome
