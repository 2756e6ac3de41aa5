"""The tools one agent may call, from any source: MCP servers, local Python tools, workflow tools.

A ``Tool`` is a spec plus an async handler. A ``Toolset`` is an ordered, composable collection of them;
the orchestrator adds its ``new_answer``/``vote`` tools next to the MCP ones with ``add``.
A handler never brings the agent down: whatever it raises becomes a tool error the model sees, a tool
with a ``timeout`` that takes longer is abandoned with a tool error, and a result longer than
``MAX_RESULT_CHARS`` is cut (with a note saying so) before it can overflow the model's context. The calls
of one turn run as the toolset's ``ToolLimits`` allow: so many at a time, so many at all.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .conversation import ToolSpec
from .events import ToolCall

if TYPE_CHECKING:
    from .config.plan import AgentPlan


@dataclass(frozen=True, slots=True)
class ToolLimits:
    """``concurrency``: how many calls of one model turn run at the same time (1: one after the other);
    ``per_turn``: how many calls of one turn run at all. A toolset without limits runs its calls one after
    the other, all of them."""

    concurrency: int = 1
    per_turn: int = sys.maxsize

    @classmethod
    def for_plan(cls, plan: AgentPlan) -> ToolLimits:
        """From ``concurrent_tool_execution``, ``max_concurrent_tools`` and ``max_tool_calls_per_turn`` (the
        config's, else the catalog's defaults, which are MassGen's)."""
        unbound = cls()  # a backend without these keys (ag2 runs its own tools)
        concurrent = bool(plan.setting("concurrent_tool_execution"))
        return cls(concurrency=int(plan.setting("max_concurrent_tools", 1)) if concurrent else 1,
                   per_turn=int(plan.setting("max_tool_calls_per_turn", unbound.per_turn)))


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
    """``timeout``: seconds one call may take (None: the handler bounds itself, as MCP calls do)."""

    spec: ToolSpec
    handler: Handler
    timeout: float | None = None

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class Toolset:
    """Tools offered to the model, plus names that were filtered out or whose server is down.

    ``refused`` maps a tool name, or a name prefix ending in ``__`` (a whole MCP server), to the reason a
    call to it is refused. ``limits`` bound the calls of one turn (None: no bound).
    """

    tools: dict[str, Tool] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    limits: ToolLimits | None = None

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
        combined = Toolset(refused=dict(self.refused), limits=self.limits)
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
            try:
                outcome = await asyncio.wait_for(tool.handler(call.arguments), tool.timeout)
            except TimeoutError:
                if tool.timeout is None:
                    raise
                return ToolOutcome(f"tool {call.name!r} did not finish within {tool.timeout:g}s and was abandoned",
                                   is_error=True)
            return _capped(outcome)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken tool is the model's problem to route around, not a crash
            return ToolOutcome(f"tool {call.name!r} failed: {exc}", is_error=True)

    def _refusal(self, name: str) -> str | None:
        if name in self.refused:
            return self.refused[name]
        return next((why for key, why in self.refused.items() if key.endswith("__") and name.startswith(key)), None)

    async def run_all(self, calls: Iterable[ToolCall]) -> list[ToolOutcome]:
        """Run one turn's calls, ``limits.concurrency`` at a time; results come back in the calls' order.

        Calls beyond ``limits.per_turn`` are not run: each answers with a tool error saying so.
        """
        limits = self.limits or ToolLimits()
        calls = list(calls)
        gate = asyncio.Semaphore(limits.concurrency)

        async def run(call: ToolCall) -> ToolOutcome:
            async with gate:
                return await self.run(call)

        outcomes = list(await asyncio.gather(*(run(call) for call in calls[:limits.per_turn])))
        skipped = (f"not run: the turn asked for {len(calls)} tool calls and at most {limits.per_turn} run per turn "
                   "(max_tool_calls_per_turn); call again the ones still needed")
        return outcomes + [ToolOutcome(skipped, is_error=True) for _ in calls[limits.per_turn:]]


def _capped(outcome: ToolOutcome) -> ToolOutcome:
    extra = len(outcome.content) - MAX_RESULT_CHARS
    if extra > 0:
        outcome.content = (f"{outcome.content[:MAX_RESULT_CHARS]}\n[... {extra:,} more characters cut: the result was "
                           f"longer than the {MAX_RESULT_CHARS:,} characters a tool may return]")
    return outcome
