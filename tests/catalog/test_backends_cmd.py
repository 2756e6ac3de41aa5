"""``massgen backends`` and ``massgen backends show``, run as the user runs them (a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def massgen(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "massgen.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=60)


def test_support_matrix(snapshot):
    result = massgen("backends")
    assert result.returncode == 0, result.stderr
    assert result.stdout == snapshot


def test_show_a_backend(snapshot):
    result = massgen("backends", "show", "sglang")
    assert result.returncode == 0, result.stderr
    assert "Default port: 30000" in result.stdout
    assert result.stdout == snapshot


def test_show_a_preset_by_alias(snapshot):
    result = massgen("backends", "show", "kimi")
    assert result.returncode == 0, result.stderr
    assert "MOONSHOT_API_KEY or KIMI_API_KEY" in result.stdout
    assert result.stdout == snapshot


def test_show_lists_ranges_and_defaults():
    lines = massgen("backends", "show", "claude_code").stdout.splitlines()
    row = next(line for line in lines if line.startswith("max_thinking_tokens "))
    assert row.split()[:5] == ["max_thinking_tokens", "integer", "0", "<=", "x"]
    assert "8000" in row
    claude = massgen("backends", "show", "claude").stdout.splitlines()
    temperature = next(line for line in claude if line.startswith("temperature "))
    assert "0 <= x <= 1" in temperature
    retiring = next(line for line in claude if line.startswith("Model retirements:"))
    assert "claude-sonnet-4-5 (2026-11-30)" in retiring and "claude-3-5-sonnet-latest (2025-10-22)" in retiring
    source = next(line for line in claude if line.startswith("Retirements from:"))
    assert "platform.claude.com/docs/en/about-claude/model-deprecations" in source
    groq = massgen("backends", "show", "groq").stdout
    assert "llama-3.1-70b-versatile (2025-01-24)" in groq and "https://console.groq.com/docs/deprecations" in groq


def test_unknown_type_suggests_and_exits_2():
    result = massgen("backends", "show", "claud")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "unknown backend type 'claud'; did you mean `claude`?" in result.stderr
    assert "Traceback" not in result.stderr


def test_extra_folder_option(tmp_path):
    (tmp_path / "acme.yaml").write_text(
        "name: acme\ntitle: Acme\nurl_match: [acme.example]\napi_key_env: [ACME_API_KEY]\n")
    assert "ACME_API_KEY" in massgen("backends", "--catalog", str(tmp_path)).stdout
    assert "Preset:" in massgen("backends", "show", "acme", "--catalog", str(tmp_path)).stdout


def test_broken_extra_folder_is_reported_with_its_place(tmp_path):
    (tmp_path / "acme.yaml").write_text("name: acme\ntitle: Acme\nurl_match: [acme.example]\napi_key_env: [acme]\n")
    result = massgen("backends", "--catalog", str(tmp_path))
    assert result.returncode == 2
    assert f"{tmp_path / 'acme.yaml'}:4:15: error [catalog-schema]" in result.stderr
    assert "Traceback" not in result.stderr


def test_backends_does_not_import_the_http_stack():
    probe = (
        "import sys; from massgen.cli import main\n"
        "try:\n    main(['backends'], prog_name='massgen')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('httpx', 'mcp', 'anthropic', 'openai', 'rich') if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.stderr.strip().splitlines()[-1] == "[]"
