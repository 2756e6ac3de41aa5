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
