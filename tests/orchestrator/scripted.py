"""A scripted in-process Backend for the coordination tests (the seam httpx's MockTransport is for HTTP).

A ``policy(request) -> Reply`` decides each model turn from what the model was sent; the backend renders the
reply as the events a real backend yields and records every request.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from massgen.config.plan import AgentPlan
from massgen.conversation import Message, ToolSpec
from massgen.events import Event, Finish, TextDelta, ToolCall, Usage


@dataclass
class Request:
    messages: list[Message]
    tools: list[ToolSpec]

    @property
    def tool_names(self) -> list[str]:
        return [t.name for t in self.tools]

    @property
    def system(self) -> str:
        return self.messages[0].content if self.messages and self.messages[0].role == "system" else ""

    def shown(self) -> dict[str, str]:
        """The answers shown in the first user message, by anonymous id."""
        user = next(m.content for m in self.messages if m.role == "user")
        return dict(re.findall(r"<(agent\d+)> (.*?) <end of \1>", user, flags=re.S))

    @property
    def last(self) -> Message:
        return self.messages[-1]


@dataclass
class Reply:
    text: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    delay: float = 0.0
    error: Exception | None = None


def answer(content: str, **kw: Any) -> Reply:
    return Reply(calls=[("new_answer", {"content": content})], **kw)


def vote(anon: str, reason: str = "best", **kw: Any) -> Reply:
    return Reply(calls=[("vote", {"agent_id": anon, "reason": reason})], **kw)


class ScriptedBackend:
    def __init__(self, spec: AgentPlan, policy: Callable[[Request], Reply]) -> None:
        self.spec = spec
        self.policy = policy
        self.requests: list[Request] = []

    async def stream(self, messages: list[Message], tools: list[ToolSpec]) -> AsyncIterator[Event]:
        request = Request(list(messages), list(tools))
        self.requests.append(request)
        reply = self.policy(request)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.error is not None:
            raise reply.error
        if reply.text:
            yield TextDelta(reply.text)
        calls = [ToolCall(f"call_{len(self.requests)}_{i}", name, args) for i, (name, args) in enumerate(reply.calls)]
        for call in calls:
            yield call
        yield Usage(10, 5)
        yield Finish("tool_calls" if calls else "stop", message=Message("assistant", reply.text, tool_calls=calls))

    async def aclose(self) -> None:
        pass


def spec(agent_id: str, **kw: Any) -> AgentPlan:
    return AgentPlan(id=agent_id, backend_type="openai", protocol="openai_chat", model="m", **kw)
