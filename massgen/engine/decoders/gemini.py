"""Gemini GenerateContentResponse chunks: whole parts (text, thoughts, function calls, code), finishReason."""

from __future__ import annotations

from typing import Any

from ...errors import BadRequestError
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

PROTOCOL = "gemini"


class GeminiDecoder:
    """Every chunk is a whole response; the model's parts (with thought signatures) are the
    ``provider_state`` replayed next turn."""

    def __init__(self, facts: dict[str, Any] | None = None) -> None:
        self.outcomes: dict[str, str] = protocol_facts(PROTOCOL, facts)["finish_reasons"]
        self.finish_message: str | None = None
        self.text: list[str] = []
        self.parts: list[dict[str, Any]] = []
        self.calls: list[ToolCall] = []
        self.usage: tuple[int, int] | None = None
        self.raw_reason: str | None = None
        self.blocked: dict[str, Any] | None = None  # promptFeedback of a prompt refused before any candidate

    def feed(self, name: str | None, data: bytes) -> list[Event]:
        chunk = load(data, PROTOCOL)
        try:
            if "error" in chunk:
                raise stream_error(PROTOCOL, chunk["error"])
            usage = chunk.get("usageMetadata")
            if usage:
                self.usage = (usage.get("promptTokenCount") or 0, usage.get("candidatesTokenCount") or 0)
            candidates = chunk.get("candidates")
            if not candidates:
                feedback = chunk.get("promptFeedback")
                if feedback and feedback.get("blockReason"):
                    self.blocked = feedback
                return []
            candidate = candidates[0]
            events: list[Event] = []
            for part in (candidate.get("content") or {}).get("parts") or ():
                events += self._part(part)
            grounding = candidate.get("groundingMetadata")
            if grounding and (grounding.get("webSearchQueries") or grounding.get("groundingChunks")):
                sources = [c.get("web", c) for c in grounding.get("groundingChunks") or ()]
                events.append(BuiltinTool("web_search", {"queries": grounding.get("webSearchQueries", []), "sources": sources}))
            if candidate.get("finishReason"):
                self.raw_reason = candidate["finishReason"]
                self.finish_message = candidate.get("finishMessage") or self.finish_message
            return events
        except SHAPE_ERRORS as exc:
            raise malformed(PROTOCOL, name or "chunk", exc, data) from None

    def _part(self, part: dict[str, Any]) -> list[Event]:
        self.parts.append(part)
        if "functionCall" in part:
            call = part["functionCall"]
            args, error = call.get("args") or {}, None
            if isinstance(args, str):
                args, error = parse_arguments(call["name"], args)
            tool_call = ToolCall(id=call.get("id") or f"gemini-call-{len(self.calls)}", name=call["name"],
                                 arguments=args, error=error)
            self.calls.append(tool_call)
            return [tool_call]
        if "executableCode" in part:
            code = part["executableCode"]
            return [BuiltinTool("code_execution", {"language": code.get("language"), "code": code.get("code")})]
        if "toolCall" in part or "toolResponse" in part:  # a built-in tool run beside function tools (Gemini 3)
            step = part.get("toolCall") or part["toolResponse"]
            tool = str(step.get("toolType") or "builtin").lower()
            return [BuiltinTool(tool, {k: v for k, v in step.items() if k != "toolType"})]
        if "codeExecutionResult" in part:
            result = part["codeExecutionResult"]
            return [BuiltinTool("code_execution", {"outcome": result.get("outcome"), "output": result.get("output")})]
        text = part.get("text")
        if not text:
            return []
        if part.get("thought"):
            return [ReasoningDelta(text)]
        self.text.append(text)
        return [TextDelta(text)]

    def finish(self) -> list[Event]:
        if self.raw_reason is None:
            if self.blocked is not None:
                raise self._blocked_error(self.blocked)
            raise ended_early(PROTOCOL, "a candidate's finishReason")
        try:
            reason = settle(PROTOCOL, self.outcomes, self.raw_reason, any(self.text), self.calls, self.finish_message)
            return final_events(self.usage, reason, self.raw_reason, self.text, self.calls, {"parts": self.parts})
        except SHAPE_ERRORS as exc:
            raise malformed(PROTOCOL, "chunk", exc) from None

    @staticmethod
    def _blocked_error(feedback: dict[str, Any]) -> BadRequestError:
        """Gemini refused the prompt itself (``promptFeedback.blockReason``, what the google-genai SDK shows
        as ``prompt_feedback.block_reason``): no candidate, no answer. Sending it again gets the same."""
        why = f"{feedback['blockReason']}"
        if feedback.get("blockReasonMessage"):
            why += f": {feedback['blockReasonMessage']}"
        return BadRequestError(f"{PROTOCOL}: the prompt was blocked ({why}), so the model gave no answer; "
                               "rephrase the prompt to get one")
