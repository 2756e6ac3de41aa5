"""Where an agent's stdio MCP servers start under the HTTP runtime: in the agent's ``cwd`` (absolute), the
directory Claude Code starts them in too, so ``${cwd}`` and relative arguments name one place."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from massgen.agent.setup import open_toolset
from massgen.config import compile_mapping
from massgen.config.plan import AgentPlan
from massgen.events import ToolCall
from tests.mcp.helpers import demo

pytestmark = pytest.mark.anyio


def agent(**backend: object) -> AgentPlan:
    data = {"agent": {"id": "a", "backend": {"type": "openai", "model": "gpt-5-nano", "api_key": "sk-test", **backend}}}
    result = compile_mapping(data, "<test>")
    assert result.spec is not None, result.diagnostics
    return result.spec.agents[0]


async def test_a_stdio_server_without_a_cwd_starts_in_the_agent_s_cwd(tmp_path: Path) -> None:
    # The conftest runs every agent test in tmp_path, so `cwd: workspace` is tmp_path/workspace.
    spec = agent(cwd="workspace", mcp_servers=[demo("fs"), demo("own", cwd=str(tmp_path))])
    async with AsyncExitStack() as stack:
        toolset = await open_toolset(spec, stack)
        started_in = (await toolset.run(ToolCall("1", "mcp__fs__cwd", {}))).content
        own = (await toolset.run(ToolCall("2", "mcp__own__cwd", {}))).content
    assert started_in == str((tmp_path / "workspace").resolve())  # not tmp_path, where massgen runs
    assert own == str(tmp_path.resolve())  # a server's own cwd still wins


async def test_the_cwd_variable_and_the_server_s_directory_are_one_place(tmp_path: Path) -> None:
    spec = agent(cwd="workspace", mcp_servers=[demo("fs", env={"OUT": "${cwd}/shots"})])
    async with AsyncExitStack() as stack:
        toolset = await open_toolset(spec, stack)
        started_in = (await toolset.run(ToolCall("1", "mcp__fs__cwd", {}))).content
        out = (await toolset.run(ToolCall("2", "mcp__fs__get_env", {"name": "OUT"}))).content
    # ${cwd} is absolute, so a server started in the cwd does not see workspace/workspace/shots.
    assert Path(out).is_absolute() and Path(out).resolve() == Path(started_in) / "shots"
