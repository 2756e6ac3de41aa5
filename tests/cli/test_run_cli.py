"""``massgen run`` as a real subprocess against the loopback protocol server and real MCP servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.mcp.helpers import DEMO_SERVER, process_gone
from tests.protocol_server import (
    Call,
    ProtocolServer,
    Reply,
    Turn,
    protocol_server,  # noqa: F401  (the fixture)
)

MASSGEN = [sys.executable, "-m", "massgen.cli"]
PROVIDER_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "XAI_API_KEY")
TIMEOUT = 60


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_KEYS and k != "MASSGEN_DEBUG"}
    return {**env, "NO_COLOR": "1", "COLUMNS": "200", **extra}


def massgen(*args: str, cwd: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MASSGEN, *args], cwd=cwd, env=clean_env(**env), input=stdin, capture_output=True,
                          text=True, timeout=TIMEOUT)


def write_config(tmp_path: Path, server: ProtocolServer, **backend: Any) -> Path:
    config = {
        "agents": [{
            "id": "solo",
            "backend": {"type": "chatcompletion", "model": "m1", "base_url": server.openai_base_url,
                        "api_key": "${TEST_PROVIDER_KEY}", **backend},
        }]
    }
    path = tmp_path / "config.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


def demo_server(**extra: Any) -> dict[str, Any]:
    return {"demo": {"type": "stdio", "command": sys.executable, "args": [str(DEMO_SERVER)], **extra}}


def test_jsonl_output_follows_the_contract(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    protocol_server.script(
        Turn(tool_calls=[Call("mcp__demo__add", {"a": 40, "b": 2}, id="c1")], usage=(11, 3)),
        Turn(text="It is 42.", usage=(21, 4)),
    )
    config = write_config(tmp_path, protocol_server, mcp_servers=demo_server(), exclude_tools=["secret"])
    done = massgen("run", "--config", str(config), "--output", "jsonl", "What is 40 + 2?",
                   cwd=tmp_path, TEST_PROVIDER_KEY="sk-test-secret-0123456789")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(e["agent"] == "solo" for e in events)
    assert [e["type"] for e in events] == ["tool_call", "usage", "tool_result", "text", "text", "text", "usage", "final"]
    assert events[0] == {"type": "tool_call", "agent": "solo", "id": "c1", "name": "mcp__demo__add",
                         "arguments": {"a": 40, "b": 2}}
    assert events[2] == {"type": "tool_result", "agent": "solo", "id": "c1", "name": "mcp__demo__add",
                         "content": "42", "is_error": False}
    assert events[-1] == {"type": "final", "agent": "solo", "content": "It is 42."}
    assert events[1] == {"type": "usage", "agent": "solo", "input_tokens": 11, "output_tokens": 3}
    offered = protocol_server.requests[0].tool_names()
    assert "mcp__demo__add" in offered and "mcp__demo__secret" not in offered
    assert "sk-test-secret" not in done.stdout + done.stderr


def test_text_output_streams_the_answer_with_tools_and_usage(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    # The built-in command-line tool: a tool call without the start-up time of an MCP server process.
    protocol_server.script(Turn(tool_calls=[Call("mcp__command_line__execute_command", {"command": "echo pong"})]),
                           Turn(text="Got pong.", usage=(7, 3)))
    config = write_config(tmp_path, protocol_server, enable_mcp_command_line=True, cwd=str(tmp_path / "work"))
    done = massgen("run", "--config", str(config), "Echo ping", cwd=tmp_path, TEST_PROVIDER_KEY="k")
    assert done.returncode == 0, done.stderr
    assert "mcp__command_line__execute_command" in done.stdout and "exit code: 0" in done.stdout
    assert "pong" in protocol_server.requests[1].tool_results()[0]
    assert "Got pong." in done.stdout and "usage:" in done.stdout and "output tokens" in done.stdout


def test_an_error_event_ends_the_run_non_zero(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.error(401, "Incorrect API key provided"))
    config = write_config(tmp_path, protocol_server)
    done = massgen("run", "--config", str(config), "--output", "jsonl", "hi", cwd=tmp_path,
                   TEST_PROVIDER_KEY="sk-live-abcdefghijklmnop")
    assert done.returncode == 1
    [event] = [json.loads(line) for line in done.stdout.splitlines()]
    assert event["type"] == "error" and "Incorrect API key provided" in event["message"]
    assert "sk-live-abcdefghijklmnop" not in done.stdout and "Traceback" not in done.stderr


def test_a_provider_error_in_the_terminal_is_one_readable_line(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.error(400, "context length exceeded: 9000 > 8192"))
    config = write_config(tmp_path, protocol_server)
    done = massgen("run", "--config", str(config), "--no-display", "hi", cwd=tmp_path, TEST_PROVIDER_KEY="k")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert "context length exceeded: 9000 > 8192" in line


def test_validation_errors_stop_the_run_with_the_validate_diagnostics(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("agents:\n  - id: a\n    backend:\n      type: claude\n      model: claude-sonnet-4-6\n"
                      "      enable_web_serch: true\n")
    done = massgen("run", "--config", str(config), "hi", cwd=tmp_path)
    validate = subprocess.run([*MASSGEN, "validate", str(config)], cwd=tmp_path, env=clean_env(),
                              capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 1 and validate.returncode == 1
    assert "enable_web_search" in done.stderr  # the did-you-mean hint
    assert done.stderr == validate.stdout
    assert done.stdout == ""


def test_an_unset_variable_of_an_mcp_server_is_a_clear_error(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    config = write_config(tmp_path, protocol_server, mcp_servers=demo_server(env={"TOKEN": "${DEMO_UNSET_TOKEN}"}))
    done = massgen("run", "--config", str(config), "--no-display", "hi", cwd=tmp_path, TEST_PROVIDER_KEY="k")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    # what `massgen validate` warns about stops a run before anything starts, at the place it is written
    assert "error [unset-env-var] environment variable DEMO_UNSET_TOKEN is not set" in done.stderr
    assert f"{config}:1:" in done.stderr
    assert protocol_server.requests == []  # nothing was sent to the model


def test_ctrl_c_stops_the_run_and_its_mcp_servers(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    protocol_server.script(
        Turn(tool_calls=[Call("mcp__demo__pid", id="p")]),
        Turn(tool_calls=[Call("mcp__demo__sleep", {"seconds": 60}, id="s")]),
    )
    config = write_config(tmp_path, protocol_server, mcp_servers=demo_server())
    process = subprocess.Popen([*MASSGEN, "run", "--config", str(config), "--output", "jsonl", "wait"], cwd=tmp_path,
                               env=clean_env(TEST_PROVIDER_KEY="k"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while len(protocol_server.requests) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert len(protocol_server.requests) == 2, process.communicate(timeout=5)
        server_pid = int(protocol_server.requests[1].tool_results()[0])
        time.sleep(0.5)  # let the sleep call reach the server
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and "interrupted" in stderr and "Traceback" not in stderr
    deadline = time.monotonic() + 10
    while not process_gone(server_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_gone(server_pid)


@pytest.mark.parametrize("output", [["--output", "jsonl"], ["--no-display"], []], ids=["jsonl", "plain", "display"])
def test_a_reader_that_closes_the_output_ends_the_run_quietly(tmp_path: Path, protocol_server: ProtocolServer,
                                                             output: list[str]) -> None:
    """`massgen run ... | head -1`: no traceback, no streaming on for nobody, exit 141."""
    protocol_server.script(Turn(text=[f"w{i}\n" for i in range(2000)], delay=0.002))  # about 4 s, a line a delta
    config = write_config(tmp_path, protocol_server)
    process = subprocess.Popen([*MASSGEN, "run", "--config", str(config), *output, "count"], cwd=tmp_path,
                               env=clean_env(TEST_PROVIDER_KEY="k"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        first = process.stdout.readline()
        process.stdout.close()  # the reader goes away, as `head -1` does
        started = time.monotonic()
        stderr = process.stderr.read()
        process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
    assert "w0" in first
    assert process.returncode == 141 and "Traceback" not in stderr and "Error" not in stderr, stderr
    assert time.monotonic() - started < 3  # it stopped instead of streaming the rest of the answer


def test_when_no_mcp_server_can_start_the_run_fails_clearly(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    from tests.mcp.helpers import EXITS_AT_START

    servers = {"db": {"type": "stdio", "command": sys.executable, "args": ["-c", EXITS_AT_START]},
               "ghost": {"type": "stdio", "command": "no-such-mcp-server-binary"}}
    config = write_config(tmp_path, protocol_server, mcp_servers=servers)
    done = massgen("run", "--config", str(config), "--output", "jsonl", "hi", cwd=tmp_path, TEST_PROVIDER_KEY="k")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    [error] = [json.loads(line) for line in done.stdout.splitlines()]
    assert error["type"] == "error" and "no MCP server could start" in error["message"]
    assert "cannot open the database" in error["message"] and "no-such-mcp-server-binary" in error["message"]
    assert protocol_server.requests == []


def test_docker_mode_without_an_engine_stops_the_run_before_the_model(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    if Path("/var/run/docker.sock").exists():
        pytest.skip("a Docker engine socket exists here; this test needs a machine without one")
    config = write_config(tmp_path, protocol_server, enable_mcp_command_line=True, command_line_execution_mode="docker")
    done = massgen("run", "--config", str(config), "--no-display", "hi", cwd=tmp_path, TEST_PROVIDER_KEY="k")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "docker needs" in done.stderr and "command_line_execution_mode: local" in done.stderr
    assert protocol_server.requests == []
