"""One real editor: headless Neovim (Debian's package, installed by scripts/test.sh) with `massgen lsp` as its
language server opens a broken config; the diagnostics it received are printed and must be validate's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

BROKEN = REPO / "tests" / "config" / "broken" / "unsupported-capability.yaml"
SCRIPT = Path(__file__).with_name("neovim_diagnostics.lua")
NVIM = shutil.which("nvim")

pytestmark = pytest.mark.skipif(NVIM is None, reason="needs Neovim (`apt-get install neovim`; scripts/test.sh "
                                "installs it where apt-get can)")


def test_neovim_shows_the_diagnostics(tmp_path: Path) -> None:
    out = tmp_path / "diagnostics.jsonl"
    env = {**os.environ, "MASSGEN_LSP_PYTHON": sys.executable, "MASSGEN_CONFIG": str(BROKEN),
           "MASSGEN_OUT": str(out), "XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path),
           "XDG_STATE_HOME": str(tmp_path)}
    done = subprocess.run([NVIM, "--headless", "--clean", "-n", "-c", f"luafile {SCRIPT}"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    received = [json.loads(line) for line in out.read_text().splitlines()]
    print("Neovim received:", *(f"{d.get('line')}:{d.get('column')} {d.get('code')} {d.get('message')}"
                                for d in received), sep="\n  ")
    validate = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--format", "json", str(BROKEN)],
                              capture_output=True, text=True, cwd=REPO, timeout=60)
    expected = json.loads(validate.stdout)["diagnostics"]
    assert len([d for d in expected if d["code"] != "api-key-source"]) == 3  # besides one info per agent on its key
    assert sorted((d["line"], d["column"], d["code"], d["message"]) for d in received) == sorted(
        (d["line"], d["column"], d["code"], d["message"]) for d in expected)
    assert {d["source"] for d in received} == {"massgen"}
