"""``massgen run --output jsonl`` as a real subprocess with claude_code and ag2 configs, written the way
MassGen's own example configs write them, against the loopback protocol server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.protocol_server import Call, ProtocolServer, Reply, Request, Turn, protocol_server  # noqa: F401

KEY = "sk-test-run-0123456789abcdef"


def run_massgen(config: dict[str, Any], question: str, tmp_path: Path) -> tuple[int, list[dict[str, Any]], str]:
    path = tmp_path / "config.yaml"
    with path.open("w") as handle:
        YAML().dump(config, handle)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home)}
    for name in ("ANTHROPIC_API_KEY", "CLAUDE_CODE_API_KEY", "OPENAI_API_KEY"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "massgen.cli", "run", "--output", "jsonl", "--config", str(path), question],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]  # every line is JSON
    return done.returncode, events, done.stderr


def test_claude_code_config(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    pytest.importorskip("claude_agent_sdk", reason="claude-agent-sdk is not installed")
    workspace = tmp_path / "claude_code_workspace"
    turns = [
        Turn(tool_calls=[Call("Write", {"file_path": str(workspace / "answer.txt"), "content": "42\n"})]),
        Turn(text="I wrote answer.txt."),
    ]

    def handle(request: Request) -> Turn | Reply:
        if request.is_count_tokens:
            return Reply(body={"input_tokens": 1})
        return turns.pop(0) if request.wants_stream and request.tool_names() else Turn(text="title")

    protocol_server.handler = handle
    config = {
        "agents": [
            {
                "id": "claude_code_agent",
                "backend": {
                    "type": "claude_code",
                    "model": "claude-sonnet-4-6",
                    "cwd": "claude_code_workspace",
                    "base_url": protocol_server.base_url,
                    "api_key": KEY,
                    "permission_mode": "acceptEdits",
                },
            }
        ]
    }
    code, events, stderr = run_massgen(config, "Write the answer to answer.txt", tmp_path)
    assert code == 0, stderr
    kinds = [e["type"] for e in events]
    assert "tool_call" in kinds and "tool_result" in kinds
    call = next(e for e in events if e["type"] == "tool_call")
    assert call["name"] == "Write" and call["agent"] == "claude_code_agent"
    assert events[-1] == {"type": "final", "agent": "claude_code_agent", "content": "I wrote answer.txt."}
    assert (workspace / "answer.txt").read_text() == "42\n"  # relative cwd, created in the run's directory
    assert KEY not in json.dumps(events) and KEY not in stderr


def test_ag2_coder_config(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    pytest.importorskip("autogen", reason="ag2 is not installed")
    protocol_server.script(
        Turn(text="```python\ndef factorial(n):\n    return 1 if n < 2 else n * factorial(n - 1)\nprint(factorial(8))\n```"),
        Turn(text="factorial(8) = 40320"),
    )
    config = {
        "agents": [
            {
                "id": "ag2_coder",
                "backend": {
                    "type": "ag2",
                    "agent_config": {
                        "type": "assistant",
                        "name": "AG2_coder",
                        "system_message": "You are a helpful coding assistant.",
                        "llm_config": {"api_type": "openai", "model": "gpt-4o-mini", "base_url": protocol_server.openai_base_url, "api_key": KEY},
                        "code_execution_config": {"executor": {"type": "LocalCommandLineCodeExecutor", "timeout": 60, "work_dir": "./code_execution_workspace"}},
                    },
                },
            }
        ]
    }
    code, events, stderr = run_massgen(config, "Compute the factorial of 8", tmp_path)
    assert code == 0, stderr
    result = next(e for e in events if e["type"] == "tool_result")
    assert result["name"] == "code_execution" and result["content"].strip() == "40320" and not result["is_error"]
    assert events[-1] == {"type": "final", "agent": "ag2_coder", "content": "factorial(8) = 40320"}
    assert (tmp_path / "code_execution_workspace").is_dir()
    assert "40320" in protocol_server.requests[1].last_user_text()


def test_a_config_mistake_is_one_clear_line(tmp_path: Path) -> None:
    pytest.importorskip("autogen", reason="ag2 is not installed")
    config = {"agents": [{"id": "a", "backend": {"type": "ag2", "agent_config": {"name": "x", "llm_config": {"model": "m"}, "code_execution_config": {"executor": {"type": "Sandbox"}}}}}]}
    code, events, stderr = run_massgen(config, "hi", tmp_path)
    assert code != 0
    assert "Traceback" not in stderr + json.dumps(events)
    assert "code executor 'Sandbox' is not supported" in stderr + json.dumps(events)


DEMO_SERVER = Path(__file__).resolve().parent.parent / "mcp" / "servers" / "demo_server.py"


@pytest.mark.parametrize("agents", [1, 2], ids=["single-agent", "team"])
def test_a_claude_code_agent_s_stdio_server_starts_once(protocol_server: ProtocolServer, tmp_path: Path, agents: int) -> None:
    """The CLI starts the agent's MCP servers itself; MassGen must not start a second copy of each."""
    pytest.importorskip("claude_agent_sdk", reason="claude-agent-sdk is not installed")
    starts = tmp_path / "starts.log"

    def handle(request: Request) -> Turn | Reply:
        if request.is_count_tokens:
            return Reply(body={"input_tokens": 1})
        if not (request.wants_stream and request.tool_names()):
            return Turn(text="title")
        results = request.tool_results()
        if not results:
            return Turn(tool_calls=[Call("mcp__demo__add", {"a": 2, "b": 3})])
        if agents == 1 or "5" not in results[-1]:  # answered, or the orchestrator's reply to new_answer
            return Turn(text="5")
        return Turn(tool_calls=[Call("mcp__massgen_tools__new_answer", {"content": "5"})])

    protocol_server.handler = handle
    server = {"name": "demo", "type": "stdio", "command": "/bin/sh",
              "args": ["-c", f'echo "$PPID $(cat /proc/$PPID/comm)" >> "{starts}"; exec "$0" "$@"', sys.executable, str(DEMO_SERVER)]}
    backend = {"type": "claude_code", "model": "claude-sonnet-4-6", "base_url": protocol_server.base_url, "api_key": KEY,
               "mcp_servers": [server]}
    config = {"agents": [{"id": f"agent{i + 1}", "backend": {**backend, "cwd": f"ws{i + 1}"}} for i in range(agents)],
              "orchestrator": {"max_new_answers_per_agent": 1}}
    code, events, stderr = run_massgen(config, "add 2 and 3", tmp_path)
    assert code == 0, (stderr, [e for e in events if e["type"] in ("error", "answer", "vote", "final")])
    assert any(e["type"] == "tool_result" and e["name"] == "mcp__demo__add" and "5" in e["content"] for e in events)
    # Each start names its parent: only Claude Code CLIs started the server, each CLI session once, MassGen never.
    parents = [line.split(maxsplit=1) for line in starts.read_text().splitlines()]
    assert len(parents) >= agents and all("python" not in comm for _, comm in parents), parents
    assert len({pid for pid, _ in parents}) == len(parents), parents


def test_an_azure_agent_with_a_cwd_is_offered_no_mcp_tools(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    """The matrix marks MCP and file operations unsupported on azure_openai: the run offers no file tools."""
    protocol_server.script(Turn(text="No tools here."))
    config = {"agents": [{"id": "azure", "backend": {
        "type": "azure_openai", "model": "gpt-4o", "base_url": protocol_server.base_url + "/", "api_key": KEY,
        "cwd": "azure_workspace"}}]}
    code, events, stderr = run_massgen(config, "hello", tmp_path)
    assert code == 0, stderr
    assert "gives this agent no file tools" in stderr  # the linter's warning, printed before the run
    (request,) = protocol_server.requests
    assert "/openai/deployments/gpt-4o/chat/completions" in request.path
    assert request.tool_names() == [] and "tools" not in request.body
    assert events[-1] == {"type": "final", "agent": "azure", "content": "No tools here."}


def test_an_azure_agent_asking_for_the_command_line_does_not_start(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    config = {"agents": [{"id": "azure", "backend": {
        "type": "azure_openai", "model": "gpt-4o", "base_url": protocol_server.base_url + "/", "api_key": KEY,
        "enable_mcp_command_line": True}}]}
    code, events, stderr = run_massgen(config, "hello", tmp_path)
    assert code == 1 and "[mcp-unsupported]" in stderr and "enable_mcp_command_line" in stderr
    assert protocol_server.requests == []  # refused before anything was sent


def test_groq_s_built_in_tools_are_requested_as_its_preset_declares(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    """Groq's gpt-oss models take browser_search and code_interpreter as tools of their own type (capabilities/
    providers/groq.yaml); the run sends them beside nothing else and streams the answer."""
    protocol_server.script(Turn(text="Searched and computed."))
    config = {"agents": [{"id": "groq", "backend": {
        "type": "groq", "model": "openai/gpt-oss-120b", "base_url": protocol_server.openai_base_url, "api_key": KEY,
        "enable_web_search": True, "enable_code_interpreter": True}}]}
    code, events, stderr = run_massgen(config, "What happened today? Compute 2**10.", tmp_path)
    assert code == 0, stderr
    (request,) = protocol_server.requests
    assert request.body["tools"] == [{"type": "browser_search"}, {"type": "code_interpreter"}]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert events[-1] == {"type": "final", "agent": "groq", "content": "Searched and computed."}


def test_a_preset_without_the_built_in_tool_stops_in_the_linter(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    config = {"agents": [{"id": "fast", "backend": {
        "type": "cerebras", "model": "gpt-oss-120b", "base_url": protocol_server.openai_base_url, "api_key": KEY,
        "enable_web_search": True}}]}
    code, _, stderr = run_massgen(config, "hello", tmp_path)
    assert code == 1 and "`cerebras` has no built-in tool for `enable_web_search`" in stderr
    assert "`type: groq`" in stderr  # the hint names the presets that have it
    assert protocol_server.requests == []
