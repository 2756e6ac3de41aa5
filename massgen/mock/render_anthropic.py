"""Anthropic Messages: message_start, content blocks with deltas, ping, message_delta, message_stop."""

from __future__ import annotations

import json
from typing import Any

from .request import Request
from .script import Turn, split_json
from .wire import named_event, new_id

FINISH = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens", "refusal": "refusal"}
MALFORMED = b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\n\n"


def _message(turn: Turn, request: Request, content: list, stop_reason: str | None, output_tokens: int) -> dict:
    return {
        "id": new_id("msg_"), "type": "message", "role": "assistant", "model": request.model, "content": content,
        "stop_reason": stop_reason, "stop_sequence": None,
        "usage": {"input_tokens": turn.usage[0], "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                  "output_tokens": output_tokens, "service_tier": "standard"},
    }


def _blocks(turn: Turn) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if turn.reasoning_deltas:
        blocks.append({"type": "thinking", "thinking": turn.full_reasoning, "signature": new_id("sig-")})
    if turn.text_deltas:
        blocks.append({"type": "text", "text": turn.full_text})
    blocks += [{"type": "tool_use", "id": c.id or new_id("toolu_"), "name": c.name, "input": c.arguments}
               for c in turn.tool_calls]
    return blocks


def stream_events(turn: Turn, request: Request) -> list[bytes]:
    events = [named_event("message_start", {"type": "message_start", "message": _message(turn, request, [], None, 1)})]
    for index, block in enumerate(_blocks(turn)):
        kind = block["type"]
        start = {"thinking": {"type": "thinking", "thinking": "", "signature": ""}, "text": {"type": "text", "text": ""},
                 "tool_use": {**block, "input": {}}}[kind]
        events.append(named_event("content_block_start", {"type": "content_block_start", "index": index, "content_block": start}))
        if index == 0:
            events.append(named_event("ping", {"type": "ping"}))
        if kind == "thinking":
            deltas = [{"type": "thinking_delta", "thinking": d} for d in turn.reasoning_deltas]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        elif kind == "text":
            deltas = [{"type": "text_delta", "text": d} for d in turn.text_deltas]
        else:
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in ["", *split_json(block["input"])]]
        events += [named_event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
        events.append(named_event("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(named_event("message_delta", {
        "type": "message_delta", "delta": {"stop_reason": FINISH[turn.finish_reason], "stop_sequence": None},
        "usage": {"output_tokens": turn.usage[1]}}))
    events.append(named_event("message_stop", {"type": "message_stop"}))
    return events


def complete(turn: Turn, request: Request) -> dict[str, Any]:
    return _message(turn, request, _blocks(turn), FINISH[turn.finish_reason], turn.usage[1])


def count_tokens(request: Request) -> dict[str, Any]:
    """A rough count (4 characters a token), enough for clients that budget their context."""
    return {"input_tokens": max(1, len(json.dumps(request.body or {})) // 4)}


ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 529: "overloaded_error"}


def error_body(status: int, message: str) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


def error_event(message: str) -> bytes:
    return named_event("error", {"type": "error", "error": {"type": "overloaded_error", "message": message}})
