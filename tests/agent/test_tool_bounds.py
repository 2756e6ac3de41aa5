"""Bounded tool work: file tools read at most MAX_READ_BYTES and only regular files (a FIFO never hangs
them), every call of a tool with a timeout ends in time, and the limits come from the config with the
catalog's defaults (MassGen's, for MassGen's keys)."""

from __future__ import annotations

import asyncio
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from massgen.agent import Tool, ToolOutcome, Toolset
from massgen.config import compile_text
from massgen.conversation import ToolSpec
from massgen.events import ToolCall
from massgen.mcp import ToolFilter
from massgen.tools import builtin_tools
from massgen.tools.files import MAX_READ_BYTES
from massgen.toolset import ToolLimits
from tests.agent.plans import tools_plan

pytestmark = pytest.mark.anyio


async def file_tools(cwd: Path, **backend: Any) -> Toolset:
    return await builtin_tools(tools_plan(cwd, **backend), ToolFilter(), skip_servers=set())


def call(tool: str, **arguments: Any) -> ToolCall:
    return ToolCall("c", f"mcp__filesystem__{tool}", arguments)


async def test_a_fifo_in_the_cwd_is_refused_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    tools = await file_tools(tmp_path)
    read = await asyncio.wait_for(tools.run(call("read_file", path="pipe")), 5)
    assert read.is_error and "'pipe' is a FIFO; only regular files can be read or written" in read.content
    write = await asyncio.wait_for(tools.run(call("write_file", path="pipe", content="x")), 5)
    assert write.is_error and "FIFO" in write.content
    folder = await tools.run(call("read_file", path="."))
    assert folder.is_error and "is a directory" in folder.content


async def test_a_huge_file_is_read_only_as_far_as_the_cap(tmp_path: Path) -> None:
    huge = tmp_path / "huge.log"
    with huge.open("wb") as handle:  # sparse: 3 GB on paper, nothing on disk
        handle.truncate(3 * 1024**3)
    tools = await file_tools(tmp_path)
    tracemalloc.start()
    try:
        # The handler itself (the toolset would further cut its result to MAX_RESULT_CHARS)
        outcome = await tools.tools["mcp__filesystem__read_file"].handler({"path": "huge.log"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not outcome.is_error
    assert outcome.content.startswith("\0" * MAX_READ_BYTES)
    assert outcome.content.endswith(f"(truncated: the first {MAX_READ_BYTES:,} of {3 * 1024**3:,} bytes)")
    assert peak < 12 * MAX_READ_BYTES  # the cap and a few copies of it, never the file


async def test_write_file_still_replaces_a_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a much longer old text")
    tools = await file_tools(tmp_path)
    assert not (await tools.run(call("write_file", path="a.txt", content="new"))).is_error
    assert (tmp_path / "a.txt").read_text() == "new"


async def test_a_tool_that_takes_too_long_is_abandoned_with_a_tool_error() -> None:
    async def stuck(arguments: dict[str, Any]) -> ToolOutcome:
        await asyncio.sleep(30)
        return ToolOutcome("never")

    tools = Toolset().add(Tool(ToolSpec("stuck", "Hangs.", {"type": "object"}), stuck, timeout=0.2))
    outcome = await asyncio.wait_for(tools.run(ToolCall("c", "stuck", {})), 5)
    assert outcome.is_error and outcome.content == "tool 'stuck' did not finish within 0.2s and was abandoned"


async def test_the_file_tools_timeout_is_the_config_s_else_the_catalog_s(tmp_path: Path) -> None:
    default = await file_tools(tmp_path)
    assert {tool.timeout for tool in default.tools.values()} == {60.0}
    configured = await file_tools(tmp_path, tool_timeout=7.5)
    assert {tool.timeout for tool in configured.tools.values()} == {7.5}
    line = await builtin_tools(tools_plan(enable_mcp_command_line=True), ToolFilter(), skip_servers=set())
    assert "(timeout 60s)" in line.tools["mcp__command_line__execute_command"].spec.description


def test_tool_limits_default_to_massgen_s() -> None:
    assert ToolLimits.for_plan(tools_plan()) == ToolLimits(concurrency=1, per_turn=100)
    assert ToolLimits.for_plan(tools_plan(concurrent_tool_execution=True)) == ToolLimits(concurrency=10, per_turn=100)
    assert ToolLimits.for_plan(tools_plan(concurrent_tool_execution=True, max_concurrent_tools=4,
                                          max_tool_calls_per_turn=9)) == ToolLimits(concurrency=4, per_turn=9)


def test_the_concurrency_keys_are_acted_on_now() -> None:
    text = ("agent:\n  id: a\n  backend:\n    type: openai\n    model: gpt-5-nano\n"
            "    concurrent_tool_execution: true\n    max_concurrent_tools: 4\n    max_tool_calls_per_turn: 20\n"
            "    tool_timeout: 30\n")
    assert [d.code for d in compile_text(text, "c.yaml").diagnostics] == ["api-key-source"]  # nothing "not acted on"
