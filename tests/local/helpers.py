"""Running ``massgen run`` as a real subprocess, and a catalog folder that moves the default ports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REPO


@dataclass
class Run:
    code: int
    events: list[dict[str, Any]]
    stdout: str
    stderr: str

    def text(self, agent: str | None = None) -> str:
        return "".join(e["text"] for e in self.events if e["type"] == "text" and agent in (None, e.get("agent")))

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]


def run_massgen(config: str, cwd: Path, question: str = "Say hi", *, catalog: Path | None = None,
                env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    path = cwd / "config.yaml"
    path.write_text(config)
    command = [sys.executable, "-m", "massgen.cli", "run", "--config", str(path), "--output", "jsonl"]
    if catalog is not None:
        command += ["--catalog", str(catalog)]
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd),
                "MASSGEN_CACHE_DIR": str(cwd / ".cache"), **(env or {})}
    done = subprocess.run([*command, question], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=full_env)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return Run(done.returncode, events, done.stdout, done.stderr)


def ports_catalog(folder: Path, ports: dict[str, int]) -> Path:
    """A ``--catalog`` folder whose copies of the bundled backend files have these default ports (type -> port)."""
    folder.mkdir(parents=True, exist_ok=True)
    for backend, port in ports.items():
        source = (REPO / "capabilities" / "backends" / f"{backend}.yaml").read_text()
        moved, count = re.subn(r"(?m)^default_port: \d+$", f"default_port: {port}", source)
        assert count == 1, f"{backend}.yaml has no default_port line"
        (folder / f"{backend}.yaml").write_text(moved)
    return folder
