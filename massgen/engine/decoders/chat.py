"""OpenAI Chat Completions chunks (and OpenAI-compatible servers: vLLM, SGLang, Groq, OpenRouter, DeepSeek ...).

Tool calls are assembled from fragments the way servers in the wild send them, not only as OpenAI does:

- a fragment continues the call at its ``index``, unless it carries an ``id`` other than that call's (a new
  call reusing the index) or starts afresh (a ``name``) after that call's arguments already form a whole object;
- a fragment with no ``index`` (or ``null``) continues the call with its ``id``, else the latest call, unless it
  starts afresh as above;
- ``id``, ``type`` and ``name`` may come once or on every fragment; a call without any ``id`` (vLLM) gets one
  of ours, unique, so the tool results sent back can name it;
- ``arguments`` are text cut anywhere (inside an escape: they are joined before parsing) or a JSON object
  (MiniMax, Ollama).
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from ...events import BuiltinTool, Event, ReasoningDelta, TextDelta, ToolCall
from .base import (
    SHAPE_ERRORS,
    arguments_or_none,
    decode_json,
    ended_early,
    final_events,
    load,
    malformed,
    parse_arguments,
    protocol_facts,
    settle,
    stream_error,
)

PROTOCOL = "openai_chat"
# finish reasons that cut the output short: a tool call whose arguments did not finish is dropped, not an error
CUT_SHORT = ("length", "content_filter")
# delta fields carrying reasoning text, in the order read when a server sends the same text under both
REASONING_FIELDS = ("reasoning_content", "reasoning")
_PLAIN = frozenset({"role", "content", "refusal"})


class _Slot:
    """One tool call being assembled."""

    __slots__ = ("id", "name", "parts", "value")

    def __init__(self, call_id: str) -> None:
        self.id = call_id
        self.name = ""
        self.parts: list[str] = []
        self.value: dict[str, Any] | None = None  # arguments sent as a JSON object

    def complete(self) -> bool:
        text = "".join(self.parts)
        return self.value is not None or (bool(text.strip()) and arguments_or_none(text) is not None)


class ChatDecoder:
    """Text and reasoning deltas as they come; tool calls assembled as described above, emitted at the finish.

    The reasoning of the turn (per delta field, and OpenRouter's ``reasoning_details`` merged by ``index``) is
    its ``provider_state``; the codec sends it back as the request facts' ``reasoning_replay`` says.
    """

    def __init__(self, facts: dict[str, Any] | None = None) -> None:
        self.outcomes: dict[str, str] = protocol_facts(PROTOCOL, facts)["finish_reasons"]
        self.text: list[str] = []
        self.reasoning: dict[str, list[str]] = {}
        self.details: dict[int, dict[str, Any]] = {}
        self.slots: list[_Slot] = []
        self.slot_at: dict[int, _Slot] = {}  # the call each stream index currently points at
        self.usage: tuple[int, int] | None = None
        self.raw_reason: str | None = None
        self.done = False
        self.refused = False

    def feed(self, name: str | None, data: bytes) -> list[Event]:
        if data == b"[DONE]":
            self.done = True
            return []
        try:  # the common case inline (this runs once per chunk); ``load`` explains anything else
            chunk = decode_json(data)
        except (msgspec.DecodeError, UnicodeDecodeError):
            chunk = None
        if type(chunk) is not dict:
            chunk = load(data, PROTOCOL)
        try:
            if "error" in chunk or name == "error" or chunk.get("object") == "error":
                raise stream_error(PROTOCOL, chunk.get("error") or chunk)
            usage = chunk.get("usage")
            if usage is None and "x_groq" in chunk:  # Groq reports usage under x_groq only
                usage = chunk["x_groq"].get("usage")
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
            # a refusal is the model's answer to show (its finish reason says so), not something to drop
            content = delta.get("content") or delta.get("refusal")
            if content:
                self.text.append(content)
                events: list[Event] = [TextDelta(content)]
                if "refusal" in delta and delta["refusal"]:
                    self.refused = True
            else:
                events = []
            if not _PLAIN.issuperset(delta):  # reasoning, tool calls ...: not on the common text-only path
                events += self._rest(delta)
            if choice.get("finish_reason"):
                self.raw_reason = choice["finish_reason"]
            return events
        except SHAPE_ERRORS as exc:
            raise malformed(PROTOCOL, name or "chunk", exc, data) from None

    def _rest(self, delta: dict[str, Any]) -> list[Event]:
        events: list[Event] = []
        for field in REASONING_FIELDS:  # servers in transition send the same text under both names: keep one
            reasoning = delta.get(field)
            if reasoning:
                self.reasoning.setdefault(field, []).append(reasoning)
                events.append(ReasoningDelta(reasoning))
                break
        for detail in delta.get("reasoning_details") or ():
            self._add_detail(detail)
        for fragment in delta.get("tool_calls") or ():
            self._add_fragment(fragment)
        for tool in delta.get("executed_tools") or ():  # Groq's server-side tools
            events.append(BuiltinTool(tool.get("type") or "builtin", {k: v for k, v in tool.items() if k != "type"}))
        return events

    def _add_detail(self, detail: dict[str, Any]) -> None:
        """OpenRouter's ``reasoning_details``: pieces of one entry share an ``index``; texts join, the rest is set."""
        entry = self.details.setdefault(detail.get("index", len(self.details)), {})
        for key, value in detail.items():
            if key in ("text", "summary", "data") and isinstance(value, str) and isinstance(entry.get(key), str):
                entry[key] += value
            elif value is not None:
                entry[key] = value

    def _add_fragment(self, fragment: dict[str, Any]) -> None:
        index = fragment.get("index")
        call_id = fragment.get("id") or ""
        function = fragment.get("function") or {}
        name = function.get("name") or ""
        slot = self.slot_at.get(index) if index is not None else self._slot_without_index(call_id)
        if slot is None or (call_id and slot.id and call_id != slot.id) or (
                name and slot.name and not (call_id and call_id == slot.id) and slot.complete()):
            slot = _Slot(call_id)
            self.slots.append(slot)
        if index is not None:
            self.slot_at[index] = slot
        slot.id = slot.id or call_id
        slot.name = slot.name or name
        arguments = function.get("arguments")
        if isinstance(arguments, dict):
            slot.value = arguments
        elif arguments:
            slot.parts.append(arguments)

    def _slot_without_index(self, call_id: str) -> _Slot | None:
        if call_id:
            return next((s for s in self.slots if s.id == call_id), None)
        return self.slots[-1] if self.slots else None

    def finish(self) -> list[Event]:
        # the finish_reason chunk closes the answer (some compatible servers never send [DONE]); without
        # either, the stream was cut
        if not self.done and self.raw_reason is None:
            raise ended_early(PROTOCOL, "its finish_reason and [DONE]")
        try:
            calls = self._calls()
            reason = settle(PROTOCOL, self.outcomes, self.raw_reason, bool(self.text), calls)
            if self.refused:
                reason = "refusal"
            events: list[Event] = list(calls)
            events += final_events(self.usage, reason, self.raw_reason, self.text, calls, self._state())
        except SHAPE_ERRORS as exc:
            raise malformed(PROTOCOL, "chunk", exc) from None
        return events

    def _state(self) -> dict[str, Any] | None:
        """The turn's reasoning, to replay: ``{"reasoning": {field: text}, "reasoning_details": [...]}``."""
        state: dict[str, Any] = {}
        if self.reasoning:
            state["reasoning"] = {field: "".join(parts) for field, parts in self.reasoning.items()}
        if self.details:
            state["reasoning_details"] = [self.details[i] for i in sorted(self.details)]
        return state or None

    def _calls(self) -> list[ToolCall]:
        """The assembled calls, in the order they began. When the length limit cut the answer short, a call
        whose arguments are not a whole JSON object was cut too: it is dropped (the text stays, the finish
        reason says ``length``), as the Anthropic decoder drops a block ``max_tokens`` cut off."""
        calls = []
        cut_short = self.raw_reason in CUT_SHORT
        for slot in self.slots:
            if slot.value is not None and not slot.parts:
                arguments, error = slot.value, None
            else:
                text = "".join(slot.parts)
                arguments, error = parse_arguments(slot.name, text)
                if cut_short and (error or not text.strip()):
                    continue
            calls.append(ToolCall(id=slot.id or f"call_{uuid.uuid4().hex[:24]}", name=slot.name, arguments=arguments,
                                  error=error))
        return calls
