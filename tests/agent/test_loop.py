"""The agent loop on a real backend (the engine against the loopback protocol server): tool results go
back, several calls of one turn run concurrently, rounds are bounded, failures become error events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from massgen.agent import Tool, ToolOutcome, ToolRoundsExceeded, Toolset, run_agent
from massgen.backend import create_backend
from massgen.config import compile_mapping
from massgen.config.plan import RunPlan
from massgen.conversation import Message, ToolSpec
from massgen.errors import MassGenError
from massgen.session import run_session
from tests.agent.recording import RecordingSink
from tests.protocol_server import Call, Fault, ProtocolServer, Reply, Turn

pytestmark = pytest.mark.anyio

NO_ARGS = {"type": "object", "properties": {}}


def spec_for(server: ProtocolServer, **backend: Any) -> RunPlan:
    data = {"agent": {"id": "solo", "backend": {"type": "chatcompletion", "model": "m1", "api_key": "test-key-abc",
                                                "base_url": server.openai_base_url, **backend}}}
    result = compile_mapping(data, "<test>")
    assert result.spec is not None, result.diagnostics
    return result.spec


def rendezvous_tools() -> Toolset:
    """Two tools that each wait for the other to have started: they finish only when run concurrently."""
    started = {"left": asyncio.Event(), "right": asyncio.Event()}

    def tool(me: str, other: str) -> Tool:
        async def handler(arguments: dict[str, Any]) -> ToolOutcome:
            started[me].set()
            await asyncio.wait_for(started[other].wait(), 5)
            return ToolOutcome(f"{me} met {other}")

        return Tool(ToolSpec(me, f"the {me} tool", NO_ARGS), handler)

    return Toolset().add(tool("left", "right"), tool("right", "left"))


async def test_calls_of_one_turn_run_concurrently_and_results_go_back_in_order(protocol_server: ProtocolServer) -> None:
    protocol_server.script(
        Turn(tool_calls=[Call("left", id="c1"), Call("right", id="c2")]),
        Turn(text="Both met."),
    )
    backend = create_backend(spec_for(protocol_server).agents[0])
    sink = RecordingSink()
    try:
        result = await run_agent(backend, [Message("user", "go")], rendezvous_tools(), sink, agent="solo")
    finally:
        await backend.aclose()
    assert result.answer == "Both met." and result.rounds == 1
    assert protocol_server.requests[1].tool_results() == ["left met right", "right met left"]
    assert [(e["id"], e["content"]) for e in sink.of("tool_result")] == [("c1", "left met right"), ("c2", "right met left")]
    assert [m.role for m in result.messages] == ["user", "assistant", "tool", "tool", "assistant"]


async def test_an_unknown_tool_is_a_tool_error_and_the_loop_goes_on(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(tool_calls=[Call("no_such_tool", id="c1")]), Turn(text="Sorry."))
    sink = RecordingSink()
    assert await run_session(spec_for(protocol_server), "go", sink) == "Sorry."
    [result] = sink.of("tool_result")
    assert result["is_error"] and "no tool named 'no_such_tool'" in result["content"]
    assert "no tool named" in protocol_server.requests[1].tool_results()[0]


async def test_arguments_that_are_not_json_go_back_as_a_tool_error_and_the_model_retries(
    protocol_server: ProtocolServer,
) -> None:
    broken = json.dumps({"choices": [{"index": 0, "delta": {"tool_calls": [
        {"index": 0, "id": "c1", "type": "function", "function": {"name": "echo", "arguments": '{"text": "hi"'}}]}}]})
    done = json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    protocol_server.script(Reply.sse(f"data: {broken}\n\ndata: {done}\n\ndata: [DONE]\n\n".encode()),
                           Turn(tool_calls=[Call("echo", {"text": "hi"}, id="c2")]), Turn(text="Echoed."))
    ran: list[dict[str, Any]] = []

    async def echo(arguments: dict[str, Any]) -> ToolOutcome:
        ran.append(arguments)
        return ToolOutcome(arguments["text"])

    tools = Toolset().add(Tool(ToolSpec("echo", "Echo.", {"type": "object", "properties": {"text": {"type": "string"}}}), echo))
    backend = create_backend(spec_for(protocol_server).agents[0])
    try:
        result = await run_agent(backend, [Message("user", "go")], tools, RecordingSink(), agent="solo")
    finally:
        await backend.aclose()
    assert result.answer == "Echoed." and ran == [{"text": "hi"}]  # the broken call never reached the tool
    [feedback] = protocol_server.requests[1].tool_results()
    assert "not valid JSON" in feedback and "'{\"text\": \"hi\"'" in feedback


async def test_a_tool_that_ends_the_turn_stops_the_loop(protocol_server: ProtocolServer) -> None:
    async def vote(arguments: dict[str, Any]) -> ToolOutcome:
        return ToolOutcome("vote recorded", ends_turn=True)

    protocol_server.script(Turn(tool_calls=[Call("vote", {"agent_id": "agent1"}, id="v1")]))
    backend = create_backend(spec_for(protocol_server).agents[0])
    try:
        result = await run_agent(backend, [Message("user", "vote")],
                                 Toolset().add(Tool(ToolSpec("vote", "vote", NO_ARGS), vote)), RecordingSink())
    finally:
        await backend.aclose()
    assert result.ended_by is not None and result.ended_by.arguments == {"agent_id": "agent1"}
    assert len(protocol_server.requests) == 1  # no further model turn after the vote


async def test_rounds_are_bounded_and_the_error_says_so(protocol_server: ProtocolServer) -> None:
    protocol_server.handler = lambda request: Turn(tool_calls=[Call("left_alone")])
    sink = RecordingSink()
    with pytest.raises(ToolRoundsExceeded):
        await run_session(spec_for(protocol_server, max_tool_rounds=2), "loop forever", sink)
    assert len(protocol_server.requests) == 3  # two rounds of tools, then the model still asked for more
    [error] = sink.of("error")
    assert "after 2 rounds" in error["message"] and "max_tool_rounds" in error["message"]
    assert not sink.of("final")


async def test_a_broken_stream_is_an_error_event_not_a_truncated_answer(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="This answer will be cut short", fault=Fault("truncate", after=2)))
    sink = RecordingSink()
    with pytest.raises(MassGenError):
        await run_session(spec_for(protocol_server, max_retries=0), "go", sink)
    assert len(sink.of("error")) == 1 and not sink.of("final")


async def test_a_provider_error_is_one_line_with_the_provider_message(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.error(400, "model 'm1' does not exist"))
    sink = RecordingSink()
    with pytest.raises(MassGenError):
        await run_session(spec_for(protocol_server), "go", sink)
    [error] = sink.of("error")
    assert "model 'm1' does not exist" in error["message"] and "\n" not in error["message"]
    assert error["retryable"] is False and "test-key-abc" not in error["message"]


async def test_a_missing_api_key_names_the_variable_and_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = compile_mapping({"agent": {"id": "c", "backend": {"type": "claude", "model": "claude-sonnet-4-6"}}}, "<t>")
    assert result.spec is not None, result.diagnostics
    sink = RecordingSink()
    with pytest.raises(MassGenError):
        await run_session(result.spec, "hi", sink)
    [error] = sink.of("error")
    assert "ANTHROPIC_API_KEY" in error["message"] and "claude" in error["message"]


async def test_a_chat_keeps_its_conversation(protocol_server: ProtocolServer) -> None:
    from massgen.session import Session

    protocol_server.script(Turn(text="Nice to meet you, Ada."), Turn(text="Your name is Ada."))
    history: list[Message] = []
    async with Session(spec_for(protocol_server, max_retries=0), RecordingSink()) as session:
        await session.ask("My name is Ada.", history)
        assert await session.ask("What is my name?", history) == "Your name is Ada."
    second = protocol_server.requests[1].body["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
    assert second[1]["content"] == "Nice to meet you, Ada."


async def test_a_server_that_cannot_start_is_a_notice_and_a_tool_error(protocol_server: ProtocolServer) -> None:
    from tests.mcp.helpers import EXITS_AT_START, demo, python_server

    protocol_server.script(
        Turn(tool_calls=[Call("mcp__db__query", {"sql": "select 1"}, id="q"), Call("mcp__demo__add", {"a": 1, "b": 1}, id="a")]),
        Turn(text="The database is down; 1 + 1 = 2."),
    )
    spec = spec_for(protocol_server, mcp_servers=[python_server("db", EXITS_AT_START), demo()])
    sink = RecordingSink()
    assert await run_session(spec, "go", sink) == "The database is down; 1 + 1 = 2."
    [notice] = [e for e in sink.events if e.type == "notice"]
    assert "'db' is not available" in notice.message and "cannot open the database" in notice.message
    dead, alive = sink.of("tool_result")
    assert dead["is_error"] and "cannot open the database" in dead["content"]
    assert (alive["content"], alive["is_error"]) == ("2", False)
