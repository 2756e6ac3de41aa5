"""Chat Completions: role messages, ``tool_calls`` on assistant turns, ``tool`` messages for results."""

from __future__ import annotations

import json
from typing import Any

from ...conversation import Message, ToolSpec


def render(messages: list[Message], tools: list[ToolSpec], facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """``facts["reasoning_replay"]`` maps each reasoning field the decoder kept to the name it is sent back
    under on its assistant message (``null``: never sent)."""
    replay = (facts or {}).get("reasoning_replay") or {}
    return {"messages": [_message(m, replay) for m in messages], "tools": [tool(t) for t in tools]}


def tool(spec: ToolSpec) -> dict[str, Any]:
    function = {"name": spec.name, "description": spec.description, "parameters": spec.parameters}
    return {"type": "function", "function": {**function, "strict": True} if spec.strict else function}


def _message(message: Message, replay: dict[str, str | None]) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role != "assistant":
        return {"role": message.role, "content": message.content}
    rendered: dict[str, Any] = {"role": "assistant", "content": message.content}
    if message.tool_calls:
        rendered["content"] = message.content or None
        rendered["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
            for c in message.tool_calls
        ]
    state = message.provider_state
    if isinstance(state, dict):
        kept = {**(state.get("reasoning") or {}), "reasoning_details": state.get("reasoning_details")}
        for field, value in kept.items():
            if value and replay.get(field):
                rendered.setdefault(replay[field], value)  # one name per turn, even when two fields map to it
    return rendered
