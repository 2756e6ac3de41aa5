"""Build engine backends the way `massgen run` does (config mapping → compiler → AgentPlan → create)."""

from __future__ import annotations

from typing import Any

from massgen.config.compiler import compile_mapping
from massgen.config.plan import AgentPlan
from massgen.conversation import Message, ToolSpec
from massgen.engine.adapters import HTTPBackend, create
from massgen.events import Event
from tests.protocol_server import ProtocolServer

BASE_URL = {"openai_chat": "openai_base_url", "openai_responses": "openai_base_url"}
KEY = "sk-test-secret-0123456789abcdef"
ADD = ToolSpec("add", "Add two numbers", {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                                          "required": ["a", "b"]})


def agent_spec(backend: dict[str, Any], catalog: Any = None) -> AgentPlan:
    result = compile_mapping({"agents": [{"id": "agent_a", "backend": backend}]}, catalog=catalog)
    errors = [d for d in result.diagnostics if d.is_error]
    assert not errors, errors
    return result.spec.agents[0]


def backend_for(server: ProtocolServer, type_: str, protocol: str | None = None, **settings: Any) -> HTTPBackend:
    """A backend of ``type_`` pointed at the loopback server (the right base URL form for its protocol)."""
    protocol = protocol or agent_spec({"type": type_, "model": "m", "base_url": "http://x"}).protocol
    settings.setdefault("base_url", getattr(server, BASE_URL.get(protocol, "base_url")))
    return create(agent_spec({"type": type_, "model": settings.pop("model", "test-model"), "api_key": KEY, **settings}))


async def collect(backend: HTTPBackend, messages: list[Message] | None = None, tools: list[ToolSpec] | None = None) -> list[Event]:
    messages = messages or [Message("user", "What is 2+3?")]
    return [event async for event in backend.stream(messages, tools or [])]
