"""OpenAI Chat Completions (and the OpenAI-compatible servers): chunks, [DONE], error bodies."""

from __future__ import annotations

import json
from typing import Any

from .request import Request
from .script import Turn, split_json
from .wire import data_event, named_event, new_id, now

FINISH = {"stop": "stop", "tool_calls": "tool_calls", "length": "length", "refusal": "content_filter"}
MALFORMED = b'data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"oops"\n\n'


def _chunk(base: dict[str, Any], delta: dict[str, Any], finish: str | None = None, usage: bool = False) -> dict:
    chunk = {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
    if usage:
        chunk["usage"] = None
    return chunk


def _usage(turn: Turn) -> dict[str, int]:
    prompt, completion = turn.usage
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def stream_events(turn: Turn, request: Request) -> list[bytes]:
    include_usage = bool(((request.body or {}).get("stream_options") or {}).get("include_usage"))
    base = {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion.chunk",
        "created": now(),
        "model": request.model,
        "system_fingerprint": "fp_scripted",
    }
    events = [_chunk(base, {"role": "assistant", "content": "", "refusal": None}, usage=include_usage)]
    events += [_chunk(base, {turn.reasoning_field: d}, usage=include_usage) for d in turn.reasoning_deltas]
    events += [_chunk(base, {"content": d}, usage=include_usage) for d in turn.text_deltas]
    for index, call in enumerate(turn.tool_calls):
        head = {"index": index, "id": call.id or new_id("call_"), "type": "function",
                "function": {"name": call.name, "arguments": ""}}
        events.append(_chunk(base, {"tool_calls": [head]}, usage=include_usage))
        events += [
            _chunk(base, {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}, usage=include_usage)
            for piece in split_json(call.arguments)
        ]
    events.append(_chunk(base, {}, FINISH[turn.finish_reason], usage=include_usage))
    if include_usage:
        events.append({**base, "choices": [], "usage": _usage(turn)})
    return [data_event(e) for e in events] + [b"data: [DONE]\n\n"]


def complete(turn: Turn, request: Request) -> dict[str, Any]:
    calls = [
        {"id": c.id or new_id("call_"), "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
        for c in turn.tool_calls
    ]
    message: dict[str, Any] = {"role": "assistant", "content": turn.full_text or None, "refusal": None}
    if turn.reasoning_deltas:
        message[turn.reasoning_field] = turn.full_reasoning
    if calls:
        message["tool_calls"] = calls
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": now(),
        "model": request.model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": FINISH[turn.finish_reason]}],
        "usage": _usage(turn),
    }


ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_api_key", 403: "permission_denied",
               404: "not_found_error", 429: "rate_limit_exceeded", 500: "server_error"}


def error_body(status: int, message: str) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def error_event(message: str) -> bytes:
    """Mid-stream error as OpenAI-compatible servers (Groq, vLLM) send it on a 200 stream."""
    return named_event("error", error_body(500, message))
