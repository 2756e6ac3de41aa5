"""OpenAI Responses events (``response.*``): output items, argument deltas, ``response.completed``."""

from __future__ import annotations

from typing import Any

from ...events import BuiltinTool, Event, ReasoningDelta, TextDelta, ToolCall
from .base import ended_early, final_events, load, parse_arguments, stream_error

PROTOCOL = "openai_responses"
TEXT_DELTAS = {"response.output_text.delta"}
REASONING_DELTAS = {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
# built-in tool items: item type -> the tool name our events report, and the item fields worth reporting
BUILTIN_ITEMS = {
    "web_search_call": ("web_search", ("status", "action")),
    "code_interpreter_call": ("code_interpreter", ("status", "code", "outputs", "container_id")),
    "file_search_call": ("file_search", ("status", "queries", "results")),
    "image_generation_call": ("image_generation", ("status",)),
    "mcp_call": ("mcp", ("name", "server_label", "arguments", "output", "error")),
}


class ResponsesDecoder:
    """Deltas as they come; a function call is emitted when its ``output_item.done`` arrives.

    The finished output items are kept as ``provider_state``: reasoning items (ids, encrypted content) must
    be replayed with the function calls they preceded.
    """

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: list[ToolCall] = []
        self.items: list[dict[str, Any]] = []
        self.terminal: list[Event] | None = None

    def feed(self, name: str | None, data: bytes) -> list[Event]:
        event = load(data, PROTOCOL)
        kind = event.get("type") or name
        if kind in TEXT_DELTAS:
            self.text.append(event["delta"])
            return [TextDelta(event["delta"])]
        if kind in REASONING_DELTAS:
            return [ReasoningDelta(event["delta"])]
        if kind == "response.output_item.done":
            return self._item_done(event["item"])
        if kind in ("response.completed", "response.incomplete"):
            return self._complete(event["response"])
        if kind == "response.failed":
            error = (event.get("response") or {}).get("error") or {}
            raise stream_error(PROTOCOL, error.get("message", "response failed"), None, error.get("code"))
        if kind == "error" or name == "error":
            raise stream_error(PROTOCOL, event.get("message", str(event)), None, event.get("code"))
        return []

    def _item_done(self, item: dict[str, Any]) -> list[Event]:
        self.items.append(item)
        kind = item.get("type")
        if kind == "function_call":
            call = ToolCall(id=item["call_id"], name=item["name"],
                            arguments=parse_arguments(PROTOCOL, item["name"], item.get("arguments", "")))
            self.calls.append(call)
            return [call]
        if kind in BUILTIN_ITEMS:
            tool, fields = BUILTIN_ITEMS[kind]
            return [BuiltinTool(tool, {"id": item.get("id"), **{f: item[f] for f in fields if f in item}})]
        return []

    def _complete(self, response: dict[str, Any]) -> list[Event]:
        usage = response.get("usage")
        counts = (usage.get("input_tokens") or 0, usage.get("output_tokens") or 0) if usage else None
        if response.get("status") == "incomplete":
            raw = (response.get("incomplete_details") or {}).get("reason") or "incomplete"
            reason = "length" if raw == "max_output_tokens" else "refusal" if raw == "content_filter" else "other"
        else:
            raw = response.get("status")
            reason = "tool_calls" if self.calls else "stop"
        self.terminal = final_events(counts, reason, raw, self.text, self.calls, {"output": self.items, "id": response.get("id")})
        return self.terminal

    def finish(self) -> list[Event]:
        if self.terminal is None:
            raise ended_early(PROTOCOL, "response.completed")
        return []
