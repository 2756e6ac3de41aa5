"""The neutral conversation every protocol adapter renders into its own wire form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .events import ToolCall

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(slots=True)
class ToolSpec:
    """A function tool offered to the model: a name, a description and a JSON Schema for its input.

    ``origin`` is (MCP server, the server's own tool name) for an MCP tool, so errors can name both;
    ``strict`` asks OpenAI's strict mode for it (set when the tool is rendered for a protocol that uses it).
    """

    name: str
    description: str
    parameters: dict[str, Any]
    origin: tuple[str, str] | None = None
    strict: bool = False


@dataclass(slots=True)
class Message:
    """One turn of the conversation.

    - ``assistant`` turns may carry ``tool_calls``; ``provider_state`` holds what a protocol must replay
      verbatim on the next request (Anthropic thinking blocks, Gemini thought signatures, Responses
      reasoning items). Only the adapter that wrote it reads it.
    - ``tool`` turns answer one call: ``tool_call_id``, ``name``, ``content`` and ``is_error``.
    """

    role: Role
    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    is_error: bool = False
    provider_state: Any = None
