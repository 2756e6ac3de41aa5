"""How a Claude Code agent's config becomes ``ClaudeAgentOptions``: plain data, checked without the CLI."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from massgen.config import compile_mapping
from massgen.config.plan import AgentPlan
from massgen.runtimes.claude_code.options import build_options
from tests.mcp.helpers import demo


def agent(**backend: Any) -> AgentPlan:
    backend.setdefault("cwd", "ws")  # MassGen requires it for claude_code
    result = compile_mapping({"agent": {"id": "coder", "backend": {"type": "claude_code", **backend}}}, "<test>")
    assert result.spec is not None, [d.message for d in result.diagnostics]
    return result.spec.agents[0]


@pytest.fixture(autouse=True)
def _scratch_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# --- where stdio servers start ---------------------------------------------------------------------

def test_cwd_is_absolute_and_stdio_servers_start_in_it(tmp_path: Path) -> None:
    options = build_options(agent(cwd="ws", mcp_servers=[
        demo("plain"), demo("elsewhere", cwd="data"), demo("same", cwd="ws"), demo("pw", args=["--out=${cwd}/shots"]),
    ]), [])
    workspace = str((tmp_path / "ws").resolve())
    assert options["cwd"] == workspace
    servers = options["mcp_servers"]
    # No cwd of its own: the CLI starts it in its cwd, the agent's (the HTTP runtime does the same).
    assert servers["plain"] == {"type": "stdio", "command": sys.executable, "args": demo()["args"]}
    assert servers["same"] == servers["plain"]
    # A cwd of its own is absolute, relative to where massgen runs (not to the agent's cwd, which would be ws/data).
    assert servers["elsewhere"]["command"] == "/bin/sh"
    assert servers["elsewhere"]["args"][2] == str((tmp_path / "data").resolve())
    # ${cwd} is absolute, so the server (started in ws) does not look in ws/ws.
    assert servers["pw"]["args"] == [f"--out={os.path.abspath('ws')}/shots"]


def test_no_cwd_is_an_error_with_a_hint() -> None:
    # MassGen: "Claude Code backend requires 'cwd' configuration for workspace management"; without it the
    # CLI would write its .claude/ folder wherever massgen was started.
    result = compile_mapping({"agent": {"id": "coder", "backend": {"type": "claude_code"}}}, "<test>")
    [error] = [d for d in result.diagnostics if d.is_error]
    assert error.code == "missing-required-parameter" and "`cwd`" in error.message and "cwd:" in (error.hint or "")
    assert result.spec is None  # so no plan, and no run, exists without it


def test_a_command_written_as_one_string_or_a_list_runs_as_massgen_splits_it() -> None:
    options = build_options(agent(mcp_servers=[
        {"name": "one", "command": f"{sys.executable} server.py 'tools file.json'"},
        {"name": "listed", "command": [sys.executable, "server.py"], "args": ["x"]},
    ]), [])
    servers = options["mcp_servers"]
    assert servers["one"] == {"type": "stdio", "command": sys.executable, "args": ["server.py", "tools file.json"]}
    assert servers["listed"] == {"type": "stdio", "command": sys.executable, "args": ["server.py", "x"]}


# --- which tools are approved ----------------------------------------------------------------------

def test_allowed_mcp_tools_approve_only_those_not_their_whole_server() -> None:
    options = build_options(agent(allowed_tools=["Read", "mcp__fs__read_file"], mcp_servers=[demo("fs"), demo("other")]), [])
    assert "mcp__fs" not in options["allowed_tools"]  # would approve write_file too; ToolFilter offers read_file only
    assert "mcp__fs__read_file" in options["allowed_tools"] and options["tools"] == ["Read"]
    assert "mcp__other" in options["allowed_tools"]  # a server allowed_tools does not name: approved as before


def test_a_bare_tool_name_approves_that_tool_of_each_server_and_is_not_a_native_tool() -> None:
    options = build_options(agent(allowed_tools=["Read", "read_file"], mcp_servers=[demo("fs"), demo("docs")]), [])
    assert {"mcp__fs__read_file", "mcp__docs__read_file"} <= set(options["allowed_tools"])
    assert "mcp__fs" not in options["allowed_tools"] and "mcp__docs" not in options["allowed_tools"]
    assert options["tools"] == ["Read"]  # `read_file` is an MCP tool's name, not one of the CLI's own


def test_a_server_without_any_allow_list_is_approved_whole() -> None:
    options = build_options(agent(mcp_servers=[demo("fs")]), [])
    assert options["allowed_tools"][:2] == ["mcp__massgen_tools", "mcp__fs"]  # the CLI must not ask, unattended


def test_without_allowed_tools_the_catalog_s_native_tools_are_the_set_and_approved() -> None:
    from massgen.catalog import load_catalog

    native = load_catalog().backends["claude_code"].data["native_tools"]
    options = build_options(agent(), [])
    assert options["tools"] == native and set(native) <= set(options["allowed_tools"])
    assert options["env"]["CLAUDE_CODE_ENABLE_TASKS"] == "false"  # TodoWrite, not the CLI's Task* tools
    assert "Bash(rm*)" in options["disallowed_tools"]  # deny rules still win over the approval


def test_a_server_s_own_allowed_tools_replace_the_backend_s_for_it() -> None:
    options = build_options(agent(allowed_tools=["mcp__fs__read_file", "mcp__fs__write_file"],
                                  mcp_servers=[demo("fs", allowed_tools=["read_file"], disallowed_tools=["secret"])]), [])
    assert [r for r in options["allowed_tools"] if r.startswith("mcp__fs")] == ["mcp__fs__read_file"]
    assert "mcp__fs__secret" in options["disallowed_tools"]


def test_enable_web_search_approves_the_web_tools_of_the_default_set() -> None:
    on = build_options(agent(enable_web_search=True), [])
    assert {"WebSearch", "WebFetch"} <= set(on["allowed_tools"]) and {"WebSearch", "WebFetch"} <= set(on["tools"])
    assert not {"WebSearch", "WebFetch"} & set(build_options(agent(), [])["allowed_tools"])
    listed = build_options(agent(enable_web_search=True, allowed_tools=["Read"]), [])  # allowed_tools decides
    assert listed["tools"] == ["Read"] and "WebSearch" not in listed["allowed_tools"]


# --- the system prompt and the other Claude Code keys -------------------------------------------------

def test_massgen_s_instructions_are_the_whole_prompt_unless_use_default_prompt() -> None:
    assert build_options(agent(), ["Vote well."])["system_prompt"] == "Vote well."
    assert build_options(agent(append_system_prompt="Be brief."), ["Vote well."])["system_prompt"] == "Be brief.\n\nVote well."
    assert build_options(agent(use_default_prompt=True), ["Vote well."])["system_prompt"] == {
        "type": "preset", "preset": "claude_code", "append": "Vote well."}
    assert build_options(agent(use_default_prompt=True, system_prompt="Mine."), ["Vote well."])["system_prompt"] == "Mine.\n\nVote well."


def test_setting_sources_and_reasoning_effort_are_passed() -> None:
    options = build_options(agent(setting_sources=["project"], reasoning={"effort": "high"}), [])
    assert options["setting_sources"] == ["project"] and options["effort"] == "high"
    plain = build_options(agent(), [])
    assert plain["setting_sources"] == [] and "effort" not in plain  # no settings file can change a run


def test_the_sdk_accepts_every_option() -> None:
    sdk = pytest.importorskip("claude_agent_sdk", reason="claude-agent-sdk is not installed")
    spec = agent(cwd="ws", use_default_prompt=True, setting_sources=["user"], reasoning={"effort": "max"},
                 enable_web_search=True, max_turns=3, mcp_servers=[demo("fs", cwd="data")])
    options = sdk.ClaudeAgentOptions(**build_options(spec, ["Vote well."]))
    assert (options.effort, options.setting_sources, options.max_turns) == ("max", ["user"], 3)


def test_context_paths_become_extra_directories_and_read_only_ones_deny_edits(tmp_path: Path) -> None:
    options = build_options(agent(cwd="ws", context_paths=["docs", {"path": str(tmp_path / "out"), "permission": "write"}]), [])
    docs = str((tmp_path / "docs").resolve())
    assert options["add_dirs"] == [docs, str(tmp_path / "out")]
    assert f"Edit(/{docs}/**)" in options["disallowed_tools"]  # //abs/path: the CLI's absolute form
    assert not any("out" in rule for rule in options["disallowed_tools"])
    assert "add_dirs" not in build_options(agent(cwd="ws"), [])
