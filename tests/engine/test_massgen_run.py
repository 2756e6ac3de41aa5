"""`massgen run --output jsonl` drives the engine end to end against the protocol server (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.engine.helpers import KEY
from tests.protocol_server import ProtocolServer, Reply, Turn

CONFIG = """\
agents:
  - id: solo
    backend:
      type: claude
      model: claude-sonnet-4-6
      base_url: {base_url}
"""


def run(server: ProtocolServer, tmp_path: Path) -> tuple[int, list[dict], str]:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(base_url=server.base_url))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ANTHROPIC_API_KEY": KEY}
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "run", "--config", str(config), "--output", "jsonl",
                           "What is 2+3?"], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, events, done.stdout + done.stderr


def test_jsonl_events_of_a_streamed_answer(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.script(Turn(text="2 + 3 = 5", reasoning="simple sum", usage=(30, 9)))
    code, events, output = run(protocol_server, tmp_path)
    assert code == 0, output
    assert "".join(e["text"] for e in events if e["type"] == "text") == "2 + 3 = 5"
    assert "".join(e["text"] for e in events if e["type"] == "reasoning") == "simple sum"
    assert {"type": "usage", "agent": "solo", "input_tokens": 30, "output_tokens": 9}.items() <= \
        next(e for e in events if e["type"] == "usage").items()
    assert events[-1]["type"] == "final" and events[-1]["content"] == "2 + 3 = 5"
    assert protocol_server.requests[0].headers["x-api-key"] == KEY


def test_provider_error_is_an_error_event_and_a_failing_exit(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.script(Reply.error(401, f"invalid x-api-key {KEY}"))
    code, events, output = run(protocol_server, tmp_path)
    assert code != 0
    errors = [e for e in events if e["type"] == "error"]
    assert errors and "invalid x-api-key" in errors[0]["message"] and errors[0]["retryable"] is False
    assert KEY not in output and "Traceback" not in output
