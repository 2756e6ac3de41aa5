"""OpenAI Responses: named ``response.*`` events, output items, ``response.completed``; no [DONE]."""

from __future__ import annotations

import json
from typing import Any

from .request import Request
from .script import Turn, split_json
from .wire import named_event, new_id, now

MALFORMED = b"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\n\n"


def _usage(turn: Turn) -> dict[str, Any]:
    prompt, completion = turn.usage
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + completion,
    }


def _response(request: Request, response_id: str, status: str, output: list, usage: Any, incomplete: Any = None) -> dict:
    body = request.body or {}
    return {
        "id": response_id, "object": "response", "created_at": now(), "status": status, "error": None,
        "incomplete_details": incomplete, "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"), "model": request.model, "output": output,
        "parallel_tool_calls": True, "previous_response_id": None, "reasoning": {"effort": None, "summary": None},
        "store": body.get("store", True), "temperature": 1.0, "text": {"format": {"type": "text"}},
        "tool_choice": "auto", "tools": body.get("tools", []), "top_p": 1.0, "truncation": "disabled",
        "usage": usage, "user": None, "metadata": {},
    }


class _Events:
    """Collects events, numbering them as the API does (``sequence_number``)."""

    def __init__(self) -> None:
        self.items: list[bytes] = []

    def add(self, kind: str, **fields: Any) -> None:
        self.items.append(named_event(kind, {"type": kind, "sequence_number": len(self.items), **fields}))


def _output_items(turn: Turn) -> list[dict[str, Any]]:
    """The finished output items of a turn: reasoning, message, function calls."""
    items: list[dict[str, Any]] = []
    if turn.reasoning_deltas:
        items.append({"type": "reasoning", "id": new_id("rs_"), "summary": [{"type": "summary_text", "text": turn.full_reasoning}],
                      "encrypted_content": "scripted-encrypted-reasoning"})
    if turn.text_deltas:
        items.append({"type": "message", "id": new_id("msg_"), "status": "completed", "role": "assistant",
                      "content": [{"type": "output_text", "text": turn.full_text, "annotations": [], "logprobs": []}]})
    items += [
        {"type": "function_call", "id": new_id("fc_"), "call_id": c.id or new_id("call_"), "name": c.name,
         "arguments": json.dumps(c.arguments), "status": "completed"}
        for c in turn.tool_calls
    ]
    return items


def stream_events(turn: Turn, request: Request) -> list[bytes]:
    response_id = new_id("resp_")
    out = _Events()
    out.add("response.created", response=_response(request, response_id, "in_progress", [], None))
    out.add("response.in_progress", response=_response(request, response_id, "in_progress", [], None))
    items = _output_items(turn)
    for index, item in enumerate(items):
        common = {"item_id": item["id"], "output_index": index}
        if item["type"] == "reasoning":
            out.add("response.output_item.added", output_index=index, item={**item, "summary": []})
            part = {"type": "summary_text", "text": ""}
            out.add("response.reasoning_summary_part.added", **common, summary_index=0, part=part)
            for delta in turn.reasoning_deltas:
                out.add("response.reasoning_summary_text.delta", **common, summary_index=0, delta=delta)
            out.add("response.reasoning_summary_text.done", **common, summary_index=0, text=turn.full_reasoning)
            out.add("response.reasoning_summary_part.done", **common, summary_index=0, part=item["summary"][0])
        elif item["type"] == "message":
            out.add("response.output_item.added", output_index=index, item={**item, "status": "in_progress", "content": []})
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            out.add("response.content_part.added", **common, content_index=0, part=part)
            for delta in turn.text_deltas:
                out.add("response.output_text.delta", **common, content_index=0, delta=delta, logprobs=[])
            out.add("response.output_text.done", **common, content_index=0, text=turn.full_text, logprobs=[])
            out.add("response.content_part.done", **common, content_index=0, part=item["content"][0])
        else:
            out.add("response.output_item.added", output_index=index, item={**item, "arguments": "", "status": "in_progress"})
            for piece in split_json(json.loads(item["arguments"])):
                out.add("response.function_call_arguments.delta", **common, delta=piece)
            out.add("response.function_call_arguments.done", **common, arguments=item["arguments"])
        out.add("response.output_item.done", output_index=index, item=item)
    if turn.finish_reason == "length":
        final = _response(request, response_id, "incomplete", items, _usage(turn), {"reason": "max_output_tokens"})
        out.add("response.incomplete", response=final)
    else:
        out.add("response.completed", response=_response(request, response_id, "completed", items, _usage(turn)))
    return out.items


def complete(turn: Turn, request: Request) -> dict[str, Any]:
    items = _output_items(turn)
    if turn.finish_reason == "length":
        return _response(request, new_id("resp_"), "incomplete", items, _usage(turn), {"reason": "max_output_tokens"})
    return _response(request, new_id("resp_"), "completed", items, _usage(turn))


def error_body(status: int, message: str) -> dict[str, Any]:
    from .render_chat import error_body as chat_error_body

    return chat_error_body(status, message)  # the Responses API shares the OpenAI error envelope


def error_event(message: str) -> bytes:
    return named_event("error", {"type": "error", "code": "server_error", "message": message, "param": None,
                                 "sequence_number": 0})
