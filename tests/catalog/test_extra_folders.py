"""A user adds a provider preset and a whole backend type from a folder, with no code change."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from massgen.catalog import load_catalog
from massgen.config import compile_file
from tests.conftest import REPO

PRESET = """\
name: acme
title: Acme Inference
aliases: [acme_ai]
base_url: https://api.acme-inference.example/v1
url_match: [acme-inference.example]
api_key_env: [ACME_API_KEY]
models: [acme-large]
"""

BACKEND = """\
type: localgpt
title: LocalGPT server
protocol: openai_chat
api_key_required: false
base_url: http://localhost:7777/v1
default_port: 7777
model_patterns: ["^localgpt-"]
capabilities: {web_search: none, code_execution: mcp, file_ops: mcp, mcp: mcp}
tool_flags: {enable_web_search: unsupported, enable_code_execution: unsupported, enable_code_interpreter: unsupported}
parameter_groups: [core, mcp, chat_sampling]
parameters:
  mirostat: {type: integer, enum: [0, 1, 2], description: Mirostat sampling mode.}
"""

CONFIG = """\
agents:
  - id: by-type
    backend: {type: acme, model: acme-large, temperature: 0.3}
  - id: by-url
    backend: {type: chatcompletion, model: acme-large, base_url: "https://api.acme-inference.example/v1"}
  - id: new-backend
    backend: {type: localgpt, model: localgpt-7b, mirostat: 2}
  - id: inferred
    backend: {model: localgpt-13b}
"""


@pytest.fixture
def extra(tmp_path):
    folder = tmp_path / "my-catalog"
    (folder / "providers").mkdir(parents=True)
    (folder / "providers" / "acme.yaml").write_text(PRESET)
    (folder / "localgpt.yaml").write_text(BACKEND)
    return folder


def test_extra_folder_adds_preset_and_backend(extra):
    catalog = load_catalog([extra])
    backend, preset = catalog.resolve_type("acme_ai")
    assert (backend.type, preset.name, preset.api_key_env) == ("chatcompletion", "acme", ["ACME_API_KEY"])
    assert catalog.provider_for_url("https://api.acme-inference.example/v1").name == "acme"
    assert catalog.infer_backend("localgpt-7b").type == "localgpt"
    assert catalog.backends["localgpt"].parameters["mirostat"]["enum"] == [0, 1, 2]
    assert "localgpt" not in load_catalog().backends


def test_environment_variable_adds_the_folder(extra, monkeypatch, tmp_path):
    monkeypatch.setenv("MASSGEN_CATALOG_PATH", f"{tmp_path / 'empty-slot'}{os.pathsep}{extra}")
    (tmp_path / "empty-slot").mkdir()
    assert "localgpt" in load_catalog().backends
    assert "localgpt" not in load_catalog(use_env=False).backends


def test_a_config_using_them_validates(extra, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    result = compile_file(config, catalog=load_catalog([extra]))
    errors = [(d.line, d.code, d.message) for d in result.diagnostics if d.is_error]
    assert errors == []
    agents = [(a.backend_type, a.provider, a.api_key.variables) for a in result.spec.agents]
    assert agents[:2] == [("chatcompletion", "acme", ("ACME_API_KEY",))] * 2
    assert [a[0] for a in agents[2:]] == ["localgpt", "localgpt"]


def test_without_the_folder_the_same_config_fails(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    result = compile_file(config, catalog=load_catalog())
    codes = {(d.line, d.code) for d in result.diagnostics if d.is_error}
    assert (3, "unknown-backend-type") in codes and (7, "unknown-backend-type") in codes


def test_a_wrong_value_for_a_user_parameter_is_caught(extra, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("agent:\n  backend: {type: localgpt, model: localgpt-7b, mirostat: 5}\n")
    result = compile_file(config, catalog=load_catalog([extra]))
    assert [(d.line, d.path) for d in result.diagnostics if d.is_error] == [(2, "/agent/backend/mirostat")]


def test_massgen_validate_with_catalog_option(extra, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)

    def validate(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "massgen.cli", "validate", *args, str(config)],
                              capture_output=True, text=True, cwd=REPO, timeout=60)

    with_folder = validate("--catalog", str(extra))
    assert with_folder.returncode == 0, with_folder.stdout + with_folder.stderr
    without = validate()
    assert without.returncode == 1
    assert "unknown backend type" in without.stdout


def test_a_retired_model_is_a_warning_and_a_retiring_one_an_info(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "oldgpt.yaml").write_text(BACKEND.replace("type: localgpt", "type: oldgpt") + (
        'model_retirements: {oldgpt-1: "2001-01-01", oldgpt-2: "2999-12-31"}\n'
        'model_retirements_source: https://example.com/oldgpt/deprecations\n'))
    catalog = load_catalog([folder])
    config = tmp_path / "c.yaml"
    config.write_text("agents:\n  - {id: a, backend: {type: oldgpt, model: OLDGPT-1}}\n"
                      "  - {id: b, backend: {type: oldgpt, model: oldgpt-2}}\n  - {id: c, backend: {type: oldgpt, model: oldgpt-3}}\n")
    found = [(d.line, d.severity.value, d.code, d.message) for d in compile_file(config, catalog=catalog).diagnostics]
    assert found == [
        (2, "warning", "model-retired", "`OLDGPT-1` was retired on 2001-01-01: the provider rejects it"),
        (3, "info", "model-retiring", "`oldgpt-2` will be retired on 2999-12-31"),
    ]


def test_the_bundled_catalog_s_retirement_dates_are_the_sdk_s():
    """Every date the catalog holds is the one the anthropic SDK warns with (a newer SDK may know more)."""
    import re
    from datetime import datetime

    import anthropic._data as sdk

    def iso(text: str) -> str:  # "November 30th, 2026" -> "2026-11-30"
        return datetime.strptime(re.sub(r"(\d+)(st|nd|rd|th)", r"\1", text), "%B %d, %Y").date().isoformat()

    retirements = load_catalog().backends["claude"].model_retirements
    shared = {m: d for m, d in retirements.items() if m in sdk.DEPRECATED_MODELS}
    assert shared and {m: iso(sdk.DEPRECATED_MODELS[m]) for m in shared} == shared
