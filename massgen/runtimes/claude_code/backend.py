"""The Claude Code backend: the real ``claude`` CLI, driven by the Claude Agent SDK.

One ``stream`` call is one turn of the Backend contract. The CLI runs its native tools (Read, Write,
Edit, Bash, Grep, Glob, TodoWrite, ...) itself; they stream as ``tool_call`` / ``tool_result`` events.
Function tools given to ``stream`` (e.g. the workflow tools ``new_answer`` and ``vote``) are offered
through an in-process MCP server: when the model calls them the turn ends with ``Finish("tool_calls")``
and the CLI waits until the next ``stream`` call brings their results (see ``bridge``).

A session lives across turns while the conversation grows by appending: the results of its pending
calls, or new user messages after a finished answer. Any other conversation starts a fresh session,
with the earlier turns rendered into the prompt.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

from ...config.mcp_servers import parse_servers
from ...config.plan import AgentPlan
from ...conversation import Message, ToolSpec
from ...errors import AuthenticationError, BackendError, status_error
from ...events import Event, Finish, ReasoningDelta, TextDelta, ToolCall, ToolResult, Usage
from .._support import silence_timeout, transcript_prompt
from .bridge import FunctionBridge
from .options import FUNCTION_PREFIX, FUNCTION_SERVER, build_options
from .session import ClaudeSession

# Longest silence accepted from the CLI, and longest wait for the agent loop to answer a function call,
# unless the config's timeout.read says otherwise.
DEFAULT_TIMEOUT = 600.0

_NEVER_RETRIED = (400, 401, 403, 404, 422)
_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "tool_use": "tool_calls", "max_tokens": "length", "refusal": "refusal"}


class ClaudeCodeBackend:
    RUNS_MCP_SERVERS = True  # the CLI starts the config's MCP servers (options.build_options hands them over)

    def __init__(self, spec: AgentPlan, sdk: ModuleType) -> None:
        self.spec = spec
        self._sdk = sdk
        self._timeout = silence_timeout(spec, DEFAULT_TIMEOUT)
        self._session: ClaudeSession | None = None
        self._bridge = FunctionBridge([], self._timeout)
        self._history: list[Message] = []
        self._mid_turn = False  # a turn was left before its Finish (the caller stopped reading)

    async def stream(self, messages: list[Message], tools: list[ToolSpec]) -> AsyncIterator[Event]:
        await self._prepare(messages, tools)
        self._history = list(messages)
        turn = _Turn(self._bridge, self._login_hint())
        self._mid_turn = True
        try:
            while True:
                message = await self._session.next_message()  # type: ignore[union-attr]
                for event in turn.read(message):
                    if isinstance(event, Finish):
                        self._history.append(event.message)
                        self._mid_turn = False
                    yield event
                    if isinstance(event, Finish):
                        return
        except BackendError:
            await self._end_session()  # the next stream call starts afresh
            raise

    async def aclose(self) -> None:
        await self._end_session()

    def _login_hint(self) -> str:
        names = " or ".join(self.spec.api_key.variables)
        return f"set {names} or api_key in the config, or log in once with `claude login`" if names else "log in with `claude login`"

    async def _prepare(self, messages: list[Message], tools: list[ToolSpec]) -> None:
        """Continue the live session when ``messages`` extends it with the same tools, else start afresh."""
        tools = self._offered(tools)
        added = self._appended(messages) if [t.name for t in tools] == [t.name for t in self._bridge.tools] else []
        open_calls = self._bridge.open_calls()
        if added and open_calls and all(m.role == "tool" for m in added) and {m.tool_call_id for m in added} == open_calls:
            self._bridge.deliver({m.tool_call_id: (m.content, m.is_error) for m in added if m.tool_call_id})
        elif added and not open_calls and all(m.role == "user" for m in added):
            self._session.send("\n\n".join(m.content for m in added))  # type: ignore[union-attr]
        else:
            await self._start(messages, tools)

    def _appended(self, messages: list[Message]) -> list[Message]:
        known = len(self._history)
        if self._session is None or not self._session.alive or self._mid_turn or len(messages) <= known or messages[:known] != self._history:
            return []
        return messages[known:]

    async def _start(self, messages: list[Message], tools: list[ToolSpec]) -> None:
        await self._end_session()
        if self.spec.cwd:
            Path(self.spec.cwd).mkdir(parents=True, exist_ok=True)  # MassGen creates the agent's workspace
        system = [m.content for m in messages if m.role == "system" and m.content]
        options = build_options(self.spec, system)
        self._bridge = FunctionBridge(tools, self._timeout)
        if tools:
            options["mcp_servers"][FUNCTION_SERVER] = self._bridge.server_config(self._sdk)
        secrets = self.spec.secrets
        self._session = ClaudeSession(self._sdk, options, transcript_prompt(messages), self._timeout, secrets)

    def _offered(self, tools: list[ToolSpec]) -> list[ToolSpec]:
        """The function tools to bridge. The CLI runs the config's MCP servers itself (native tool events,
        its own filters); the agent loop may offer the same servers' tools too, which would duplicate them."""
        native = tuple(f"mcp__{server.name}__" for server in parse_servers(self.spec.mcp_servers))
        return [tool for tool in tools if not tool.name.startswith(native)]

    async def _end_session(self) -> None:
        self._bridge.close()
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Turn:
    """Maps the SDK's messages of one turn to events; top-level only (sub-agents run inside a tool)."""

    def __init__(self, bridge: FunctionBridge, login_hint: str) -> None:
        self._bridge = bridge
        self._login_hint = login_hint
        self._error: str | None = None  # the CLI's error kind for a failed request, e.g. authentication_failed
        self._text: list[str] = []
        self._calls: list[ToolCall] = []
        self._native: dict[str, str] = {}
        self._input_tokens = 0
        self._output_tokens = 0
        self._stop_reason: str | None = None

    def read(self, message: Any) -> list[Event]:
        if getattr(message, "parent_tool_use_id", None):
            return []
        kind = type(message).__name__
        if kind == "StreamEvent":
            return self._stream_event(message.event)
        if kind == "AssistantMessage":
            self._error = message.error or self._error
            return self._assistant(message.content)
        if kind == "UserMessage" and isinstance(message.content, list):
            return self._tool_results(message.content)
        if kind == "ResultMessage":
            return [self._result(message)]
        if kind == "SystemMessage" and message.subtype == "api_retry":
            _fail_fast(message.data)
        return []

    def _stream_event(self, event: dict[str, Any]) -> list[Event]:
        kind = event.get("type")
        if kind == "content_block_delta":
            delta = event.get("delta", {})
            if delta.get("type") == "text_delta":
                return [TextDelta(delta.get("text", ""))]
            if delta.get("type") == "thinking_delta":
                return [ReasoningDelta(delta.get("thinking", ""))]
        elif kind == "message_start":
            usage = event.get("message", {}).get("usage", {})
            self._input_tokens = sum(usage.get(k) or 0 for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
        elif kind == "message_delta":
            self._stop_reason = event.get("delta", {}).get("stop_reason") or self._stop_reason
            self._output_tokens = event.get("usage", {}).get("output_tokens") or self._output_tokens
        elif kind == "message_stop":
            events: list[Event] = [Usage(self._input_tokens, self._output_tokens)]
            if self._calls:  # the model called function tools: the agent loop answers them
                reply = Message("assistant", "".join(self._text), tool_calls=list(self._calls))
                events.append(Finish("tool_calls", raw_reason=self._stop_reason, message=reply))
            self._text.clear()
            return events
        return []

    def _assistant(self, blocks: list[Any]) -> list[Event]:
        events: list[Event] = []
        for block in blocks:
            kind = type(block).__name__
            if kind == "TextBlock":
                self._text.append(block.text)
            elif kind == "ToolUseBlock" and block.name.startswith(FUNCTION_PREFIX):
                call = ToolCall(block.id, block.name[len(FUNCTION_PREFIX):], dict(block.input))
                self._calls.append(call)
                self._bridge.announce(call.id, call.name, call.arguments)
                events.append(call)
            elif kind == "ToolUseBlock":
                self._native[block.id] = block.name
                events.append(ToolCall(block.id, block.name, dict(block.input)))
        return events

    def _tool_results(self, blocks: list[Any]) -> list[Event]:
        return [
            ToolResult(block.tool_use_id, self._native[block.tool_use_id], _text_of(block.content), bool(block.is_error))
            for block in blocks
            if type(block).__name__ == "ToolResultBlock" and block.tool_use_id in self._native
        ]

    def _result(self, result: Any) -> Finish:
        if result.subtype == "error_max_turns":
            return Finish("length", raw_reason=result.subtype, message=Message("assistant", result.result or ""))
        if result.is_error and self._error == "authentication_failed":
            raise AuthenticationError(f"Claude Code could not authenticate ({result.result}): {self._login_hint}", provider="claude_code")
        if result.is_error:
            raise _result_error(result)
        reason = _STOP_REASONS.get(result.stop_reason or "end_turn", "other")
        return Finish(reason, raw_reason=result.stop_reason, message=Message("assistant", result.result or ""))


def _fail_fast(retry: dict[str, Any]) -> None:
    """The CLI retries every failed request; a rejected key or a bad request cannot get better."""
    status = retry.get("error_status")
    if status in _NEVER_RETRIED:
        raise status_error(f"the Anthropic API refused the request: {retry.get('error', 'error')}", status, provider="claude_code")


def _result_error(result: Any) -> BackendError:
    detail = "; ".join(result.errors or []) or result.result or result.subtype
    return status_error(f"Claude Code run failed ({result.subtype}): {detail}", result.api_error_status, provider="claude_code")


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        return "".join(item.get("text", "") for item in content if isinstance(item, dict))
    return content or ""
