"""Function tools for Claude Code: an in-process MCP server whose calls wait for the agent loop.

The ``Backend`` contract says a backend never executes function tools: it reports the calls and the
agent loop (or the orchestrator, for ``new_answer`` / ``vote``) answers them on the next ``stream``. The
Claude Code CLI, though, runs its own tool loop and blocks on each MCP call. So each handler here parks
on a future; the backend ends its turn with the calls, and the results given to the next ``stream`` call
resolve the futures, letting the CLI carry on where it stopped.

A handler receives only the arguments, not the ``tool_use`` id, so it is paired with the call the model
made by name and arguments (first unclaimed match), in the order the model made them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ...conversation import ToolSpec
from .options import FUNCTION_SERVER

ENDED = "The conversation ended before this tool call was answered."


@dataclass
class _Call:
    id: str
    name: str
    arguments: dict[str, Any]
    claimed: bool = False


@dataclass
class _Waiter:
    name: str
    arguments: dict[str, Any]
    future: asyncio.Future[tuple[str, bool]]
    call_id: str | None = None


@dataclass
class FunctionBridge:
    tools: list[ToolSpec]
    timeout: float
    _calls: list[_Call] = field(default_factory=list)
    _waiters: list[_Waiter] = field(default_factory=list)
    _results: dict[str, tuple[str, bool]] = field(default_factory=dict)

    def server_config(self, sdk: ModuleType) -> dict[str, Any]:
        """The SDK's in-process MCP server offering every function tool.

        ``alwaysLoad`` keeps the tools in every request: the CLI otherwise defers MCP tools behind its
        ToolSearch tool, and a model that must vote should not have to search for ``vote`` first.
        """
        handlers = [sdk.tool(spec.name, spec.description, _object_schema(spec.parameters))(self._handler(spec.name)) for spec in self.tools]
        return {**sdk.create_sdk_mcp_server(FUNCTION_SERVER, tools=handlers), "alwaysLoad": True}

    def announce(self, call_id: str, name: str, arguments: dict[str, Any]) -> None:
        """The model asked for a function call (seen in the CLI's message stream)."""
        self._calls.append(_Call(call_id, name, arguments))
        self._pair()

    def open_calls(self) -> set[str]:
        """Calls announced but not yet answered by the agent loop."""
        return {call.id for call in self._calls if call.id not in self._results}

    def deliver(self, results: dict[str, tuple[str, bool]]) -> None:
        """The agent loop's answers, by call id: (content, is_error)."""
        self._results.update(results)
        self._pair()

    def close(self) -> None:
        """Release every parked handler so the CLI is never left waiting."""
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.set_result((ENDED, True))

    def _handler(self, name: str) -> Any:
        async def handle(arguments: dict[str, Any]) -> dict[str, Any]:
            waiter = _Waiter(name, arguments, asyncio.get_running_loop().create_future())
            self._waiters.append(waiter)
            self._pair()
            try:
                content, is_error = await asyncio.wait_for(waiter.future, self.timeout)
            except asyncio.TimeoutError:
                content, is_error = f"No result for {name!r} within {self.timeout:g} s.", True
            return {"content": [{"type": "text", "text": content}], "is_error": is_error}

        return handle

    def _pair(self) -> None:
        for waiter in self._waiters:
            if waiter.call_id is None:
                call = self._match(waiter)
                if call is not None:
                    call.claimed = True
                    waiter.call_id = call.id
            if waiter.call_id in self._results and not waiter.future.done():
                waiter.future.set_result(self._results[waiter.call_id])

    def _match(self, waiter: _Waiter) -> _Call | None:
        candidates = [call for call in self._calls if not call.claimed and call.name == waiter.name]
        exact = [call for call in candidates if call.arguments == waiter.arguments]
        return (exact or candidates or [None])[0]


def _object_schema(parameters: dict[str, Any]) -> dict[str, Any]:
    # The SDK passes a schema through only when it has "type" and "properties"; anything else it reads
    # as a {name: python type} shorthand.
    return {"type": "object", "properties": {}, **parameters}
