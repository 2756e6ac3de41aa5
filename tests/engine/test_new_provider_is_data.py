"""Adding an OpenAI-compatible provider is one YAML file in an extra catalog folder, and zero Python."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from massgen.backend import create_backend
from massgen.config.compiler import compile_mapping
from massgen.conversation import Message
from massgen.events import Finish, TextDelta
from tests.protocol_server import ProtocolServer, Turn

PRESET = """\
name: acme
title: Acme Inference
base_url: {base_url}
url_match: [acme.example]
api_key_env: [ACME_API_KEY]
models: [acme-large]
request:
  headers: {{x-acme-client: massgen}}
  body: {{stream_options: null}}     # this provider rejects stream_options: the preset says so
"""


@pytest.mark.anyio
async def test_one_yaml_file_adds_a_provider(protocol_server: ProtocolServer, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "acme.yaml").write_text(PRESET.format(base_url=protocol_server.openai_base_url))
    monkeypatch.setenv("MASSGEN_CATALOG_PATH", str(tmp_path))
    monkeypatch.setenv("ACME_API_KEY", "acme-key-123")

    result = compile_mapping({"agents": [{"id": "acme_agent", "backend": {"type": "acme", "model": "acme-large"}}]})
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    spec = result.spec.agents[0]
    protocol_server.script(Turn(text="Hello from Acme", usage=(7, 3)))

    backend = create_backend(spec)  # massgen.backend's protocol factory: nothing Acme-specific anywhere
    events = [e async for e in backend.stream([Message("user", "hi")], [])]

    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello from Acme"
    assert isinstance(events[-1], Finish) and events[-1].agent == "acme_agent"
    request = protocol_server.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer acme-key-123"
    assert request.headers["x-acme-client"] == "massgen"
    assert "stream_options" not in request.body and request.body["model"] == "acme-large"


def test_a_catalog_folder_given_on_the_command_line_reaches_the_engine(protocol_server: ProtocolServer,
                                                                      tmp_path: Path) -> None:
    """``massgen run --catalog DIR`` (no MASSGEN_CATALOG_PATH): the preset's URL and headers are used."""
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "acme.yaml").write_text(PRESET.format(base_url=protocol_server.openai_base_url))
    config = tmp_path / "config.yaml"
    config.write_text("agents:\n  - id: acme_agent\n    backend: {type: acme, model: acme-large}\n")
    protocol_server.script(Turn(text="Hello from Acme"))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ACME_API_KEY": "acme-key-123"}

    done = subprocess.run([sys.executable, "-m", "massgen.cli", "run", "--catalog", str(folder), "--config",
                           str(config), "--output", "jsonl", "hi"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)

    assert done.returncode == 0, done.stdout + done.stderr
    final = json.loads(done.stdout.splitlines()[-1])
    assert final == {"type": "final", "agent": "acme_agent", "content": "Hello from Acme"}
    assert protocol_server.requests[-1].headers["x-acme-client"] == "massgen"
