"""`massgen schema` in a real editor engine: yaml-language-server (Red Hat's, used by VS Code, Neovim, ...)
loads the printed schema through the `# yaml-language-server: $schema=...` modeline and flags the same
mistakes the compiler does. Spoken to over stdio with the Language Server Protocol, as an editor does.

Needs Node.js and the npm package yaml-language-server (pinned, installed under .ci/node by the test
set-up); skips with the reason otherwise.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

SERVER = REPO / ".ci" / "node" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not SERVER.exists(),
    reason=f"needs node and the npm package yaml-language-server at {SERVER}",
)


class LanguageServer:
    """A minimal LSP client: Content-Length framed JSON-RPC over the server's stdin/stdout."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(["node", str(SERVER), "--stdio"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> int:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while (line := self.process.stdout.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        if not length:
            raise RuntimeError("yaml-language-server closed its output")
        return json.loads(self.process.stdout.read(length))

    def wait_for(self, wanted, deadline: float) -> dict[str, Any]:
        """Read until ``wanted(message)``; answer the server's own requests (configuration) on the way."""
        while time.monotonic() < deadline:
            message = self.receive()
            if "id" in message and "method" in message:  # a request from the server
                items = message.get("params", {}).get("items", [])
                result = [{"validate": True, "schemaStore": {"enable": False}} for _ in items] or None
                self.send({"id": message["id"], "result": result})
            elif wanted(message):
                return message
        raise TimeoutError("yaml-language-server did not answer in time")

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def diagnostics_for(text: str, tmp_path: Path, schema: Path) -> list[dict[str, Any]]:
    document = tmp_path / "config.yaml"
    document.write_text(f"# yaml-language-server: $schema={schema.as_uri()}\n{text}")
    server = LanguageServer()
    deadline = time.monotonic() + TIMEOUT
    try:
        init = server.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {
            "workspace": {"configuration": True}}})
        server.wait_for(lambda m: m.get("id") == init, deadline)
        server.send({"method": "initialized", "params": {}})
        server.send({"method": "workspace/didChangeConfiguration",
                     "params": {"settings": {"yaml": {"validate": True, "schemaStore": {"enable": False}}}}})
        server.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": document.as_uri(), "languageId": "yaml", "version": 1, "text": document.read_text()}}})
        published = server.wait_for(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == document.as_uri(), deadline)
        return published["params"]["diagnostics"]
    finally:
        server.close()


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "massgen.schema.json"
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "schema"], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    path.write_text(done.stdout)
    return path


def test_editor_flags_a_typo_and_a_bad_value(schema: Path, tmp_path: Path) -> None:
    text = (
        "agents:\n"
        "  - id: a\n"
        "    backend:\n"
        "      type: claude\n"
        "      enable_websearch: true\n"
        "      temperature: 1.5\n"
    )
    diagnostics = diagnostics_for(text, tmp_path, schema)
    found = {(d["range"]["start"]["line"], d.get("severity")) for d in diagnostics}
    # LSP lines are 0-based and the modeline is line 0: `enable_websearch` is line 5, temperature line 6.
    assert {(5, 1), (6, 1)} <= found
    assert any("enable_websearch" in d["message"] for d in diagnostics)


def test_editor_accepts_a_valid_config(schema: Path, tmp_path: Path) -> None:
    text = (REPO / "examples" / "three_agents.yaml").read_text()
    assert diagnostics_for(text, tmp_path, schema) == []
