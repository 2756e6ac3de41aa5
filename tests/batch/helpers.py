"""What the batch tests share: configs pointing at the loopback protocol server, answers that depend on the
question, and ``massgen batch`` run as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import REPO
from tests.mcp.helpers import DEMO_SERVER
from tests.protocol_server import Call, ProtocolServer, Reply, Request, Turn

KEY = "batch-test-key-5c81e0d2"
QUESTION_TAG = re.compile(r"Q(\d+)#")  # every test question carries its number, so answers can depend on it
AGENTS = {"openai_chat": "chatter", "anthropic_messages": "claudia", "gemini": "gemma"}


def single_config(server: ProtocolServer, mcp: str = "") -> str:
    return textwrap.dedent(f"""\
        agent:
          id: solo
          backend: {{type: openai, base_url: "{server.openai_base_url}", model: gpt-4o-mini{mcp}}}
        """)


def team_config(server: ProtocolServer) -> str:
    return textwrap.dedent(f"""\
        agents:
          - id: chatter
            backend: {{type: chatcompletion, base_url: "{server.openai_base_url}", api_key: "${{OPENAI_API_KEY}}", model: gpt-4o-mini}}
          - id: claudia
            backend: {{type: claude, base_url: "{server.base_url}", model: claude-sonnet-4-6}}
          - id: gemma
            backend: {{type: gemini, base_url: "{server.base_url}", model: gemini-2.5-flash}}
        timeout_settings: {{orchestrator_timeout_seconds: 60}}
        """)


def counting_mcp(log: Path) -> str:
    """A backend's ``mcp_servers`` entry: the demo MCP server, which appends its pid to ``log`` when it starts."""
    code = (f"import os, runpy, sys; open({str(log)!r}, 'a').write(str(os.getpid()) + chr(10)); "
            f"sys.argv = [{str(DEMO_SERVER)!r}]; runpy.run_path({str(DEMO_SERVER)!r}, run_name='__main__')")
    return f", mcp_servers: [{{name: demo, type: stdio, command: {json.dumps(sys.executable)}, args: [-c, {json.dumps(code)}]}}]"


def tag(request: Request) -> str:
    match = QUESTION_TAG.search(request.raw.decode("utf-8", "replace"))
    return match.group(1) if match else "?"


def solo_answer(delay: float = 0.0) -> Callable[[Request], Turn | Reply]:
    """A single agent's model: answers "answer N" to question N, with ``delay`` seconds between its events."""

    def answer(request: Request) -> Turn:
        return Turn(text=f"answer {tag(request)}", usage=(11, 7), delay=delay)

    return answer


def team_answer(request: Request) -> Turn:
    """Three agents: each answers once, then votes for agent1; the presenter repeats the question's number."""
    names = request.tool_names()
    who = AGENTS[request.protocol or ""]
    if "new_answer" not in names and "vote" not in names:
        return Turn(text=f"final {tag(request)} by {who}", usage=(5, 3))
    if not re.search(r"<agent\d> ", request.raw.decode()):
        return Turn(tool_calls=[Call("new_answer", {"content": f"{who} answers {tag(request)}"})], usage=(20, 4))
    return Turn(tool_calls=[Call("vote", {"agent_id": "agent1", "reason": "clearest"})], usage=(30, 2))


class Recording:
    """A handler wrapper that notes when each request arrived (seconds on the monotonic clock) and its question."""

    def __init__(self, inner: Callable[[Request], Turn | Reply]) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.arrivals: list[tuple[float, str]] = []

    def __call__(self, request: Request) -> Turn | Reply:
        with self.lock:
            self.arrivals.append((time.monotonic(), tag(request)))
        return self.inner(request)

    def asked(self) -> list[str]:
        with self.lock:
            return [t for _, t in self.arrivals]


def write_questions(path: Path, numbers: range, **extra: Any) -> Path:
    lines = [json.dumps({"id": f"q{n}", "question": f"Q{n}# What is {n} squared?", **extra, "n": n}) for n in numbers]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return {**keep, "OPENAI_API_KEY": KEY, "ANTHROPIC_API_KEY": KEY, "GEMINI_API_KEY": KEY,
            "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "200"}


def batch_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "massgen.cli", "batch", *args], cwd=cwd, env=env(),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def batch_process(*args: str, cwd: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``massgen batch`` in its own session (a signal sent to it reaches nothing else)."""
    return subprocess.Popen([sys.executable, "-m", "massgen.cli", "batch", *args], cwd=cwd,
                            env={**env(), **(extra_env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def result_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of a results file, each parsed (a line that is not JSON fails the test)."""
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), "the results file ends in the middle of a line"
    return [json.loads(line) for line in text.splitlines()]
