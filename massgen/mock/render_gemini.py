"""Gemini generateContent: whole GenerateContentResponse chunks, data-only, CRLF, no terminator."""

from __future__ import annotations

import base64
from typing import Any

from .request import Request
from .script import Turn
from .wire import data_event, new_id

FINISH = {"stop": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS", "refusal": "SAFETY"}
MALFORMED = b'data: {"candidates": [{"content": {"parts": [{"text": \r\n\r\n'
STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
          429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


def _usage(turn: Turn) -> dict[str, int]:
    prompt, completion = turn.usage
    return {"promptTokenCount": prompt, "candidatesTokenCount": completion, "totalTokenCount": prompt + completion}


def _chunk(request: Request, response_id: str, parts: list, turn: Turn, finish: str | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "usageMetadata": _usage(turn), "modelVersion": request.model,
            "responseId": response_id}


def _parts(turn: Turn) -> list[list[dict[str, Any]]]:
    """The parts of each streamed chunk: thoughts, then text, then whole function calls."""
    # thought signatures are opaque base64 bytes on the wire
    signature = base64.b64encode(new_id("sig-").encode()).decode() if turn.reasoning_deltas else None
    chunks = [[{"text": d, "thought": True}] for d in turn.reasoning_deltas]
    chunks += [[{"text": d}] for d in turn.text_deltas]
    calls = [{"functionCall": {"name": c.name, "args": c.arguments}} for c in turn.tool_calls]
    if calls:
        chunks.append(calls)
    if signature and len(chunks) > len(turn.reasoning_deltas):
        chunks[len(turn.reasoning_deltas)][0]["thoughtSignature"] = signature
    return chunks or [[{"text": ""}]]


def stream_events(turn: Turn, request: Request) -> list[bytes]:
    response_id = new_id("")
    chunks = _parts(turn)
    last = len(chunks) - 1
    return [
        data_event(_chunk(request, response_id, parts, turn, FINISH[turn.finish_reason] if i == last else None), "\r\n")
        for i, parts in enumerate(chunks)
    ]


def complete(turn: Turn, request: Request) -> dict[str, Any]:
    merged: list[dict[str, Any]] = []
    for parts in _parts(turn):
        for part in parts:
            if merged and "text" in part and "text" in merged[-1] and part.get("thought") == merged[-1].get("thought"):
                merged[-1] = {**merged[-1], "text": merged[-1]["text"] + part["text"]}
            else:
                merged.append(dict(part))
    return _chunk(request, new_id(""), merged, turn, FINISH[turn.finish_reason])


def count_tokens(request: Request) -> dict[str, Any]:
    import json

    return {"totalTokens": max(1, len(json.dumps(request.body or {})) // 4)}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": STATUS.get(status, "UNKNOWN")}}


def error_event(message: str) -> bytes:
    return data_event(error_body(500, message), "\r\n")
