"""What a test tells the protocol server to answer: neutral model turns, raw replies and faults.

A ``Turn`` is protocol-neutral; the server renders it in the wire form of whichever endpoint the request
reached (streamed when the request asked for a stream). A ``Reply`` is an exact HTTP answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["reset", "stall", "truncate", "malformed", "error_event"]
Finish = Literal["stop", "tool_calls", "length", "refusal"]


@dataclass
class Call:
    """A function call the scripted model makes; ``id`` is generated when omitted."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass
class Fault:
    """Break the stream after ``after`` events (SSE events of the rendered stream, 0 = before any).

    - ``reset``: TCP reset (RST) of the connection;
    - ``stall``: send nothing more but keep the connection open (for read-timeout tests);
    - ``truncate``: end the HTTP body cleanly, without the protocol's terminal event;
    - ``malformed``: send one event whose data is not JSON, then end the body;
    - ``error_event``: send the protocol's in-stream error event (HTTP status stays 200), then end.
    """

    kind: FaultKind
    after: int = 1
    message: str = "scripted fault"


@dataclass
class Turn:
    """One scripted model turn.

    ``text`` / ``reasoning`` given as a string are split into word-sized deltas; a list gives the deltas
    exactly. ``finish`` defaults to ``tool_calls`` when there are calls, else ``stop``. ``usage`` is
    (input_tokens, output_tokens). ``reasoning_field`` picks the chat-completions delta field
    (``reasoning_content`` as DeepSeek/vLLM send it, or ``reasoning`` as Groq/OpenRouter do).
    """

    text: str | list[str] = ""
    reasoning: str | list[str] = ""
    tool_calls: list[Call] = field(default_factory=list)
    usage: tuple[int, int] = (10, 5)
    finish: Finish | None = None
    fault: Fault | None = None
    reasoning_field: str = "reasoning_content"
    delay: float = 0.0  # seconds between events: lets a test watch events arrive one by one

    @property
    def text_deltas(self) -> list[str]:
        return split_deltas(self.text)

    @property
    def reasoning_deltas(self) -> list[str]:
        return split_deltas(self.reasoning)

    @property
    def full_text(self) -> str:
        return "".join(self.text_deltas)

    @property
    def full_reasoning(self) -> str:
        return "".join(self.reasoning_deltas)

    @property
    def finish_reason(self) -> Finish:
        return self.finish or ("tool_calls" if self.tool_calls else "stop")


@dataclass
class Reply:
    """An exact HTTP answer: status, headers and a body (bytes, str, or JSON-serialisable data).

    ``Reply.error`` builds the JSON error body in the shape of the protocol the request came in on.
    """

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    error_message: str | None = None  # set by Reply.error: body rendered per protocol at answer time

    @classmethod
    def error(cls, status: int, message: str = "scripted error", headers: dict[str, str] | None = None) -> Reply:
        return cls(status=status, headers=dict(headers or {}), error_message=message)

    @classmethod
    def sse(cls, body: bytes, headers: dict[str, str] | None = None) -> Reply:
        """A ready-made event-stream body sent as is (e.g. a recorded fixture)."""
        return cls(status=200, body=body, headers={"content-type": "text/event-stream", **(headers or {})})

    def body_bytes(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


_DELTA = re.compile(r"\s*\S+\s*|\s+")


def split_deltas(value: str | list[str]) -> list[str]:
    if isinstance(value, list):
        return value
    return _DELTA.findall(value)


def split_json(arguments: dict[str, Any], pieces: int = 3) -> list[str]:
    """A call's arguments as JSON text cut into fragments, as providers stream them."""
    text = json.dumps(arguments)
    step = max(1, -(-len(text) // pieces))
    return [text[i : i + step] for i in range(0, len(text), step)] or [""]
