"""The default command (``python -m massgen.cli`` / ``massgen``): the reference page's quick setup verbatim,
quick-mode options, interactive chat."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_run_cli import clean_env, massgen
from tests.protocol_server import (
    ProtocolServer,
    Turn,
    protocol_server,  # noqa: F401  (the fixture)
)

# The quick-setup lines of reference/backends.rst, plus --base-url pointing at the loopback server.
QUICK_SETUP = [
    (["--model", "claude-3-5-sonnet-latest"], "ANTHROPIC_API_KEY", "base_url", "anthropic_messages"),
    (["--model", "gemini-2.5-flash"], "GEMINI_API_KEY", "base_url", "gemini"),
    (["--model", "gpt-5-nano"], "OPENAI_API_KEY", "openai_base_url", "openai_responses"),
    (["--backend", "grok", "--model", "grok-3-mini"], "XAI_API_KEY", "openai_base_url", "openai_responses"),
]


@pytest.mark.parametrize("args, key_env, url_attr, protocol", QUICK_SETUP, ids=["claude", "gemini", "gpt-5", "grok"])
def test_quick_setup_commands(args: list[str], key_env: str, url_attr: str, protocol: str, tmp_path: Path,
                              protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="Forty-two."))
    done = massgen(*args, "--base-url", getattr(protocol_server, url_attr), "Question", cwd=tmp_path,
                   **{key_env: "test-key-0123456789"})
    assert done.returncode == 0, done.stderr
    assert "Forty-two." in done.stdout
    [request] = protocol_server.requests
    assert request.protocol == protocol and request.last_user_text() == "Question"
    assert args[-1] in request.model


@pytest.mark.parametrize("args, key_env", [(a, k) for a, k, _, _ in QUICK_SETUP], ids=["claude", "gemini", "gpt-5", "grok"])
def test_quick_setup_without_a_key_names_the_variable_and_backend(args: list[str], key_env: str, tmp_path: Path) -> None:
    done = massgen(*args, "Question", cwd=tmp_path)  # verbatim: no key set, so nothing goes to the network
    assert done.returncode == 1 and "Traceback" not in done.stderr
    message = done.stdout + done.stderr
    assert key_env in message
    backend = "grok" if "grok" in args else {"claude": "claude", "gemini": "gemini", "gpt": "openai"}[args[1].split("-")[0]]
    assert f"runs on {backend}, which needs an API key" in message


def test_the_massgen_script_and_plain_text(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    script = shutil.which("massgen", path=str(Path(sys.executable).parent))
    assert script, "the massgen console script is installed with the package"
    protocol_server.script(Turn(text="Plain answer.", usage=(3, 2)))
    done = subprocess.run([script, "--model", "gpt-5-nano", "--base-url", protocol_server.openai_base_url,
                           "--system-message", "Answer in {{ braces }} and \"quotes\".", "--no-display", "Question"],
                          cwd=tmp_path, env=clean_env(OPENAI_API_KEY="k"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Plain answer.\n"  # --no-display: only the answer on stdout
    assert "usage: 3 input tokens, 2 output tokens" in done.stderr
    assert protocol_server.requests[0].system_text() == "Answer in {{ braces }} and \"quotes\"."


def test_an_unknown_model_gets_the_compiler_diagnostic(tmp_path: Path) -> None:
    done = massgen("--model", "no-such-model-xyz", "Question", cwd=tmp_path)
    assert done.returncode == 1 and "no-such-model-xyz" in done.stderr and "Traceback" not in done.stderr


def test_misuse_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("agent: {id: a, backend: {type: claude, model: claude-sonnet-4-6}}\n")
    assert massgen("--config", str(config), "--model", "gpt-5-nano", "Q", cwd=tmp_path).returncode == 2
    assert massgen("chat", "Q", cwd=tmp_path).returncode == 2


def test_interactive_chat_keeps_the_conversation(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="Hello Ada."), Turn(text="You are Ada."))
    done = massgen("--model", "gpt-5-nano", "--base-url", protocol_server.openai_base_url, "--no-display",
                   cwd=tmp_path, stdin="My name is Ada.\nWhat is my name?\nexit\n", OPENAI_API_KEY="k")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Hello Ada.", "You are Ada."]
    first, second = protocol_server.requests
    assert first.last_user_text() == "My name is Ada." and second.last_user_text() == "What is my name?"
    assert "Hello Ada." in second.raw.decode()  # the first answer is part of the second request


def test_ctrl_c_at_the_chat_prompt_ends_at_once(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "massgen.cli", "--model", "gpt-5-nano", "--no-display"],
                               cwd=tmp_path, env=clean_env(OPENAI_API_KEY="k"), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = ""
        while not seen.endswith("You: ") and process.poll() is None:
            seen += process.stderr.read(1)  # until the prompt is up; stdin stays open and silent
        time.sleep(0.3)  # the chat is now blocked reading stdin
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)  # not communicate(): closing stdin would end the read by itself
        stderr = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and "interrupted" in stderr and "Traceback" not in stderr


def test_a_multi_agent_chat_goes_on_after_a_question_every_agent_failed(tmp_path: Path,
                                                                        protocol_server: ProtocolServer) -> None:
    from tests.protocol_server import Call, Reply, Request

    def team(request: Request) -> Turn | Reply:
        body = request.raw.decode()
        if "first question" in body:
            return Reply.error(400, "bad request for everyone")
        if "vote" not in request.tool_names():
            return Turn(text="Presented answer.")
        if "<agent1>" in body:
            return Turn(tool_calls=[Call("vote", {"agent_id": "agent1", "reason": "fine"})])
        return Turn(tool_calls=[Call("new_answer", {"content": "an answer"})])

    protocol_server.handler = team
    agent = {"type": "chatcompletion", "model": "m", "base_url": protocol_server.openai_base_url, "api_key": "${K}"}
    (tmp_path / "team.yaml").write_text(json.dumps({"agents": [{"id": "a", "backend": agent}, {"id": "b", "backend": agent}]}))
    done = massgen("chat", "--config", "team.yaml", "--no-display", cwd=tmp_path,
                   stdin="first question\nsecond question\nexit\n", K="k")
    assert done.returncode == 0, done.stderr
    assert "every agent failed" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout.strip().endswith("Presented answer.")
