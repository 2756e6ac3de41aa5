"""A built wheel carries the data folders: a non-editable install works away from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("massgen-*.whl")
    return built


def test_wheel_contains_the_data_folders(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("capabilities", "templates"):
        source = sorted(p.relative_to(REPO).as_posix() for p in (REPO / folder).rglob("*") if p.is_file())
        assert source, folder
        for name in source:
            assert f"massgen/_data/{name}" in names


def test_installed_wheel_runs_without_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "MASSGEN_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("MASSGEN_CATALOG_PATH", None)
    probe = subprocess.run(
        [sys.executable, "-c",
         "import massgen, massgen.resources as r; print(massgen.__file__); print(r.data_dir('capabilities'))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )
    module_file, data = probe.stdout.split()
    assert Path(module_file).is_relative_to(target)
    assert Path(data) == target / "massgen" / "_data" / "capabilities"

    config = tmp_path / "one.yaml"
    config.write_text("agent:\n  id: a\n  backend:\n    type: claude\n    model: claude-sonnet-4\n")
    run = subprocess.run(
        [sys.executable, "-m", "massgen.cli", "validate", "--format", "json", str(config)],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert [d for d in json.loads(run.stdout)["diagnostics"] if d["severity"] == "error"] == []

    # the mock provider ships in the wheel: an offline run works from the installed package alone
    env = {k: v for k, v in env.items() if not k.endswith("_API_KEY")}
    offline = subprocess.run(
        [sys.executable, "-m", "massgen", "run", "--config", str(config), "--mock", "--no-logs", "--output", "jsonl", "Hi"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert offline.returncode == 0, offline.stderr
    final = json.loads(offline.stdout.splitlines()[-1])
    assert final["type"] == "final" and "(mock of `claude-sonnet-4`)" in final["content"]
