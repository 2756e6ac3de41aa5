"""A cell the catalog cannot fill is an error naming the backend (or preset) and the field, never a blank."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from ruamel.yaml import YAML

from massgen.catalog import load_catalog
from massgen.docs import DocsError, render_page
from massgen.resources import data_dir

Edit = Callable[[dict[str, Any]], None]


def override(folder, kind: str, name: str, edit: Edit) -> None:
    """Copy a bundled capability file into an extra folder (which replaces it), edited."""
    yaml = YAML(typ="safe", pure=True)
    data = yaml.load(data_dir("capabilities") / kind / f"{name}.yaml")
    edit(data)
    folder.mkdir(exist_ok=True)
    with (folder / f"{name}.yaml").open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)


def drop(*path: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]
    return edit


def put(value: Any, *path: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value
    return edit


CASES = [
    ("backends", "claude", drop("docs", "tool_notes"), "backend 'claude'", "docs.tool_notes"),
    ("backends", "grok", drop("docs", "matrix_order"), "backend 'grok'", "docs.matrix_order"),
    ("backends", "zai", drop("docs", "section"), "backend 'zai'", "docs.section"),
    ("backends", "openai", drop("docs", "code_execution_detail"), "backend 'openai'", "docs.code_execution_detail"),
    ("backends", "vllm", drop("default_port"), "backend 'vllm'", "default_port"),
    ("backends", "claude_code", drop("native_tools"), "backend 'claude_code'", "native_tools"),
    ("backends", "sglang", put("builtin", "capabilities", "web_search"), "backend 'sglang'", "capabilities"),
    ("backends", "claude", put(["backend_type", "mcp_suport"], "docs", "section", "rows"),
     "backend 'claude'", "docs.section.rows"),
    ("backends", "grok", put("llama-3", "docs", "quick_setup", "model"), "backend 'grok'", "docs.quick_setup.model"),
    ("backends", "gemini", put("gpt-5-nano", "docs", "quick_setup", "model"), "backend 'gemini'",
     "docs.quick_setup.model"),
    ("backends", "claude_code", put('backend:\n  type: claude_code\n  max_thinking_tokenz: 5\n', "docs",
                                    "parameters_example"), "backend 'claude_code'", "docs.parameters_example"),
    ("backends", "chatcompletion", lambda d: d["docs"]["section"].update(
        example=d["docs"]["section"]["example"].replace("CEREBRAS_API_KEY", "GROQ_API_KEY")),
     "backend 'chatcompletion'", "docs.section.example"),
    ("backends", "azure_openai", put(["tools_support"], "docs", "section", "rows"),
     "backend 'azure_openai'", "docs.section.rows"),
    ("backends", "gemini", put("Full integration", "docs", "mcp_notes"), "backend 'gemini'", "docs.mcp_notes"),
    ("backends", "lmstudio", put("x", "docs", "section", "intro_text"), "backend 'lmstudio'",
     "docs.section.intro_text"),
    ("providers", "groq", put(False, "docs", "featurd"), "provider preset 'groq'", "docs.featurd"),
    ("providers", "poe", drop("docs", "order"), "provider preset 'poe'", "docs.order"),
    ("providers", "nebius", drop("docs", "base_url_text"), None, None),  # falls back to base_url: fine
]


@pytest.mark.parametrize(("kind", "name", "edit", "who", "field"), CASES,
                         ids=[f"{c[1]}-{c[4]}" for c in CASES])
def test_missing_field_names_backend_and_field(tmp_path, kind, name, edit, who, field):
    folder = tmp_path / "extra"
    override(folder, kind, name, edit)
    catalog = load_catalog([folder])
    if who is None:
        assert "Nebius AI Studio** | `https://api.studio.nebius.ai/v1`" in render_page(catalog, "md")
        return
    with pytest.raises(DocsError) as caught:
        render_page(catalog, "rst")
    message = str(caught.value)
    assert who in message and f"{field}:" in message


def test_a_misspelt_docs_key_suggests_the_right_one(tmp_path):
    folder = tmp_path / "extra"
    override(folder, "backends", "gemini", put("Full integration", "docs", "mcp_notes"))
    with pytest.raises(DocsError, match="unknown key; did you mean `mcp_note`"):
        render_page(load_catalog([folder]), "rst")


def test_an_example_the_linter_rejects_is_reported_with_its_line(tmp_path):
    folder = tmp_path / "extra"
    example = 'backend:\n  type: "claude_code"\n  cwd: "x"\n  max_thinking_tokens: "many"\n'
    override(folder, "backends", "claude_code", put(example, "docs", "parameters_example"))
    with pytest.raises(DocsError, match=r"does not pass `massgen validate`: line 4: .*max_thinking_tokens"):
        render_page(load_catalog([folder]), "rst")


def test_a_backend_without_any_setup_source_names_docs_setup(tmp_path):
    folder = tmp_path / "extra"
    override(folder, "backends", "lmstudio", lambda d: (d["docs"].pop("setup"), d.pop("default_port"),
                                                        d.pop("api_key_env")))
    with pytest.raises(DocsError, match=r"backend 'lmstudio' .*: docs\.setup: missing"):
        render_page(load_catalog([folder]), "md")


def test_cli_reports_the_error_without_a_traceback(tmp_path):
    folder = tmp_path / "extra"
    override(folder, "backends", "claude", drop("docs", "tool_notes"))
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "docs", "--catalog", str(folder)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "backend 'claude'" in done.stderr and "docs.tool_notes" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_shared_parameter_rows_need_a_description_and_at_least_one_row(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "params.yaml").write_text("groups:\n  mcp:\n    cwd: {type: string, x-docs-type: string}\n")
    with pytest.raises(DocsError, match=r"shared parameter group 'mcp' .*: parameters\.cwd\.description: missing"):
        render_page(load_catalog([folder]), "rst")

    lists = "\n".join(f"    {name}: {{$ref: '#/definitions/string_list'}}"
                      for name in ("allowed_tools", "disallowed_tools", "exclude_tools"))
    (folder / "params.yaml").write_text("groups:\n  mcp:\n    cwd: {type: string}\n" + lists + "\n")
    with pytest.raises(DocsError, match=r"shared parameter group 'mcp' .*: x-docs-type: no parameter carries it"):
        render_page(load_catalog([folder]), "rst")
