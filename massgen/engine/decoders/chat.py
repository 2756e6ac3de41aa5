"""OpenAI Chat Completions chunks (and OpenAI-compatible servers: vLLM, SGLang, Groq, OpenRouter ...)."""

from __future__ import annotations

from typing import Any

from ...events import BuiltinTool, Event, ReasoningDelta, TextDelta, ToolCall
from .base import (
    SHAPE_ERRORS,
    ended_early,
    error_fields,
    final_events,
    load,
    malformed,
    parse_arguments,
    stream_error,
)

PROTOCOL = "openai_chat"
FINISH = {"stop": "stop", "tool_calls": "tool_calls", "function_call": "tool_calls", "length": "length",
          "content_filter": "refusal"}
# finish reasons that cut the output short: a tool call whose arguments did not finish is dropped, not an error
CUT_SHORT = ("length", "content_filter")


class ChatDecoder:
    """Text and reasoning deltas as they come; tool calls assembled by ``index``, emitted at the finish."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.usage: tuple[int, int] | None = None
        self.raw_reason: str | None = None
        self.done = False
        self.refused = False

    def feed(self, name: str | None, data: bytes) -> list[Event]:
        if data == b"[DONE]":
            self.done = True
            return []
        chunk = load(data, PROTOCOL)
        try:
            if name == "error" or "error" in chunk:
                error = error_fields(chunk.get("error") or chunk)
                raise stream_error(PROTOCOL, str(error.get("message", error)), error.get("status_code"), error.get("code"))
            usage = chunk.get("usage") or (chunk.get("x_groq") or {}).get("usage")
            if usage:
                self.usage = (usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0)
            choices = chunk.get("choices")
            if not choices:
                return []
            choice = choices[0]
            if choice.get("index", 0) != 0:  # with n > 1 a chunk may carry any choice: follow choice 0 only
                choice = next((c for c in choices if c.get("index", 0) == 0), None)
                if choice is None:
                    return []
            delta = choice.get("delta") or {}
            events: list[Event] = []
            # a refusal is the model's answer to show (its finish reason says so), not something to drop
            content = delta.get("content") or delta.get("refusal")
            if content:
                self.text.append(content)
                events.append(TextDelta(content))
                self.refused = self.refused or bool(delta.get("refusal"))
            # servers in transition send the same text under both names: take the first one present
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if reasoning:
                events.append(ReasoningDelta(reasoning))
            if delta.get("tool_calls"):
                for call in delta["tool_calls"]:
                    self._add_fragment(call)
            if delta.get("executed_tools"):  # Groq's server-side tools
                for tool in delta["executed_tools"]:
                    events.append(BuiltinTool(tool.get("type") or "builtin", {k: v for k, v in tool.items() if k != "type"}))
            if choice.get("finish_reason"):
                self.raw_reason = choice["finish_reason"]
            return events
        except SHAPE_ERRORS as exc:
            raise malformed(PROTOCOL, name or "chunk", exc, data) from None

    def _add_fragment(self, fragment: dict[str, Any]) -> None:
        slot = self.calls.setdefault(fragment.get("index", len(self.calls)), {"id": "", "name": "", "arguments": []})
        function = fragment.get("function") or {}
        slot["id"] = fragment.get("id") or slot["id"]
        slot["name"] = function.get("name") or slot["name"]
        if function.get("arguments"):
            slot["arguments"].append(function["arguments"])

    def finish(self) -> list[Event]:
        # the finish_reason chunk closes the answer (some compatible servers never send [DONE]); without
        # either, the stream was cut
        if not self.done and self.raw_reason is None:
            raise ended_early(PROTOCOL, "its finish_reason and [DONE]")
        try:
            calls = self._calls()
            reason = "refusal" if self.refused else FINISH.get(self.raw_reason or "", "other")
            events: list[Event] = list(calls)
            events += final_events(self.usage, reason, self.raw_reason, self.text, calls)
        except SHAPE_ERRORS as exc:
            raise malformed(PROTOCOL, "chunk", exc) from None
        return events

    def _calls(self) -> list[ToolCall]:
        """The assembled calls. When the length limit cut the answer short, a call whose arguments are not a
        whole JSON object was cut too: it is dropped (the text stays, the finish reason says ``length``), as
        the Anthropic decoder drops a block ``max_tokens`` cut off."""
        calls = []
        cut_short = self.raw_reason in CUT_SHORT
        for _, slot in sorted(self.calls.items()):
            text = "".join(slot["arguments"])
            arguments, error = parse_arguments(slot["name"], text)
            if cut_short and (error or not text.strip()):
                continue
            calls.append(ToolCall(id=slot["id"], name=slot["name"], arguments=arguments, error=error))
        return calls
