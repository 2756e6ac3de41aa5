"""Anthropic Messages events: content blocks by index, deltas, ``message_delta`` and ``message_stop``."""

from __future__ import annotations

from typing import Any

from ...events import BuiltinTool, Event, ReasoningDelta, TextDelta, ToolCall
from .base import (
    SHAPE_ERRORS,
    ended_early,
    final_events,
    load,
    malformed,
    parse_arguments,
    protocol_facts,
    settle,
    stream_error,
)

PROTOCOL = "anthropic_messages"
JSON_INPUT_BLOCKS = ("tool_use", "server_tool_use", "mcp_tool_use")


class AnthropicDecoder:
    """Assembles each content block; the finished blocks are the ``provider_state`` replayed next turn
    (thinking blocks with their signatures must go back unchanged)."""

    def __init__(self, facts: dict[str, Any] | None = None) -> None:
        self.outcomes: dict[str, str] = protocol_facts(PROTOCOL, facts)["finish_reasons"]
        self.stop_details: dict[str, Any] | None = None
        self.blocks: dict[int, dict[str, Any]] = {}
        self.partial_json: dict[int, list[str]] = {}
        self.text: list[str] = []
        self.calls: list[ToolCall] = []
        self.input_tokens = 0
        self.output_tokens = 0
        self.raw_reason: str | None = None
        self.stopped = False

    def feed(self, name: str | None, data: bytes) -> list[Event]:
        event = load(data, PROTOCOL)
        try:
            kind = event.get("type") or name
            if kind == "content_block_delta":
                return self._delta(event["index"], event["delta"])
            if kind == "content_block_start":
                self.blocks[event["index"]] = dict(event["content_block"])
                return []
            if kind == "content_block_stop":
                return self._block_done(event["index"])
            if kind == "message_start":
                usage = event["message"].get("usage") or {}
                self.input_tokens = usage.get("input_tokens") or 0
                self.output_tokens = usage.get("output_tokens") or 0
            elif kind == "message_delta":
                delta = event.get("delta") or {}
                self.raw_reason = delta.get("stop_reason") or self.raw_reason
                self.stop_details = delta.get("stop_details") or self.stop_details
                usage = event.get("usage") or {}  # cumulative counts; 0 is a real value
                self.input_tokens = usage["input_tokens"] if usage.get("input_tokens") is not None else self.input_tokens
                self.output_tokens = usage["output_tokens"] if usage.get("output_tokens") is not None else self.output_tokens
            elif kind == "message_stop":
                self.stopped = True
            elif kind == "error":
                raise stream_error(PROTOCOL, event.get("error") or event)
            return []
        except SHAPE_ERRORS as exc:
            raise malformed(PROTOCOL, event.get("type") or name, exc, data) from None

    def _delta(self, index: int, delta: dict[str, Any]) -> list[Event]:
        kind = delta.get("type")
        block = self.blocks.setdefault(index, {"type": "text", "text": ""})
        if kind == "text_delta":
            block["text"] = block.get("text", "") + delta["text"]
            self.text.append(delta["text"])
            return [TextDelta(delta["text"])]
        if kind == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + delta["thinking"]
            return [ReasoningDelta(delta["thinking"])] if delta["thinking"] else []
        if kind == "signature_delta":
            block["signature"] = delta["signature"]
        elif kind == "input_json_delta":
            self.partial_json.setdefault(index, []).append(delta["partial_json"])
        elif kind == "citations_delta":
            block.setdefault("citations", []).append(delta["citation"])
        return []

    def _block_done(self, index: int) -> list[Event]:
        block = self.blocks.get(index, {})
        kind = block.get("type", "")
        error = None
        if kind in JSON_INPUT_BLOCKS and index in self.partial_json:
            block["input"], error = parse_arguments(block.get("name", "?"), "".join(self.partial_json.pop(index)))
        if kind == "tool_use":
            call = ToolCall(id=block["id"], name=block["name"], arguments=block.get("input") or {}, error=error)
            self.calls.append(call)
            return [call]
        if kind == "server_tool_use":
            return [BuiltinTool(block.get("name", kind), {"id": block.get("id"), "input": block.get("input")})]
        if kind == "mcp_tool_use":  # Anthropic's MCP connector: the provider called a remote MCP tool
            return [BuiltinTool("mcp", {"id": block.get("id"), "name": block.get("name"),
                                        "server_name": block.get("server_name"), "input": block.get("input")})]
        if kind.endswith("_tool_result"):
            tool = kind.removesuffix("_tool_result")
            return [BuiltinTool(tool, {"id": block.get("tool_use_id"), "result": block.get("content")})]
        return []

    def finish(self) -> list[Event]:
        if not self.stopped:
            raise ended_early(PROTOCOL, "message_stop")
        try:
            for index in sorted(self.partial_json):  # a block cut off by max_tokens never got its stop
                block = self.blocks[index]
                if block.get("type") == "tool_use" and self.raw_reason != "max_tokens":
                    raise ended_early(PROTOCOL, f"the end of tool call {block.get('name')!r}")
            blocks = [self.blocks[i] for i in sorted(self.blocks) if i not in self.partial_json]
            detail = (self.stop_details or {}).get("explanation")
            reason = settle(PROTOCOL, self.outcomes, self.raw_reason, any(self.text), self.calls, detail)
            return final_events((self.input_tokens, self.output_tokens), reason,
                                self.raw_reason, self.text, self.calls, {"content": blocks})
        except SHAPE_ERRORS as exc:
            raise malformed(PROTOCOL, "message_stop", exc) from None
