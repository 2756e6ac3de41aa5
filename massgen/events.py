"""The one event model every backend, the agent loop and the orchestrator speak.

``to_json`` gives the ``massgen run --output jsonl`` contract of DESIGN.md; ``agent`` is filled in by
whoever knows which agent produced the event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Event:
    agent: str | None = field(default=None, kw_only=True)

    type = "event"

    def payload(self) -> dict[str, Any]:
        return {}

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "agent": self.agent, **self.payload()}


@dataclass(slots=True)
class TextDelta(Event):
    text: str
    type = "text"

    def payload(self) -> dict[str, Any]:
        return {"text": self.text}


@dataclass(slots=True)
class ReasoningDelta(Event):
    text: str
    type = "reasoning"

    def payload(self) -> dict[str, Any]:
        return {"text": self.text}


@dataclass(slots=True)
class ToolCall(Event):
    """A function call the model asked for, assembled from its stream fragments. ``error`` says why it cannot
    be run as given (arguments that are not a JSON object); the tool then answers with that error."""

    id: str
    name: str
    arguments: dict[str, Any]
    error: str | None = None
    type = "tool_call"

    def payload(self) -> dict[str, Any]:
        data = {"id": self.id, "name": self.name, "arguments": self.arguments}
        return {**data, "error": self.error} if self.error else data


@dataclass(slots=True)
class ToolResult(Event):
    id: str
    name: str
    content: str
    is_error: bool = False
    type = "tool_result"

    def payload(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "content": self.content, "is_error": self.is_error}


@dataclass(slots=True)
class BuiltinTool(Event):
    """Provider-side tool activity (web search, code execution): ``tool`` plus what the provider reported."""

    tool: str
    data: dict[str, Any] = field(default_factory=dict)
    type = "builtin_tool"

    def payload(self) -> dict[str, Any]:
        return {"tool": self.tool, **self.data}


@dataclass(slots=True)
class Usage(Event):
    input_tokens: int
    output_tokens: int
    type = "usage"

    def payload(self) -> dict[str, Any]:
        return {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens}


@dataclass(slots=True)
class Finish(Event):
    """End of one model turn; ``reason`` is normalised: stop, tool_calls, length, refusal, other.

    ``message`` is the assistant ``conversation.Message`` to append to the history before the next turn
    (text, tool calls and any provider state that must be replayed). It is not part of the JSON contract.
    """

    reason: str
    raw_reason: str | None = None
    message: Any = None
    type = "finish"

    def payload(self) -> dict[str, Any]:
        return {"reason": self.reason}


@dataclass(slots=True)
class Answer(Event):
    content: str
    type = "answer"

    def payload(self) -> dict[str, Any]:
        return {"content": self.content}


@dataclass(slots=True)
class Vote(Event):
    for_agent: str
    reason: str
    type = "vote"

    def payload(self) -> dict[str, Any]:
        return {"for": self.for_agent, "reason": self.reason}


@dataclass(slots=True)
class Notice(Event):
    """A coordination step worth showing (a vote ignored, an agent dropped, a timeout, the winner).

    ``kind`` is a stable word a display can switch on; ``message`` is for people.
    """

    kind: str
    message: str
    type = "notice"

    def payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message}


@dataclass(slots=True)
class Retry(Event):
    """The agent's answer broke off after some of it was handed on (the connection dropped, the stream ended
    before its protocol's end marker, or the provider finished without a usable answer) and the same request
    is being sent again: discard what this agent produced since its current model turn began. ``attempt``
    is the number of the attempt now starting (2 for the first retry); ``reason`` says what went wrong."""

    attempt: int
    reason: str
    type = "retry"

    def payload(self) -> dict[str, Any]:
        return {"attempt": self.attempt, "reason": self.reason}


@dataclass(slots=True)
class Error(Event):
    message: str
    retryable: bool = False
    type = "error"

    def payload(self) -> dict[str, Any]:
        return {"message": self.message, "retryable": self.retryable}


@dataclass(slots=True)
class Final(Event):
    content: str
    type = "final"

    def payload(self) -> dict[str, Any]:
        return {"content": self.content}


# Whoever produces events hands them to a sink: the JSON-lines printer, the terminal display, a session log.
EventSink = Callable[[Event], None]
