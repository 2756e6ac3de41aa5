"""The real Claude Code CLI (bundled with claude-agent-sdk) talks to the protocol server like to Anthropic."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.protocol_server import ProtocolServer, Turn


def _claude_binary() -> str | None:
    try:
        import claude_agent_sdk
    except ImportError:
        return shutil.which("claude")
    bundled = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
    return str(bundled) if bundled.exists() else shutil.which("claude")


CLAUDE = _claude_binary()


@pytest.mark.skipif(CLAUDE is None, reason="the claude CLI is not installed (pip install claude-agent-sdk bundles it)")
def test_claude_cli_answers_from_the_scripted_model(tmp_path: Path) -> None:
    with ProtocolServer(handler=lambda request: Turn(text="Hello from the protocol server", usage=(20, 6))) as server:
        env = {**os.environ, "ANTHROPIC_BASE_URL": server.base_url, "ANTHROPIC_API_KEY": "sk-ant-test-key",
               "HOME": str(tmp_path), "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1",
               "DISABLE_AUTOUPDATER": "1"}
        done = subprocess.run([CLAUDE, "-p", "say hi", "--output-format", "json"], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result["result"] == "Hello from the protocol server" and result["is_error"] is False
        messages = [r for r in server.requests if r.path == "/v1/messages"]
        assert messages and messages[-1].wants_stream
        assert messages[-1].headers.get("x-api-key") == "sk-ant-test-key"
        assert messages[-1].last_user_text().endswith("say hi")
