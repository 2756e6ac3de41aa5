"""``massgen docs`` as CI and users run it: print, --output, --check, extra catalog folders, usage errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from massgen.catalog import load_catalog
from massgen.docs import render_page
from tests.conftest import REPO
from tests.docs.test_extra_catalog import ACME


def massgen_docs(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "massgen.cli", "docs", *args], capture_output=True, text=True,
                          timeout=60, cwd=REPO, env={**os.environ, **(env or {})})


def test_committed_docs_are_current():
    done = massgen_docs("--check", "docs/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "up to date" in done.stdout


def test_prints_one_format(tmp_path):
    done = massgen_docs("--format", "md")
    assert done.returncode == 0
    assert done.stdout == render_page(load_catalog(), "md")


def test_check_reports_stale_and_missing_files_with_a_diff(tmp_path):
    out = tmp_path / "docs"
    assert massgen_docs("--output", str(out)).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["backends.md", "backends.rst"]
    assert massgen_docs("--check", str(out)).returncode == 0

    rst = out / "backends.rst"
    rst.write_text(rst.read_text().replace("Local server on port 8000/30000", "Local server on port 8000"))
    (out / "backends.md").unlink()
    done = massgen_docs("--check", str(out))
    assert done.returncode == 1
    assert f"stale: {rst}\n" in done.stdout
    assert "-     - Local server on port 8000\n+     - Local server on port 8000/30000" in done.stdout
    assert f"stale: {out / 'backends.md'} (missing)" in done.stdout
    assert "2 generated doc file(s) out of date" in done.stderr


def test_check_of_one_format_ignores_the_other(tmp_path):
    out = tmp_path / "docs"
    assert massgen_docs("--output", str(out), "--format", "rst").returncode == 0
    assert not (out / "backends.md").exists()
    assert massgen_docs("--check", str(out), "--format", "rst").returncode == 0
    assert massgen_docs("--check", str(out)).returncode == 1


@pytest.mark.parametrize("via", ["option", "env"])
def test_extra_catalog_folder_reaches_the_page(tmp_path, via):
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "acme.yaml").write_text(ACME)
    if via == "option":
        done = massgen_docs("--catalog", str(folder))
    else:
        done = massgen_docs(env={"MASSGEN_CATALOG_PATH": str(folder)})
    assert done.returncode == 0, done.stderr
    assert "   * - **Acme Cloud**\n     - ⭐" in done.stdout


@pytest.mark.parametrize("args", [
    ["--output", "a", "--check", "b"],
    ["--format", "html"],
    ["--format", "md", "--format", "rst"],
    ["--catalog", "/nonexistent/folder"],
])
def test_usage_errors_exit_2(args):
    done = massgen_docs(*args)
    assert done.returncode == 2
    assert "Error:" in done.stderr and "Traceback" not in done.stderr


def test_a_broken_capability_file_is_reported_at_its_place(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "acme.yaml").write_text(ACME.replace("protocol: openai_chat", "protocol: carrier_pigeon"))
    done = massgen_docs("--catalog", str(folder))
    assert done.returncode == 2
    assert f"{folder / 'acme.yaml'}:3:" in done.stderr and "Traceback" not in done.stderr
