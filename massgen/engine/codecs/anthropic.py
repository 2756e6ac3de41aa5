"""Anthropic Messages: top-level ``system``, content blocks, ``tool_result`` blocks in a user turn."""

from __future__ import annotations

from typing import Any

from ...conversation import Message, ToolSpec
from ._turns import split_turns


def render(messages: list[Message], tools: list[ToolSpec], facts: dict[str, Any] | None = None) -> dict[str, Any]:
    system, turns = split_turns(messages, _turn, "content")
    return {"system": system or None, "messages": turns, "tools": [tool(t) for t in tools]}


def tool(spec: ToolSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description, "input_schema": spec.parameters}


def _turn(message: Message) -> tuple[str, list[dict[str, Any]]]:
    if message.role == "tool":
        block = {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.content}
        if message.is_error:
            block["is_error"] = True
        return "user", [block]
    if message.role == "assistant":
        state = message.provider_state
        if isinstance(state, dict) and state.get("content"):
            return "assistant", list(state["content"])
        blocks: list[dict[str, Any]] = [{"type": "text", "text": message.content}] if message.content else []
        blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in message.tool_calls]
        return "assistant", blocks
    return "user", [{"type": "text", "text": message.content}]
