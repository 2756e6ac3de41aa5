"""``massgen validate`` never quotes a secret written in a config, in any format, wherever it is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SECRETS = ("plain-key-on-next-line-98765", "arg-token-1111", "env-token-2222", "hdr-token-3333",
           "url-pass-4444", "query-token-5555")
CONFIG = """\
agents:
  - id: a
    backend:
      type: chatcompletion
      model: m
      base_url: https://user:url-pass-4444@gw.example/v1
      temperature: hot
      api_key: |
        plain-key-on-next-line-98765
      mcp_servers:
        - name: s
          command: srv
          args: ["--token", "arg-token-1111", "--mode=fast"]
          env: {SERVICE_TOKEN: env-token-2222, OTHER: {bad: 1}}
          headers: {Authorization: "Bearer hdr-token-3333"}
          timeout: lots
        - name: r
          type: sse
          url: https://mcp.example/sse?token=query-token-5555
          headers: {X-Api-Key: [not, text]}
"""


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_no_secret_in_any_format(tmp_path: Path, fmt: str) -> None:
    config = tmp_path / "leak.yaml"
    config.write_text(CONFIG)
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "-v", "--format", fmt, str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "invalid-type" in done.stdout  # the problems are reported...
    for secret in SECRETS:  # ...without a secret
        assert secret not in done.stdout + done.stderr, secret


WRONG_FIELDS = """\
agent:
  id: a
  backend:
    type: gemini
    model: gemini-2.5-flash
    api_kye: AIzaSyWRONGFIELD-1234567890abcdefghij
    apikey: ghp_WRONGFIELD2abcdefghijklmnopqrstuv
    token: "xoxb-WRONGFIELD3-12345"
    tempreature: 0.2
"""


def massgen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "massgen.cli", *args], capture_output=True, text=True, timeout=60)


def test_key_shaped_values_in_wrong_fields_are_masked_and_fixes_never_collide(tmp_path: Path) -> None:
    config = tmp_path / "wrong.yaml"
    config.write_text(WRONG_FIELDS)
    shown = massgen("validate", "-v", str(config))
    diff = massgen("validate", "--diff", str(config))
    for output in (shown.stdout, diff.stdout):
        assert "WRONGFIELD" not in output
    assert "+    temperature: 0.2" in diff.stdout  # the one safe rename is offered...
    assert "+    api_key:" not in diff.stdout  # ...but not two keys renamed to the same one
    massgen("validate", "--fix", str(config))
    after = massgen("validate", "--format", "json", str(config))
    assert "duplicate-key" not in after.stdout and "temperature: 0.2" in config.read_text()
