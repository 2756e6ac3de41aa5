"""MCP servers as they are in the wild (tests/mcp/servers/wild_server.py, a real stdio server), run the way a
user runs them, with the requests checked at the loopback protocol server."""

from __future__ import annotations

import shlex
import sys
from typing import Any

import pytest

from massgen.config import compile_mapping
from massgen.engine.tool_schema import violations
from massgen.errors import MassGenError
from massgen.session import run_session
from tests.agent.recording import RecordingSink
from tests.mcp.helpers import REPO
from tests.protocol_server import Call, ProtocolServer, Reply, Turn

pytestmark = pytest.mark.anyio

WILD = REPO / "tests" / "mcp" / "servers" / "wild_server.py"
# backend type, model, the protocol server's base URL attribute, the schema subset its protocol uses
BACKENDS = {
    "chat": ("chatcompletion", "gpt-oss-120b", "openai_base_url", "openai"),
    "responses": ("openai", "gpt-5-nano", "openai_base_url", "openai"),
    "anthropic": ("claude", "claude-sonnet-4-6", "base_url", "anthropic"),
    "gemini": ("gemini", "gemini-2.5-flash", "base_url", "gemini"),
}


def wild(*flags: str, **extra: Any) -> dict[str, Any]:
    return {"type": "stdio", "command": sys.executable, "args": [str(WILD), *flags], **extra}


def config(kind: str, server: ProtocolServer, servers: dict[str, Any]) -> Any:
    backend_type, model, url_attr, _ = BACKENDS[kind]
    backend = {"type": backend_type, "model": model, "base_url": getattr(server, url_attr),
               "api_key": "test-key-0123456789", "mcp_servers": servers}
    result = compile_mapping({"agent": {"id": "solo", "backend": backend}}, "<test>")
    assert result.spec is not None, result.diagnostics
    return result.spec


def sent_tools(request: Any) -> dict[str, dict[str, Any]]:
    """name -> (description, parameters) of the function tools in a request body, whatever the protocol."""
    body = request.body
    if request.protocol == "gemini":
        declarations = [d for tool in body.get("tools", []) for d in tool.get("functionDeclarations", [])]
        return {d["name"]: {"description": d["description"], "parameters": d["parametersJsonSchema"]} for d in declarations}
    tools = body.get("tools", [])
    if request.protocol == "anthropic_messages":
        return {t["name"]: {"description": t["description"], "parameters": t["input_schema"]} for t in tools}
    if request.protocol == "openai_chat":
        return {t["function"]["name"]: {"description": t["function"]["description"], "parameters": t["function"]["parameters"]}
                for t in tools}
    return {t["name"]: {"description": t["description"], "parameters": t["parameters"]} for t in tools}


@pytest.mark.parametrize("kind", BACKENDS)
async def test_a_tool_without_arguments_gets_empty_properties(kind: str) -> None:
    with ProtocolServer() as server:
        server.script(Turn(tool_calls=[Call("mcp__wild__ping_host", {}, id="c1")]), Turn(text="done"))
        sink = RecordingSink()
        assert await run_session(config(kind, server, {"wild": wild("--no-args")}), "Ping", sink) == "done"
        schema = sent_tools(server.requests[0])["mcp__wild__ping_host"]["parameters"]
    subset = BACKENDS[kind][3]
    assert violations(schema, subset) == []
    if subset == "openai":  # OpenAI answers 400 "object schema missing properties" without it
        assert schema == {"type": "object", "properties": {}}
    [result] = sink.of("tool_result")
    assert result["content"] == "ping_host {}" and not result["is_error"]


@pytest.mark.parametrize("kind", BACKENDS)
async def test_a_top_level_any_of_is_folded_and_keeps_its_meaning(kind: str) -> None:
    with ProtocolServer() as server:
        server.script(Turn(tool_calls=[Call("mcp__wild__pick", {"name": "Ada", "city": "Paris"}, id="c1")]),
                      Turn(text="picked"))
        sink = RecordingSink()
        assert await run_session(config(kind, server, {"wild": wild("--any-of")}), "Pick", sink) == "picked"
        tool = sent_tools(server.requests[0])["mcp__wild__pick"]
    schema = tool["parameters"]
    assert "anyOf" not in schema and violations(schema, BACKENDS[kind][3]) == []
    assert set(schema["properties"]) == {"id", "name", "city"} and "required" not in schema  # no set is required by all
    assert "(id) | (name, city)" in (schema.get("description", "") + tool["description"])
    assert sink.of("tool_result")[0]["content"] == 'pick {"city": "Paris", "name": "Ada"}'


@pytest.mark.parametrize("kind, message", [
    ("chat", "Invalid schema for function 'mcp__wild__pick': schema must have type 'object' and not have 'anyOf' at the top level."),
    ("anthropic", "tools.0.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level"),
    ("gemini", "Invalid JSON payload received. Unknown name \"x\" at 'tools[0].function_declarations[0].parameters'"),
])
async def test_a_provider_error_about_a_tool_names_the_mcp_server_and_tool(kind: str, message: str) -> None:
    with ProtocolServer() as server:
        server.script(Reply.error(400, message))
        sink = RecordingSink()
        with pytest.raises(MassGenError):
            await run_session(config(kind, server, {"wild": wild("--any-of")}), "Pick", sink)
    [error] = sink.of("error")
    assert "MCP server 'wild', tool 'pick'" in error["message"], error["message"]


@pytest.mark.parametrize("kind", ["chat", "responses", "gemini"])
async def test_more_tools_than_the_provider_takes_is_reported_before_sending(kind: str) -> None:
    with ProtocolServer() as server:
        sink = RecordingSink()
        with pytest.raises(MassGenError):
            await run_session(config(kind, server, {"wild": wild("--tools", "130")}), "Hi", sink)
        assert server.requests == []  # nothing was sent
    [error] = sink.of("error")
    assert "130 tools" in error["message"] and "at most 128" in error["message"]
    assert "MCP server 'wild': 130" in error["message"]
    assert "`allowed_tools`" in error["message"] and "`exclude_tools`" in error["message"]


async def test_anthropic_documents_no_tool_count_limit() -> None:
    with ProtocolServer() as server:
        server.script(Turn(text="ok"))
        assert await run_session(config("anthropic", server, {"wild": wild("--tools", "130")}), "Hi", RecordingSink()) == "ok"
        assert len(server.requests[0].tool_names()) == 130


async def test_exclude_tools_is_the_way_out() -> None:
    with ProtocolServer() as server:
        server.script(Turn(text="ok"))
        servers = {"wild": wild("--tools", "130", exclude_tools=[f"tool_{i:03d}" for i in range(2)])}
        assert await run_session(config("chat", server, servers), "Hi", RecordingSink()) == "ok"
        assert len(server.requests[0].tool_names()) == 128


@pytest.mark.parametrize("flag, fragment", [
    ("--bad-bytes", "some bytes were not UTF-8"),
    ("--banner", "'Wild MCP server v1.0 starting on stdio...'"),
])
async def test_stdout_noise_before_serving_is_one_notice_and_the_server_works(
    flag: str, fragment: str, capfd: pytest.CaptureFixture[str]
) -> None:
    with ProtocolServer() as server:
        server.script(Turn(tool_calls=[Call("mcp__wild__ping_host", {}, id="c1")]), Turn(text="done"))
        sink = RecordingSink()
        servers = {"wild": wild(flag, "--no-args", startup_timeout=20)}
        assert await run_session(config("chat", server, servers), "Ping", sink) == "done"
    notices = [e for e in sink.events if e.type == "notice"]
    noise = [n for n in notices if n.kind == "mcp_server_stdout_noise"]
    assert len(noise) == 1 and fragment in noise[0].message and "MCP server 'wild'" in noise[0].message
    assert "Traceback" not in capfd.readouterr().err  # no SDK parser traceback


async def test_a_server_that_exits_at_start_says_its_status_and_stderr() -> None:
    with ProtocolServer() as server:
        server.script(Turn(text="still answers"))
        sink = RecordingSink()
        servers = {"broken": wild("--exit", "3"), "fine": wild("--no-args")}
        assert await run_session(config("chat", server, servers), "Hi", sink) == "still answers"
    [notice] = [e for e in sink.events if e.type == "notice" and e.kind == "mcp_server_unavailable"]
    assert "exited with status 3" in notice.message and "tools.json not found" in notice.message


async def test_a_slow_start_is_a_notice_and_a_too_slow_one_says_how_to_wait_longer() -> None:
    with ProtocolServer() as server:
        server.script(Turn(text="ok"))
        sink = RecordingSink()
        servers = {"slow": wild("--sleep", "1.2", startup_timeout=2), "slower": wild("--sleep", "5", startup_timeout=1)}
        assert await run_session(config("chat", server, servers), "Hi", sink) == "ok"
    messages = {e.kind: e.message for e in sink.events if e.type == "notice"}
    assert "MCP server 'slow' took" in messages["mcp_server_slow_start"]
    assert "did not answer within 1s" in messages["mcp_server_unavailable"]
    assert "raise `startup_timeout`" in messages["mcp_server_unavailable"]


@pytest.mark.parametrize("form", ["one string", "a list"])
async def test_massgen_s_command_forms_start_the_server(form: str) -> None:
    line = [sys.executable, str(WILD), "--no-args"]
    command: Any = shlex.join(line) if form == "one string" else line
    with ProtocolServer() as server:
        server.script(Turn(tool_calls=[Call("mcp__wild__ping_host", {}, id="c1")]), Turn(text="done"))
        sink = RecordingSink()
        spec = config("chat", server, {"wild": {"command": command}})
        assert await run_session(spec, "Ping", sink) == "done"
    assert sink.of("tool_result")[0]["content"] == "ping_host {}"
