"""OpenAI Responses events (``response.*``): output items, argument deltas, ``response.completed``."""

from __future__ import annotations

from typing import Any

from ...errors import StreamError
from ...events import BuiltinTool, Event, ReasoningDelta, TextDelta, ToolCall
from .base import (
    SHAPE_ERRORS,
    arguments_or_none,
    ended_early,
    final_events,
    load,
    malformed,
    parse_arguments,
    protocol_facts,
    settle,
    stream_error,
)

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
    """Deltas as they come; a function call is emitted when its ``output_item.done`` arrives. Refusal deltas
    are text too, and make the finish reason ``refusal`` (as a chat refusal does).

    The finished output items are kept as ``provider_state``: reasoning items (ids, encrypted content) must
    be replayed with the function calls they preceded.
    """

    def __init__(self, facts: dict[str, Any] | None = None) -> None:
        self.outcomes: dict[str, str] = protocol_facts(PROTOCOL, facts)["finish_reasons"]
        self.text: list[str] = []
        self.calls: list[ToolCall] = []
        self.items: list[dict[str, Any]] = []
        # function calls cut off or with bad arguments, with where they stood among the items and calls: see _complete
        self.unfinished: list[tuple[int, int, dict[str, Any]]] = []
        self.refused = False
        self.terminal: list[Event] | None = None

    def feed(self, name: str | None, data: bytes) -> list[Event]:
        event = load(data, PROTOCOL)
        try:
            kind = event.get("type") or name
            if kind in TEXT_DELTAS:
                self.text.append(event["delta"])
                return [TextDelta(event["delta"])]
            if kind in REASONING_DELTAS:
                return [ReasoningDelta(event["delta"])]
            if kind == "response.output_item.done":
                return self._item_done(event["item"])
            if kind == "response.refusal.delta":  # the answer to show, as a chat refusal is
                self.refused = True
                self.text.append(event["delta"])
                return [TextDelta(event["delta"])]
            if kind in ("response.completed", "response.incomplete"):
                return self._complete(event["response"])
            if kind == "response.failed":
                raise stream_error(PROTOCOL, (event.get("response") or {}).get("error") or "response failed")
            if kind == "error" or name == "error":
                raise stream_error(PROTOCOL, event.get("error") or {k: v for k, v in event.items() if k != "type"})
            return []
        except SHAPE_ERRORS as exc:
            raise malformed(PROTOCOL, event.get("type") or name, exc, data) from None

    def _item_done(self, item: dict[str, Any]) -> list[Event]:
        kind = item.get("type")
        if kind == "function_call":
            return self._function_call(item)
        self.items.append(item)
        if kind in BUILTIN_ITEMS:
            tool, fields = BUILTIN_ITEMS[kind]
            return [BuiltinTool(tool, {"id": item.get("id"), **{f: item[f] for f in fields if f in item}})]
        return []

    def _function_call(self, item: dict[str, Any]) -> list[Event]:
        call_id, name = item["call_id"], item["name"]
        arguments = arguments_or_none(item.get("arguments") or "")
        if arguments is None or item.get("status") == "incomplete":
            # cut off by max_output_tokens (dropped at response.incomplete) or broken (an error at completion)
            self.unfinished.append((len(self.items), len(self.calls), item))
            return []
        self.items.append(item)
        call = ToolCall(id=call_id, name=name, arguments=arguments)
        self.calls.append(call)
        return [call]

    def _complete(self, response: dict[str, Any]) -> list[Event]:
        usage = response.get("usage")
        counts = (usage.get("input_tokens") or 0, usage.get("output_tokens") or 0) if usage else None
        broken: list[Event] = []
        if response.get("status") == "incomplete":
            # the output was cut short: unfinished function calls are dropped (from the replayed items too),
            # the text stays and the finish reason says why
            raw = (response.get("incomplete_details") or {}).get("reason") or "incomplete"
            while self.unfinished and self.items and self.items[-1].get("type") == "reasoning":
                # the reasoning that led to a dropped call: replayed alone, the API rejects it (a reasoning
                # item must come with the item that followed it)
                self.items.pop()
        else:
            broken = self._broken_calls()
            raw = response.get("status")
        reason = "refusal" if self.refused else settle(PROTOCOL, self.outcomes, raw, any(self.text), self.calls)
        self.terminal = final_events(counts, reason, raw, self.text, self.calls, {"output": self.items, "id": response.get("id")})
        return [*broken, *self.terminal]

    def _broken_calls(self) -> list[Event]:
        """In a completed response nothing cut the unfinished calls short: their arguments are broken. They go on,
        in their places, marked with the error, so the model gets it back as the tool's answer."""
        events: list[Event] = []
        for item_at, call_at, item in reversed(self.unfinished):
            if item.get("status") == "incomplete":
                raise StreamError(f"{PROTOCOL}: tool call {item['name']!r} is marked incomplete in a completed response")
            arguments, error = parse_arguments(item["name"], item.get("arguments") or "")
            call = ToolCall(id=item["call_id"], name=item["name"], arguments=arguments, error=error)
            self.items.insert(item_at, item)
            self.calls.insert(call_at, call)
            events.insert(0, call)
        return events

    def finish(self) -> list[Event]:
        if self.terminal is None:
            raise ended_early(PROTOCOL, "response.completed")
        return []
