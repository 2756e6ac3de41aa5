"""Gemini: ``systemInstruction``, ``contents`` of user/model turns with parts, ``functionResponse`` parts."""

from __future__ import annotations

from typing import Any

from ...conversation import Message, ToolSpec
from ._turns import split_turns


def render(messages: list[Message], tools: list[ToolSpec]) -> dict[str, Any]:
    system, contents = split_turns(messages, _turn, "parts")
    declarations = [tool(t) for t in tools]
    return {
        "system_instruction": {"parts": [{"text": system}]} if system else None,
        "contents": contents,
        "tools": [{"functionDeclarations": declarations}] if declarations else [],
    }


def tool(spec: ToolSpec) -> dict[str, Any]:
    # parametersJsonSchema takes JSON Schema (the MCP schema, converted by engine/tools.py to the gemini subset),
    # unlike the OpenAPI-subset `parameters`
    return {"name": spec.name, "description": spec.description, "parametersJsonSchema": spec.parameters}


def _turn(message: Message) -> tuple[str, list[dict[str, Any]]]:
    if message.role == "tool":
        key = "error" if message.is_error else "result"
        response: dict[str, Any] = {"name": message.name, "response": {key: message.content}}
        if message.tool_call_id and not message.tool_call_id.startswith("gemini-call-"):
            response["id"] = message.tool_call_id  # ids the API gave; ours are local only
        return "user", [{"functionResponse": response}]
    if message.role == "assistant":
        state = message.provider_state
        if isinstance(state, dict) and state.get("parts"):
            return "model", list(state["parts"])
        parts: list[dict[str, Any]] = [{"text": message.content}] if message.content else []
        parts += [{"functionCall": {"name": c.name, "args": c.arguments}} for c in message.tool_calls]
        return "model", parts
    return "user", [{"text": message.content}]
