"""A coordinating agent: its spec, its backend and its own tools, plus the one door to the agent loop.

``run_turns`` runs model turns on a history (mutated in place) with the agent's own tools and the given
workflow tools. Workflow calls go to ``referee`` (``referee(name, arguments) -> (text, is_error)``, with
``referee.done`` ending the loop after that turn's calls); every other call is an ordinary tool call.
Returns True when the model ended a turn with plain text, False when the referee ended the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..backend import Backend
from ..config.spec import AgentSpec
from ..conversation import Message, ToolSpec
from ..errors import StreamError
from ..events import EventSink, Finish


class Referee(Protocol):
    done: bool

    def __call__(self, name: str, arguments: dict[str, Any]) -> tuple[str, bool]: ...


@dataclass
class Participant:
    spec: AgentSpec
    backend: Backend
    toolset: Any = None  # the agent's own tools (massgen.agent toolset); None when it has none
    history: list[Message] = field(default_factory=list)  # earlier turns of a multi-turn chat

    @property
    def id(self) -> str:
        return self.spec.id

    async def run_turns(
        self,
        history: list[Message],
        workflow: list[ToolSpec],
        referee: Referee | None,
        sink: EventSink,
        max_rounds: int,
    ) -> bool:
        return await _drive(self, history, workflow, referee, sink, max_rounds)


async def _drive(
    participant: Participant,
    history: list[Message],
    workflow: list[ToolSpec],
    referee: Referee | None,
    sink: EventSink,
    max_rounds: int,
) -> bool:
    workflow_names = {tool.name for tool in workflow}
    for _ in range(max_rounds):
        finish: Finish | None = None
        async for event in participant.backend.stream(history, workflow):
            if isinstance(event, Finish):
                finish = event
                continue
            event.agent = participant.id
            sink(event)
        if finish is None or finish.message is None:
            raise StreamError("the model turn ended without a finish event")
        message: Message = finish.message
        history.append(message)
        if not message.tool_calls:
            return True
        for call in message.tool_calls:
            if referee is not None and call.name in workflow_names:
                text, is_error = referee(call.name, call.arguments)
            else:
                text, is_error = f"unknown tool {call.name!r}", True
            history.append(Message("tool", text, tool_call_id=call.id, name=call.name, is_error=is_error))
        if referee is not None and referee.done:
            return False
    raise StreamError(f"no answer after {max_rounds} model turns")
