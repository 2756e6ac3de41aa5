"""Fixtures of the agent tests: the loopback protocol server, and a scratch working directory (sessions
write their transcripts under ``.massgen/`` of the current directory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.protocol_server import protocol_server  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def _scratch_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
