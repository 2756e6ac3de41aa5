"""Chat Completions: role messages, ``tool_calls`` on assistant turns, ``tool`` messages for results."""

from __future__ import annotations

import json
from typing import Any

from ...conversation import Message, ToolSpec


def render(messages: list[Message], tools: list[ToolSpec]) -> dict[str, Any]:
    return {"messages": [_message(m) for m in messages], "tools": [tool(t) for t in tools]}


def tool(spec: ToolSpec) -> dict[str, Any]:
    function = {"name": spec.name, "description": spec.description, "parameters": spec.parameters}
    return {"type": "function", "function": {**function, "strict": True} if spec.strict else function}


def _message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
                for c in message.tool_calls
            ],
        }
    return {"role": message.role, "content": message.content}
