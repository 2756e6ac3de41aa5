"""The tools MassGen gives an agent itself: cwd-confined file operations and the command line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from massgen.agent import Toolset
from massgen.events import ToolCall
from massgen.mcp import ToolFilter
from massgen.tools import (
    DockerUnavailable,
    PathGuard,
    PathRefused,
    Root,
    builtin_tools,
    check_docker,
)
from tests.agent.plans import tools_plan

pytestmark = pytest.mark.anyio


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "notes.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("outside")
    (tmp_path / "work" / "escape").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "work" / "escape_dir").symlink_to(tmp_path)
    (tmp_path / "work" / "inner_link").symlink_to(tmp_path / "work" / "notes.txt")
    return tmp_path / "work"


@pytest.mark.parametrize("path", ["../secret.txt", "sub/../../secret.txt", "escape", "escape_dir/secret.txt", "/etc/passwd"])
def test_paths_leaving_the_cwd_are_refused(workspace: Path, path: str) -> None:
    with pytest.raises(PathRefused, match="outside the agent's working directory"):
        PathGuard(workspace).resolve(path)


def test_paths_inside_are_resolved(workspace: Path) -> None:
    guard = PathGuard(workspace)
    assert guard.resolve("notes.txt") == workspace / "notes.txt"
    assert guard.resolve(str(workspace / "notes.txt")) == workspace / "notes.txt"  # absolute but inside
    assert guard.resolve("inner_link") == workspace / "notes.txt"  # a symlink that stays inside
    assert guard.resolve("new/dir/file.txt", write=True) == workspace / "new" / "dir" / "file.txt"


def test_context_paths_extend_the_sandbox_with_their_permission(workspace: Path, tmp_path: Path) -> None:
    guard = PathGuard(workspace, [Root(tmp_path / "secret.txt", writable=False)])
    assert guard.resolve("../secret.txt") == tmp_path / "secret.txt"
    with pytest.raises(PathRefused, match="read-only"):
        guard.resolve("../secret.txt", write=True)


def test_a_read_only_context_path_inside_the_cwd_stays_read_only(workspace: Path) -> None:
    (workspace / "docs" / "drafts").mkdir(parents=True)
    guard = PathGuard(workspace, [Root(workspace / "docs", writable=False), Root(workspace / "docs" / "drafts")])
    assert guard.resolve("docs/spec.md") == workspace / "docs" / "spec.md"  # readable
    with pytest.raises(PathRefused, match="read-only context path"):
        guard.resolve("docs/spec.md", write=True)  # the cwd is writable, the more specific context path is not
    with pytest.raises(PathRefused, match="read-only context path"):
        guard.resolve(str(workspace / "docs"), write=True)
    assert guard.resolve("docs/drafts/a.md", write=True) == workspace / "docs" / "drafts" / "a.md"  # nested writable
    assert guard.resolve("notes.txt", write=True) == workspace / "notes.txt"  # the rest of the cwd as before
    with pytest.raises(PathRefused, match="read-only context path"):  # the same path as the cwd, marked read-only
        PathGuard(workspace, [Root(workspace, writable=False)]).resolve("new.txt", write=True)


async def test_context_paths_reach_the_file_tools_with_their_permission(workspace: Path, tmp_path: Path) -> None:
    shared, inbox = tmp_path / "shared", tmp_path / "inbox"
    shared.mkdir()
    inbox.mkdir()
    (shared / "data.txt").write_text("shared data")
    (workspace / "ref").mkdir()
    backend = {"context_paths": [str(shared), {"path": str(inbox), "permission": "write"},
                                 {"path": str(workspace / "ref"), "permission": "read"}]}
    tools = await toolset_for(backend, workspace)
    read = await tools.run(ToolCall("1", "mcp__filesystem__read_file", {"path": str(shared / "data.txt")}))
    assert (read.is_error, read.content) == (False, "shared data")
    refused = await tools.run(ToolCall("2", "mcp__filesystem__write_file", {"path": str(shared / "x.txt"), "content": "no"}))
    assert refused.is_error and "read-only" in refused.content and not (shared / "x.txt").exists()
    written = await tools.run(ToolCall("3", "mcp__filesystem__write_file", {"path": str(inbox / "y.txt"), "content": "ok"}))
    assert not written.is_error and (inbox / "y.txt").read_text() == "ok"
    inside = await tools.run(ToolCall("4", "mcp__filesystem__write_file", {"path": "ref/z.txt", "content": "no"}))
    assert inside.is_error and "read-only" in inside.content and not (workspace / "ref" / "z.txt").exists()


def test_context_paths_is_declared_as_acted_on() -> None:
    from massgen.config import compile_text

    text = ("agent:\n  id: a\n  backend:\n    type: openai\n    model: gpt-5-nano\n    cwd: ws\n"
            "    context_paths: [{path: docs, permission: read}]\n")
    assert [d for d in compile_text(text, "c.yaml").diagnostics if "context_paths" in d.message] == []


async def test_the_orchestrator_s_context_paths_are_read_only_for_every_agent(workspace: Path, tmp_path: Path) -> None:
    from massgen.config import compile_text

    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "brief.md").write_text("the brief")
    text = (f"orchestrator:\n  context_paths: [{{path: '{shared}', permission: write}}]\nagents:\n"
            f"  - {{id: a, backend: {{type: openai, model: gpt-5-nano, cwd: '{workspace}'}}}}\n"
            f"  - {{id: b, backend: {{type: claude, model: claude-haiku-4-5, cwd: '{workspace}',"
            f" context_paths: ['{tmp_path / 'own'}']}}}}\n")
    spec = compile_text(text, "team.yaml").spec
    for agent in spec.agents:
        tools = await toolset_for(agent.backend, workspace)
        read = await tools.run(ToolCall("1", "mcp__filesystem__read_file", {"path": str(shared / "brief.md")}))
        assert (read.is_error, read.content) == (False, "the brief")
        wrote = await tools.run(ToolCall("2", "mcp__filesystem__write_file", {"path": str(shared / "x"), "content": "-"}))
        assert wrote.is_error and "read-only" in wrote.content
    assert spec.agents[1].backend["context_paths"][0] == str(tmp_path / "own")  # its own paths stay, first


async def toolset_for(backend: dict, cwd: Path | None, tool_filter: ToolFilter | None = None) -> Toolset:
    backend = {k: v for k, v in backend.items() if k not in ("type", "model", "base_url", "api_key", "cwd")}
    return await builtin_tools(tools_plan(cwd, **backend), tool_filter or ToolFilter(), skip_servers=set())


async def test_file_tools_work_inside_and_refuse_outside(workspace: Path) -> None:
    tools = await toolset_for({}, workspace)
    assert {s.name for s in tools.specs()} == {
        "mcp__filesystem__read_file", "mcp__filesystem__write_file",
        "mcp__filesystem__list_directory", "mcp__filesystem__create_directory"}
    assert (await tools.run(ToolCall("1", "mcp__filesystem__read_file", {"path": "notes.txt"}))).content == "inside"
    written = await tools.run(ToolCall("2", "mcp__filesystem__write_file", {"path": "out/a.txt", "content": "hi"}))
    assert not written.is_error and (workspace / "out" / "a.txt").read_text() == "hi"
    listing = await tools.run(ToolCall("3", "mcp__filesystem__list_directory", {"path": "."}))
    assert "[FILE] notes.txt" in listing.content and "[DIR] out" in listing.content
    for path in ("../secret.txt", "escape", "/etc/passwd"):
        refused = await tools.run(ToolCall("4", "mcp__filesystem__read_file", {"path": path}))
        assert refused.is_error and "outside" in refused.content and "outside\n" not in refused.content
    escaped = await tools.run(ToolCall("5", "mcp__filesystem__write_file", {"path": "../evil.txt", "content": "x"}))
    assert escaped.is_error and not (workspace.parent / "evil.txt").exists()


async def test_file_tools_follow_the_filters(workspace: Path) -> None:
    tools = await toolset_for({}, workspace, ToolFilter.for_server(None, ["write_file", "mcp__filesystem__create_directory"]))
    assert {s.name for s in tools.specs()} == {"mcp__filesystem__read_file", "mcp__filesystem__list_directory"}
    refused = await tools.run(ToolCall("w", "mcp__filesystem__write_file", {"path": "x", "content": "no"}))
    assert refused.is_error and "filtered out" in refused.content and not (workspace / "x").exists()
    assert (await toolset_for({}, None)).specs() == []  # no cwd, no file tools


async def test_command_line_runs_in_the_cwd(workspace: Path) -> None:
    tools = await toolset_for({"enable_mcp_command_line": True}, workspace)
    outcome = await tools.run(ToolCall("1", "mcp__command_line__execute_command", {"command": "pwd && cat notes.txt"}))
    assert not outcome.is_error
    assert str(workspace) in outcome.content and "inside" in outcome.content and "exit code: 0" in outcome.content
    failed = await tools.run(ToolCall("2", "mcp__command_line__execute_command", {"command": "echo oops >&2; exit 4"}))
    assert failed.is_error and "exit code: 4" in failed.content and "oops" in failed.content
    outside = await tools.run(ToolCall("3", "mcp__command_line__execute_command", {"command": "ls", "work_dir": ".."}))
    assert outside.is_error and "outside" in outside.content


async def test_command_patterns_timeout_and_output_limit(workspace: Path) -> None:
    backend = {
        "enable_mcp_command_line": True,
        "command_line_allowed_commands": [r"echo\b", r"sleep\b", r"yes\b", r"head\b"],  # every command of a line
        "command_line_blocked_commands": [r"echo\s+forbidden"],
        "command_line_timeout": 1,
    }
    tools = await toolset_for(backend, workspace)
    run = lambda command: tools.run(ToolCall("c", "mcp__command_line__execute_command", {"command": command}))  # noqa: E731
    assert "hello" in (await run("echo hello")).content
    not_allowed = await run("cat notes.txt")
    assert not_allowed.is_error and "matches none of command_line_allowed_commands" in not_allowed.content
    blocked = await run("echo forbidden words")
    assert blocked.is_error and "command_line_blocked_commands" in blocked.content
    marker = workspace / "late.txt"
    slow = await run(f"sleep 5; echo late > {marker}")
    assert slow.is_error and "timed out after 1s" in slow.content
    big = await run("yes | head -c 200000")
    assert "truncated, 200000 bytes in all" in big.content and len(big.content) < 70_000
    assert not marker.exists()


async def test_docker_mode_without_an_engine_is_a_clear_error(workspace: Path) -> None:
    if os.path.exists("/var/run/docker.sock"):
        pytest.skip("a Docker engine socket exists here; this test needs a machine without one")
    with pytest.raises(DockerUnavailable, match="docker needs .*(engine|CLI)"):
        await check_docker()
    with pytest.raises(DockerUnavailable, match="use command_line_execution_mode: local"):
        await toolset_for({"enable_mcp_command_line": True, "command_line_execution_mode": "docker"}, workspace)


async def test_an_execution_mode_this_runtime_lacks_is_a_clear_error(workspace: Path) -> None:
    with pytest.raises(Exception, match="srt is not supported by this runtime; use local or docker"):
        await toolset_for({"enable_mcp_command_line": True, "command_line_execution_mode": "srt"}, workspace)


def test_validate_and_the_schema_say_up_front_that_srt_cannot_run_here() -> None:
    """The runtime refuses srt (above); the parameter's own description says so before any run."""
    from massgen.catalog import load_catalog

    mode = load_catalog().backends["openai"].parameters["command_line_execution_mode"]
    assert "srt" in mode["enum"]  # MassGen accepts it, so configs written for MassGen still validate
    assert "srt" in mode["description"] and "not supported by this runtime" in mode["description"]
