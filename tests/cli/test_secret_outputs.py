"""Secrets of the plan never reach an output: stdout, stderr, the transcript, or a request to the model."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

from tests.cli.test_run_cli import massgen
from tests.mcp.helpers import DEMO_SERVER
from tests.protocol_server import Call, ProtocolServer, Turn, protocol_server  # noqa: F401  (the fixture)

TOKEN = "mcp-url-token-5ecret-0987"
KEY = "gateway-key-5ecret-1234"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def everything(tmp_path: Path, result, server: ProtocolServer) -> str:
    sessions = "".join(p.read_text() for p in (tmp_path / ".massgen" / "sessions").glob("*.jsonl"))
    requests = "".join(r.raw.decode() + json.dumps(r.headers) for r in server.requests)
    return result.stdout + result.stderr + sessions + requests


def test_an_mcp_url_token_and_the_key_are_masked_everywhere(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    protocol_server.script(
        Turn(tool_calls=[Call("mcp__remote__search", {"q": "x"}, id="c1"),
                         Call("mcp__demo__get_env", {"name": "DEMO_TOKEN"}, id="c2")]),
        Turn(text="Done without the remote server."),
    )
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({"agent": {"id": "solo", "backend": {
        "type": "chatcompletion", "model": "m1", "base_url": protocol_server.openai_base_url, "api_key": "${GW_KEY}",
        "mcp_servers": [{"name": "remote", "type": "sse", "url": f"http://127.0.0.1:{closed_port()}/sse?token={TOKEN}"},
                        {"name": "demo", "type": "stdio", "command": sys.executable, "args": [str(DEMO_SERVER)],
                         "env": {"DEMO_TOKEN": TOKEN + "-env"}}]}}}))
    for output in ("jsonl", "text"):
        result = massgen("run", "--config", str(config), "--output", output, "Search it", cwd=tmp_path, GW_KEY=KEY)
        seen = everything(tmp_path, result, protocol_server)
        assert "remote" in result.stdout + result.stderr  # the notice about the server is there
        assert protocol_server.requests[-1].headers["authorization"] == f"Bearer {KEY}"  # the key was sent
        protocol_server.requests[-1].headers.pop("authorization")
        assert '"***"' in protocol_server.requests[-1].raw.decode()  # get_env answered, masked for the model
        assert TOKEN not in seen and KEY not in seen.replace(f"Bearer {KEY}", "")
        protocol_server.script(Turn(tool_calls=[Call("mcp__remote__search", {"q": "x"}, id="c1"),
                         Call("mcp__demo__get_env", {"name": "DEMO_TOKEN"}, id="c2")]),
                               Turn(text="Done without the remote server."))


def test_a_key_the_model_echoes_is_masked_in_the_streamed_text(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text=["Your key is ", KEY, " - keep it safe."]))
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({"agent": {"id": "solo", "backend": {
        "type": "chatcompletion", "model": "m1", "base_url": protocol_server.openai_base_url, "api_key": "${GW_KEY}"}}}))
    result = massgen("run", "--config", str(config), "--output", "jsonl", "What is my key?", cwd=tmp_path, GW_KEY=KEY)
    assert result.returncode == 0, result.stderr
    texts = [json.loads(line) for line in result.stdout.splitlines()]
    assert "".join(e["text"] for e in texts if e["type"] == "text") == "Your key is *** - keep it safe."
    assert KEY not in result.stdout

