"""The agent loop: stream a model turn, run the tools it asked for, send the results back, repeat.

Events of each turn go to the sink as they arrive (the backend's ``tool_call`` events included); the
loop adds one ``tool_result`` per executed call. It ends when the model answers without calling a tool,
when a tool ends the turn (the orchestrator's ``vote``), or with ``ToolRoundsExceeded``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..conversation import Message
from ..errors import MassGenError, StreamError, redact
from ..events import EventSink, Finish, TextDelta, ToolCall, ToolResult
from ..toolset import Toolset

if TYPE_CHECKING:
    from ..backend import Backend

DEFAULT_MAX_ROUNDS = 25


class ToolRoundsExceeded(MassGenError):
    def __init__(self, max_rounds: int) -> None:
        super().__init__(
            f"the agent was still calling tools after {max_rounds} rounds (max_tool_rounds); "
            "it stopped without an answer"
        )
        self.max_rounds = max_rounds


@dataclass(slots=True)
class AgentResult:
    """``answer`` is the last assistant text; ``messages`` the whole history including this run's turns.

    ``ended_by`` is the tool call whose outcome ended the turn, if one did; ``rounds`` counts the rounds of
    tool calls that were executed.
    """

    answer: str
    messages: list[Message]
    ended_by: ToolCall | None = None
    rounds: int = 0


async def stream_turn(
    backend: Backend, messages: list[Message], toolset: Toolset, sink: EventSink, agent: str | None
) -> Message:
    """One model turn: forward its events and return the assistant message to append."""
    finish: Finish | None = None
    text: list[str] = []
    async for event in backend.stream(messages, toolset.specs()):
        if isinstance(event, Finish):
            finish = event
            continue
        if isinstance(event, TextDelta):
            text.append(event.text)
        event.agent = agent
        sink(event)
    if finish is None:
        raise StreamError("the model's turn ended without a finish event")
    return finish.message if finish.message is not None else Message("assistant", "".join(text))


async def run_agent(
    backend: Backend,
    messages: list[Message],
    toolset: Toolset,
    sink: EventSink,
    *,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    agent: str | None = None,
) -> AgentResult:
    """Run one agent until it answers. ``messages`` is not modified; the result carries the new history."""
    history = list(messages)
    result = AgentResult(answer="", messages=history)
    secrets = backend.spec.secrets
    while True:
        reply = await stream_turn(backend, history, toolset, sink, agent)
        history.append(reply)
        result.answer = reply.content
        if not reply.tool_calls:
            return result
        if result.rounds >= max_rounds:
            raise ToolRoundsExceeded(max_rounds)
        result.rounds += 1
        outcomes = await toolset.run_all(reply.tool_calls)
        for call, outcome in zip(reply.tool_calls, outcomes, strict=True):
            # a tool may quote a credential (an MCP server's failing URL, an env value): never to the model
            content = redact(outcome.content, secrets) if secrets else outcome.content
            sink(ToolResult(call.id, call.name, content, outcome.is_error, agent=agent))
            history.append(Message("tool", content, tool_call_id=call.id, name=call.name, is_error=outcome.is_error))
        ends = [call for call, outcome in zip(reply.tool_calls, outcomes, strict=True) if outcome.ends_turn]
        ended = ends[0] if ends else None
        if ended is not None:
            result.ended_by = ended
            return result
