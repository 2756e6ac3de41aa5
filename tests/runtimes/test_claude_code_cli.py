"""The Claude Code backend end to end: the real ``claude`` CLI (bundled in the claude-agent-sdk wheel) runs
its real tool loop in a temporary cwd, talking to the loopback Anthropic-protocol server through
ANTHROPIC_BASE_URL, while the test scripts the model's turns and inspects its requests."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import pytest

from massgen.backend import create_backend
from massgen.config import compile_mapping
from massgen.config.plan import AgentPlan
from massgen.conversation import Message, ToolSpec
from massgen.errors import AuthenticationError, TimeoutError_
from massgen.events import Event, Finish, ReasoningDelta, TextDelta, ToolCall, ToolResult, Usage
from tests.protocol_server import Call, Fault, ProtocolServer, Reply, Request, Turn, protocol_server  # noqa: F401

sdk = pytest.importorskip("claude_agent_sdk", reason="claude-agent-sdk is not installed (pip install 'massgen[claude-code]')")

KEY = "sk-ant-test-0123456789abcdef"
RUN_TIMEOUT = 90  # seconds for one whole scripted run; a hang fails the test instead of blocking the suite


@pytest.fixture(autouse=True)
def isolated_cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI keeps sessions and settings under $HOME/.claude: keep them out of the real home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    for name in ("ANTHROPIC_API_KEY", "CLAUDE_CODE_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def spec_for(server: ProtocolServer, cwd: Path, *, api_key: str | None = KEY, **backend: Any) -> AgentPlan:
    """The plan the compiler makes of a claude_code agent pointed at the loopback server."""
    agent: dict[str, Any] = {"id": "coder", "backend": {
        "type": "claude_code", "model": "claude-sonnet-4-5", "base_url": server.base_url, "cwd": str(cwd),
        **({"api_key": api_key} if api_key else {}), **backend}}
    if "system_message" in backend:
        agent["system_message"] = agent["backend"].pop("system_message")
    result = compile_mapping({"agents": [agent]})
    assert result.spec is not None, result.diagnostics
    return result.spec.agents[0]


def model_turns(*turns: Turn):
    """A handler that answers the CLI's agent requests (those offering tools) in order.

    The CLI also makes side requests of its own (token counts, a session title): they get a short text.
    """
    queue = list(turns)

    def handle(request: Request) -> Turn | Reply:
        if request.is_count_tokens:
            return Reply(body={"input_tokens": 10})
        if not request.wants_stream or not request.tool_names():
            return Turn(text="Scripted title")
        assert queue, f"the CLI made an unscripted request: {request.path}"
        return queue.pop(0)

    return handle


async def collect(backend: Any, messages: list[Message], tools: list[ToolSpec] | None = None) -> list[Event]:
    with anyio.fail_after(RUN_TIMEOUT):
        return [event async for event in backend.stream(messages, tools or [])]


def streamed(server: ProtocolServer) -> list[Request]:
    return [r for r in server.requests if r.protocol == "anthropic_messages" and r.wants_stream and r.tool_names()]


@pytest.mark.anyio
async def test_native_tools_write_a_file_and_a_disallowed_command_is_refused(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    cwd = tmp_path / "work"
    cwd.mkdir()
    target = cwd / "hello.txt"
    protocol_server.handler = model_turns(
        Turn(text="Writing it.", tool_calls=[Call("Write", {"file_path": str(target), "content": "hello from the model\n"})]),
        Turn(tool_calls=[Call("Bash", {"command": "rm hello.txt", "description": "clean up"})]),
        Turn(text="The file is written.", usage=(40, 6)),
    )
    backend = create_backend(spec_for(protocol_server, cwd, system_message="You are agent COder-7.", append_system_prompt="Append-Marker-9",
                                      use_default_prompt=True))
    try:
        events = await collect(backend, [Message("system", "You are agent COder-7."), Message("user", "Write hello.txt please")])
    finally:
        await backend.aclose()

    # The real CLI ran the real Write tool in the temporary cwd; the default rule Bash(rm*) refused rm.
    assert target.read_text() == "hello from the model\n"
    calls = [e for e in events if isinstance(e, ToolCall)]
    results = {e.id: e for e in events if isinstance(e, ToolResult)}
    assert [c.name for c in calls] == ["Write", "Bash"]
    write, bash = (results[c.id] for c in calls)
    assert not write.is_error and write.name == "Write"
    assert bash.is_error and bash.name == "Bash"
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "stop"
    assert finish.message.role == "assistant" and finish.message.content == "The file is written."
    assert "".join(e.text for e in events if isinstance(e, TextDelta)).endswith("The file is written.")
    assert [e.output_tokens for e in events if isinstance(e, Usage)][-1] == 6

    requests = streamed(protocol_server)
    assert len(requests) == 3
    first = requests[0]
    assert first.headers.get("x-api-key") == KEY
    assert first.model == "claude-sonnet-4-5"
    system = first.system_text()
    assert system.count("You are agent COder-7.") == 1 and "Append-Marker-9" in system
    assert "You are Claude Code" in system  # use_default_prompt: appended to Claude Code's own prompt, which stays
    assert {"Write", "Bash", "Read"} <= set(first.tool_names())
    assert first.body["thinking"]["budget_tokens"] == 8000  # catalog default of max_thinking_tokens
    assert "hello from the model" not in requests[2].tool_results()[-1]  # the refusal, not a file listing
    assert "rm hello.txt" in requests[2].tool_results()[-1] or "denied" in requests[2].tool_results()[-1].lower()


NATIVE_TOOLS = ["Read", "Write", "Edit", "Bash", "Grep", "Glob", "TodoWrite"]  # the page: "always available"


@pytest.mark.anyio
async def test_each_of_the_seven_native_tools_is_offered_and_runs_by_default(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    cwd = tmp_path / "work"
    cwd.mkdir()
    notes = cwd / "notes.txt"
    todo = {"todos": [{"content": "Check the notes", "status": "in_progress", "activeForm": "Checking the notes"}]}
    protocol_server.handler = model_turns(
        Turn(tool_calls=[Call("Write", {"file_path": str(notes), "content": "alpha line\nbeta line\n"})]),
        Turn(tool_calls=[Call("Read", {"file_path": str(notes)})]),
        Turn(tool_calls=[Call("Edit", {"file_path": str(notes), "old_string": "beta line", "new_string": "gamma line"})]),
        Turn(tool_calls=[Call("Bash", {"command": "echo bash-ran > bash.txt && cat bash.txt", "description": "echo"})]),
        Turn(tool_calls=[Call("Grep", {"pattern": "gamma", "path": str(cwd), "output_mode": "content"})]),
        Turn(tool_calls=[Call("Glob", {"pattern": "*.txt", "path": str(cwd)})]),
        Turn(tool_calls=[Call("TodoWrite", todo)]),
        Turn(text="All seven ran."),
    )
    backend = create_backend(spec_for(protocol_server, cwd))
    try:
        events = await collect(backend, [Message("user", "Use every tool once")])
    finally:
        await backend.aclose()

    assert set(NATIVE_TOOLS) <= set(streamed(protocol_server)[0].tool_names())
    assert "Agent" not in streamed(protocol_server)[0].tool_names()  # the CLI's other defaults are not offered
    results = [e for e in events if isinstance(e, ToolResult)]
    assert [r.name for r in results] == ["Write", "Read", "Edit", "Bash", "Grep", "Glob", "TodoWrite"]
    failed = [(r.name, r.content) for r in results if r.is_error or "no such tool" in r.content.lower()]
    assert not failed, failed
    assert notes.read_text() == "alpha line\ngamma line\n"  # Write, then Edit after Read
    _, read, _, bash, grep, glob, _ = results
    assert "alpha line" in read.content and "bash-ran" in bash.content and (cwd / "bash.txt").is_file()
    assert "gamma line" in grep.content
    assert "notes.txt" in glob.content and "bash.txt" in glob.content
    assert events[-1].message.content == "All seven ran."


@pytest.mark.anyio
async def test_disallowed_tools_take_native_tools_away(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.handler = model_turns(Turn(text="Fewer tools."))
    backend = create_backend(spec_for(protocol_server, tmp_path, disallowed_tools=["Grep", "TodoWrite", "Bash(rm*)"]))
    try:
        await collect(backend, [Message("user", "hi")])
    finally:
        await backend.aclose()
    assert set(streamed(protocol_server)[0].tool_names()) == {"Read", "Write", "Edit", "Bash", "Glob"}


@pytest.mark.anyio
async def test_allowed_tools_limit_the_native_set_and_system_prompt_replaces_the_default(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.handler = model_turns(Turn(reasoning="Weighing the files first.", text="Read-only here."))
    backend = create_backend(
        spec_for(protocol_server, tmp_path, allowed_tools=["Read", "Grep"], system_prompt="Only read. Marker-42.", max_thinking_tokens=2048)
    )
    try:
        events = await collect(backend, [Message("system", "Extra rule Z."), Message("user", "look around")])
    finally:
        await backend.aclose()
    assert events[-1].message.content == "Read-only here."
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "Weighing the files first."
    request = streamed(protocol_server)[0]
    assert set(request.tool_names()) == {"Read", "Grep"}
    system = request.system_text()
    assert "Marker-42." in system and "Extra rule Z." in system
    assert request.body["thinking"]["budget_tokens"] == 2048


@pytest.mark.anyio
async def test_function_tools_reach_the_model_and_their_results_come_from_the_caller(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    vote = ToolSpec(
        "vote",
        "Vote for the best answer.",
        {"type": "object", "properties": {"agent_id": {"type": "string"}, "reason": {"type": "string"}}, "required": ["agent_id", "reason"]},
    )
    protocol_server.handler = model_turns(
        Turn(tool_calls=[Call("mcp__massgen_tools__vote", {"agent_id": "agent2", "reason": "most complete"})]),
        Turn(text="Voted."),
        Turn(text="Second answer."),
    )
    backend = create_backend(spec_for(protocol_server, tmp_path))
    history = [Message("user", "Vote now.")]
    try:
        first = await collect(backend, history, [vote])
        finish = first[-1]
        assert isinstance(finish, Finish) and finish.reason == "tool_calls"
        (call,) = finish.message.tool_calls
        assert (call.name, call.arguments) == ("vote", {"agent_id": "agent2", "reason": "most complete"})
        assert [e for e in first if isinstance(e, ToolCall)] == [call]

        # The caller (agent loop / orchestrator) answers the call; the same CLI session carries on.
        history += [finish.message, Message("tool", "vote recorded for agent2", tool_call_id=call.id, name="vote")]
        second = await collect(backend, history, [vote])
        assert second[-1].reason == "stop" and second[-1].message.content == "Voted."

        # A follow-up user message continues the same conversation too.
        history += [second[-1].message, Message("user", "And now?")]
        third = await collect(backend, history, [vote])
        assert third[-1].message.content == "Second answer."
    finally:
        await backend.aclose()

    requests = streamed(protocol_server)
    offered = next(t for t in requests[0].body["tools"] if t["name"] == "mcp__massgen_tools__vote")
    assert offered["input_schema"]["required"] == ["agent_id", "reason"]
    assert requests[1].tool_results()[-1].startswith("vote recorded for agent2")
    assert "Vote now." in str(requests[2].body["messages"]) and requests[2].last_user_text().endswith("And now?")


@pytest.mark.anyio
async def test_a_rejected_key_is_a_clear_error_without_the_key(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.handler = lambda request: Reply.error(401, "invalid x-api-key")
    backend = create_backend(spec_for(protocol_server, tmp_path))
    try:
        with pytest.raises(AuthenticationError) as caught:
            await collect(backend, [Message("user", "hi")])
    finally:
        await backend.aclose()
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)
    assert caught.value.status == 401


def test_the_wheel_bundles_the_cli() -> None:
    bundled = Path(sdk.__file__).parent / "_bundled" / "claude"
    assert bundled.is_file() or shutil.which("claude"), "no claude CLI: neither bundled nor on PATH"


DEMO_SERVER = Path(__file__).resolve().parent.parent / "mcp" / "servers" / "demo_server.py"


@pytest.mark.anyio
async def test_mcp_servers_from_the_config_run_with_their_tool_filters(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    if not DEMO_SERVER.is_file():
        pytest.skip(f"the demo MCP server {DEMO_SERVER} is missing")
    protocol_server.handler = model_turns(
        Turn(tool_calls=[Call("mcp__demo__add", {"a": 2, "b": 3})]),
        Turn(tool_calls=[Call("mcp__demo__get_env", {"name": "PWD"})]),
        Turn(tool_calls=[Call("mcp__plain__cwd", {})]),
        Turn(text="2 + 3 = 5"),
    )
    spec = spec_for(protocol_server, tmp_path / "agent-ws")
    server_cwd = tmp_path / "server-cwd"
    server_cwd.mkdir()
    spec = replace(spec, mcp_servers=[
        {"name": "demo", "type": "stdio", "command": sys.executable, "args": [str(DEMO_SERVER)], "cwd": str(server_cwd), "disallowed_tools": ["secret"]},
        {"name": "plain", "type": "stdio", "command": sys.executable, "args": [str(DEMO_SERVER)]},
    ])
    # The agent loop also offers the servers' tools as function tools: the CLI's own copy must win.
    looped = ToolSpec("mcp__demo__add", "Add two integers.", {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}})
    backend = create_backend(spec)
    try:
        events = await collect(backend, [Message("user", "add 2 and 3")], [looped])
    finally:
        await backend.aclose()
    added, pwd, plain = (e for e in events if isinstance(e, ToolResult))
    assert (added.name, added.is_error) == ("mcp__demo__add", False) and "5" in added.content
    assert str(server_cwd) in pwd.content  # the server started in its own cwd
    assert not plain.is_error and f'"{(tmp_path / "agent-ws").resolve()}"' in plain.content  # no cwd: the agent's
    assert events[-1].message.content == "2 + 3 = 5"
    assert "You are Claude Code" not in streamed(protocol_server)[0].system_text()  # use_default_prompt is false
    first = str(streamed(protocol_server)[0].body)
    assert "mcp__demo__add" in first and "mcp__demo__echo" in first  # offered (loaded or listed for ToolSearch)
    assert "mcp__demo__secret" not in first  # filtered by the server's disallowed_tools
    assert "mcp__massgen_tools__" not in first  # not offered twice


@pytest.mark.anyio
async def test_permission_mode_is_honoured(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    target = tmp_path / "planned.txt"
    protocol_server.handler = model_turns(
        Turn(tool_calls=[Call("Write", {"file_path": str(target), "content": "should not exist"})]),
        Turn(text="Planned only."),
    )
    backend = create_backend(spec_for(protocol_server, tmp_path, permission_mode="plan"))
    try:
        events = await collect(backend, [Message("user", "plan a file")])
    finally:
        await backend.aclose()
    (result,) = (e for e in events if isinstance(e, ToolResult))
    assert result.name == "Write" and result.is_error
    assert not target.exists()
    assert events[-1].message.content == "Planned only."


@pytest.mark.anyio
async def test_no_key_and_no_login_says_how_to_authenticate(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    spec = spec_for(protocol_server, tmp_path / "new" / "workspace", api_key=None)  # a new cwd is created
    backend = create_backend(spec)
    try:
        with pytest.raises(AuthenticationError, match="ANTHROPIC_API_KEY or CLAUDE_CODE_API_KEY .*claude login"):
            await collect(backend, [Message("user", "hi")])
    finally:
        await backend.aclose()
    assert (tmp_path / "new" / "workspace").is_dir()


@pytest.mark.anyio
async def test_a_silent_model_is_a_timeout_not_a_hang(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.handler = model_turns(Turn(text="never finished", fault=Fault("stall", after=1)))
    backend = create_backend(spec_for(protocol_server, tmp_path, timeout={"read": 2}))
    try:
        with pytest.raises(TimeoutError_, match="sent nothing for 2 s"):
            await collect(backend, [Message("user", "hi")])
    finally:
        await backend.aclose()


def processes_in(directory: Path) -> list[int]:
    """Ids of the live processes whose working directory is ``directory`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and Path(entry / "cwd").resolve() == directory.resolve():
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to inspect
            continue
    return found


@pytest.mark.anyio
async def test_closing_in_the_middle_of_a_run_stops_the_cli(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    if not Path("/proc/self/cwd").exists():
        pytest.skip("needs Linux /proc to find the CLI process")
    vote = ToolSpec("vote", "Vote.", {"type": "object", "properties": {"agent_id": {"type": "string"}}})
    protocol_server.handler = model_turns(Turn(tool_calls=[Call("mcp__massgen_tools__vote", {"agent_id": "agent1"})]))
    backend = create_backend(spec_for(protocol_server, tmp_path))
    events = await collect(backend, [Message("user", "vote")], [vote])
    assert events[-1].reason == "tool_calls"  # the CLI now waits for the vote's result
    assert processes_in(tmp_path), "the CLI should be running in the agent's cwd"
    await backend.aclose()
    with anyio.fail_after(30):
        while processes_in(tmp_path):
            await anyio.sleep(0.1)


@pytest.mark.anyio
async def test_max_turns_stops_the_tool_loop(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.handler = model_turns(
        Turn(tool_calls=[Call("Read", {"file_path": str(tmp_path / "missing.txt")})]),
        Turn(tool_calls=[Call("Read", {"file_path": str(tmp_path / "missing.txt")})]),
        Turn(text="unreachable"),
    )
    backend = create_backend(spec_for(protocol_server, tmp_path, max_turns=1))
    try:
        events = await collect(backend, [Message("user", "read it")])
    finally:
        await backend.aclose()
    assert events[-1].reason == "length"
    assert len(streamed(protocol_server)) == 1


@pytest.mark.anyio
async def test_a_turn_left_unfinished_is_not_continued(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    """The orchestrator may stop reading an agent mid-turn (a new answer arrived) and ask again."""
    protocol_server.handler = model_turns(Turn(text="stale words arriving slowly", delay=0.3), Turn(text="fresh answer"))
    backend = create_backend(spec_for(protocol_server, tmp_path))
    history = [Message("user", "question")]
    try:
        with anyio.fail_after(RUN_TIMEOUT):
            async for event in backend.stream(history, []):
                if isinstance(event, TextDelta):
                    break  # stop reading in the middle of the turn
        events = await collect(backend, [*history, Message("user", "new information: reconsider")])
    finally:
        await backend.aclose()
    assert events[-1].message.content == "fresh answer"
    assert "stale" not in "".join(e.text for e in events if isinstance(e, TextDelta))
    assert "new information: reconsider" in streamed(protocol_server)[-1].raw.decode()


@pytest.mark.anyio
async def test_a_read_only_context_path_can_be_read_but_not_written(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    cwd, shared = tmp_path / "work", tmp_path / "shared"
    cwd.mkdir()
    shared.mkdir()
    (shared / "brief.md").write_text("the shared brief\n")
    protocol_server.handler = model_turns(
        Turn(tool_calls=[Call("Read", {"file_path": str(shared / "brief.md")})]),
        Turn(tool_calls=[Call("Write", {"file_path": str(shared / "new.md"), "content": "no\n"})]),
        Turn(text="Done."),
    )
    backend = create_backend(spec_for(protocol_server, cwd, context_paths=[str(shared)]))
    try:
        events = await collect(backend, [Message("user", "Use the brief")])
    finally:
        await backend.aclose()
    read, write = (e for e in events if isinstance(e, ToolResult))
    assert not read.is_error and "the shared brief" in read.content  # outside the cwd, readable (--add-dir)
    assert write.is_error and not (shared / "new.md").exists()  # read-only: Edit(//shared/**) is denied
