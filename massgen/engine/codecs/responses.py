"""Responses: system text as ``instructions``, typed input items, ``function_call_output`` for results."""

from __future__ import annotations

import json
from typing import Any

from ...conversation import Message, ToolSpec

# output-item fields the API fills in but does not accept back as input
_OUTPUT_ONLY = ("status",)


def render(messages: list[Message], tools: list[ToolSpec]) -> dict[str, Any]:
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.role != "system":
            items += _items(message)
    return {"instructions": system or None, "input": items, "tools": [tool(t) for t in tools]}


def tool(spec: ToolSpec) -> dict[str, Any]:
    # strict defaults to true on this API, which rejects most MCP schemas: always say which
    return {"type": "function", "name": spec.name, "description": spec.description, "parameters": spec.parameters,
            "strict": spec.strict}


def _items(message: Message) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [{"type": "function_call_output", "call_id": message.tool_call_id, "output": message.content}]
    if message.role == "assistant":
        state = message.provider_state
        if isinstance(state, dict) and state.get("output"):
            return [{k: v for k, v in item.items() if k not in _OUTPUT_ONLY} for item in state["output"]]
        items: list[dict[str, Any]] = [{"role": "assistant", "content": message.content}] if message.content else []
        items += [{"type": "function_call", "call_id": c.id, "name": c.name, "arguments": json.dumps(c.arguments)}
                  for c in message.tool_calls]
        return items
    return [{"role": message.role, "content": message.content}]
