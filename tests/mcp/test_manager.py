"""The MCP manager against real servers: the FastMCP demo server (stdio and streamable HTTP), broken
servers, and the npm reference servers."""

from __future__ import annotations

import re

import pytest

from massgen.events import ToolCall
from massgen.mcp import parse_servers
from massgen.mcp.manager import McpManager, McpStartError
from massgen.toolset import MAX_RESULT_CHARS
from tests.mcp.helpers import (
    EXITS_AT_START,
    NEVER_ANSWERS,
    demo,
    npm_server,
    process_gone,
    python_server,
    start_http_demo,
)

pytestmark = pytest.mark.anyio


def call(tool: str, **arguments: object) -> ToolCall:
    return ToolCall(f"call-{tool}", tool, dict(arguments))


async def test_tools_are_offered_with_schemas_and_filtered_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_GREETING", "hello from the environment")
    servers = parse_servers([
        demo("a", env={"GREETING": "${DEMO_GREETING}"}),
        demo("b", allowed_tools=["add", "secret"]),
    ])
    async with McpManager(servers, excluded_tools=["secret", "mcp__a__fail"]) as manager:
        toolset = manager.toolset()
        offered = {spec.name: spec for spec in toolset.specs()}
        assert "mcp__a__add" in offered and "mcp__a__echo" in offered
        assert "mcp__a__secret" not in offered and "mcp__a__fail" not in offered
        assert set(n for n in offered if n.startswith("mcp__b__")) == {"mcp__b__add"}
        add = offered["mcp__a__add"].parameters
        assert add["type"] == "object" and add["properties"]["a"]["type"] == "integer"
        assert add["required"] == ["a", "b"]

        assert (await toolset.run(call("mcp__b__add", a=2, b=40))).content == "42"
        assert (await toolset.run(call("mcp__a__get_env", name="GREETING"))).content == "hello from the environment"
        refused = await toolset.run(call("mcp__a__secret"))
        assert refused.is_error and "filtered out" in refused.content
        # Second line of defence: the manager itself refuses a filtered tool.
        direct = await manager.call("a", "secret", {})
        assert direct.is_error and "not allowed" in direct.content and "secret tool ran" not in direct.content


async def test_a_tool_error_reaches_the_model_as_an_error() -> None:
    async with McpManager(parse_servers([demo()])) as manager:
        outcome = await manager.toolset().run(call("mcp__demo__fail", message="the disk is full"))
    assert outcome.is_error and "the disk is full" in outcome.content


async def test_a_server_that_exits_at_start_is_a_tool_error_and_the_others_work() -> None:
    servers = parse_servers([python_server("db", EXITS_AT_START), demo()])
    async with McpManager(servers) as manager:
        assert "cannot open the database" in manager.failures["db"]
        toolset = manager.toolset()
        dead = await toolset.run(call("mcp__db__query"))
        assert dead.is_error and "'db' is not available" in dead.content and "cannot open the database" in dead.content
        assert (await toolset.run(call("mcp__demo__echo", text="still here"))).content == "still here"


async def test_a_missing_command_names_it() -> None:
    servers = parse_servers([{"name": "ghost", "command": "no-such-mcp-server-binary"}, demo()])
    async with McpManager(servers) as manager:
        assert "command not found" in manager.failures["ghost"] and "no-such-mcp-server-binary" in manager.failures["ghost"]


async def test_when_no_server_can_start_the_run_fails_clearly() -> None:
    servers = parse_servers([python_server("db", EXITS_AT_START), {"name": "ghost", "command": "no-such-binary-x"}])
    manager = McpManager(servers)
    with pytest.raises(McpStartError) as info:
        await manager.start()
    await manager.aclose()
    assert "no MCP server could start" in str(info.value) and "db:" in str(info.value) and "ghost:" in str(info.value)


async def test_a_server_that_never_answers_at_start_times_out() -> None:
    servers = parse_servers([python_server("mute", NEVER_ANSWERS, startup_timeout=1), demo()])
    async with McpManager(servers) as manager:
        assert "did not answer within 1s" in manager.failures["mute"]
        assert (await manager.toolset().run(call("mcp__demo__add", a=1, b=1))).content == "2"


async def test_a_server_that_crashes_mid_call_and_one_that_never_answers() -> None:
    servers = parse_servers([demo("fragile"), demo("slow", timeout=1), demo("steady")])
    async with McpManager(servers) as manager:
        toolset = manager.toolset()
        crashed, stuck = await toolset.run_all([call("mcp__fragile__crash"), call("mcp__slow__sleep", seconds=30)])
        assert crashed.is_error and "exited" in crashed.content and "crashing on purpose" in crashed.content
        assert stuck.is_error and "did not answer within 1s" in stuck.content
        again = await toolset.run(call("mcp__fragile__echo", text="x"))
        assert again.is_error and "not available" in again.content
        assert (await toolset.run(call("mcp__steady__echo", text="fine"))).content == "fine"


async def test_every_server_process_stops_at_the_end() -> None:
    async with McpManager(parse_servers([demo("one"), demo("two")])) as manager:
        toolset = manager.toolset()
        pids = [int((await toolset.run(call(f"mcp__{name}__pid"))).content) for name in ("one", "two")]
        assert not any(process_gone(pid) for pid in pids)
    assert all(process_gone(pid) for pid in pids)


@pytest.mark.parametrize("transport", ["streamable-http", "sse"])
async def test_http_servers(transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    process, url = start_http_demo("sse" if transport == "sse" else "http")
    monkeypatch.setenv("DEMO_TOKEN", "t0k")
    try:
        servers = parse_servers({"remote": {"type": transport, "url": url,
                                            "headers": {"Authorization": "Bearer ${DEMO_TOKEN}"}}})
        async with McpManager(servers) as manager:
            assert manager.failures == {}
            assert (await manager.toolset().run(call("mcp__remote__add", a=20, b=22))).content == "42"
    finally:
        process.kill()
        process.wait()


async def test_an_unreachable_http_server_is_a_start_failure() -> None:
    servers = parse_servers({"remote": {"type": "streamable-http", "url": "http://127.0.0.1:9/mcp", "startup_timeout": 5},
                             "demo": demo()})
    async with McpManager(servers) as manager:
        assert "remote" in manager.failures and "demo" not in manager.failures


async def test_npm_reference_servers(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("inside the sandbox")
    servers = parse_servers([
        {"name": "everything", "command": npm_server("mcp-server-everything")},
        {"name": "files", "command": npm_server("mcp-server-filesystem"), "args": [str(tmp_path)],
         "disallowed_tools": ["write_file", "move_file"]},
    ])
    async with McpManager(servers) as manager:
        toolset = manager.toolset()
        names = {spec.name for spec in toolset.specs()}
        assert {"mcp__everything__echo", "mcp__files__read_text_file"} <= names
        assert "mcp__files__write_file" not in names and "mcp__files__move_file" not in names
        assert (await toolset.run(call("mcp__everything__echo", message="hi"))).content == "Echo: hi"
        read = await toolset.run(call("mcp__files__read_text_file", path=str(tmp_path / "notes.txt")))
        assert read.content == "inside the sandbox"
        outside = await toolset.run(call("mcp__files__read_text_file", path="/etc/hostname"))
        assert outside.is_error and "denied" in outside.content.lower()
        write = await toolset.run(call("mcp__files__write_file", path=str(tmp_path / "x"), content="no"))
        assert write.is_error and not (tmp_path / "x").exists()


async def test_tool_names_fit_every_provider_and_stay_unique() -> None:
    long_server = "a_server_whose_name_alone_takes_up_nearly_all_of_the_room_there_is"
    servers = parse_servers([demo(long_server), demo("my_tools")])
    async with McpManager(servers) as manager:
        toolset = manager.toolset()
        names = [spec.name for spec in toolset.specs()]
        assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,63}", n) for n in names), names
        assert len(names) == len(set(names))
        assert "mcp__my_tools__add" in names
        shortened = [n for n in names if n.startswith("mcp__a_server_whose_name")]
        assert shortened and all(len(n) == 63 for n in shortened)
        # A shortened name still calls its own tool on its own server.
        pid_tool = next(n for n in shortened if toolset.tools[n].spec.description.startswith("The server's process id"))
        assert (await toolset.run(call(pid_tool))).content.isdigit()


async def test_a_huge_result_is_cut_with_a_note() -> None:
    async with McpManager(parse_servers([demo()])) as manager:
        outcome = await manager.toolset().run(call("mcp__demo__echo", text="x" * (MAX_RESULT_CHARS + 5000)))
    assert not outcome.is_error
    assert outcome.content.startswith("x" * MAX_RESULT_CHARS) and "5,000 more characters cut" in outcome.content
    assert len(outcome.content) < MAX_RESULT_CHARS + 200


async def test_a_stdio_server_starts_in_its_own_cwd_else_in_the_agent_s(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # where massgen runs
    agent, own = tmp_path / "agent-ws", tmp_path / "own"
    agent.mkdir()
    own.mkdir()
    servers = parse_servers([demo("plain"), demo("placed", cwd="own")])
    async with McpManager(servers, cwd="agent-ws") as manager:  # a relative agent cwd, as configs write it
        toolset = manager.toolset()
        assert (await toolset.run(call("mcp__plain__cwd"))).content == str(agent.resolve())
        assert (await toolset.run(call("mcp__placed__cwd"))).content == str(own.resolve())  # relative to where massgen runs
    async with McpManager(parse_servers([demo("plain")])) as manager:  # no agent cwd: where massgen runs
        assert (await manager.toolset().run(call("mcp__plain__cwd"))).content == str(tmp_path.resolve())
